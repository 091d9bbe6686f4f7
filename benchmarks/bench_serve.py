"""The embedding service beside Infinity and in-process sentence-transformers; search beside FAISS.

Issue #16. Everything on loopback, every loop bounded in count:

1. ``POST /v1/embeddings`` with all-MiniLM-L6-v2 (the same exported directory for both
   services) on STS-B test sentences, one sentence a request, at concurrency 1, 8 and 32:
   requests/s and p50/p95/p99 latency, zero errors allowed. Ours (`contrastkit serve`) and
   Infinity (`infinity_emb v2 --engine torch`, installed in its own virtualenv for this
   benchmark only) alternate level by level, two rounds.
2. In-process sentence-transformers ``encode`` at batch 32 on the same sentences, sentences/s:
   what a service could reach with no HTTP at all.
3. ``POST /search`` over an exact index of 100,000 vectors (synthetic unit vectors standing in
   for a corpus; the query path — embed the text, score every vector, top 10 — is the real
   one) at concurrency 1, 8 and 32.
4. A soak: 10,000 more ``/v1/embeddings`` requests at concurrency 8; the server's resident
   memory after them against after the warm-up (target: within 10%).
5. ``ExactIndex.search`` against FAISS ``IndexFlatIP`` on the same 100k vectors, in process,
   queries of 1 and of 32, interleaved rounds.

    .venv/bin/python benchmarks/bench_serve.py [--infinity .venv-infinity/bin/infinity_emb]
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import torch

from _common import REPO, append_results, interleave, load_average, median

LEVELS = (1, 8, 32)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """A service in a subprocess of its own (its own 2 threads), waited on until healthy."""

    def __init__(
        self, command: list[str], port: int, health: str, env: dict[str, str] | None = None
    ) -> None:
        self.port, self.url = port, f"http://127.0.0.1:{port}"
        self.process = subprocess.Popen(
            command,
            env={**os.environ, **(env or {})},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"{command[0]} exited: {self.process.stderr.read().decode()[-2000:]}"
                )
            try:
                if httpx.get(self.url + health, timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        raise RuntimeError(f"{command} did not become healthy")

    def rss_mib(self) -> float:
        import psutil

        return psutil.Process(self.process.pid).memory_info().rss / 2**20

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()


def load(url: str, bodies: list[dict[str, Any]], concurrency: int) -> dict[str, float]:
    """POST every body with ``concurrency`` requests in flight; requests/s and latencies.

    The client is up to 4 processes (one Python process tops out near 250 requests/s of
    embedding responses here, well below what the servers can answer), each with its share of
    the concurrency and the bodies, all starting at the same instant.
    """
    procs = min(4, concurrency)
    shares = [
        (url, bodies[i::procs], concurrency // procs + (i < concurrency % procs))
        for i in range(procs)
    ]
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(procs)  # every client process ready before the first request
    with context.Pool(procs, initializer=_keep, initargs=(barrier,)) as pool:
        parts = pool.map(_client, shares)
    latencies = [x for part in parts for x in part["latencies"]]
    seconds = max(p["end"] for p in parts) - min(p["begin"] for p in parts)
    q = np.percentile(np.array(latencies) * 1000, [50, 95, 99])
    errors = sum(p["errors"] for p in parts)
    return {
        "qps": len(latencies) / seconds,
        "p50": q[0],
        "p95": q[1],
        "p99": q[2],
        "errors": errors,
    }


_BARRIER: Any = None


def _keep(barrier: Any) -> None:
    global _BARRIER
    _BARRIER = barrier


def _client(share: tuple[str, list[dict[str, Any]], int]) -> dict[str, Any]:
    return asyncio.run(_client_loop(*share))


async def _client_loop(url: str, bodies: list[dict[str, Any]], concurrency: int) -> dict[str, Any]:
    latencies: list[float] = []
    errors = 0
    queue = list(reversed(bodies))
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(timeout=120, limits=limits) as client:
        _BARRIER.wait()
        begin = time.time()

        async def worker() -> None:
            nonlocal errors
            while queue:
                body = queue.pop()
                started = time.perf_counter()
                r = await client.post(url, json=body)
                latencies.append(time.perf_counter() - started)
                errors += r.status_code != 200

        await asyncio.gather(*(worker() for _ in range(concurrency)))
    return {"latencies": latencies, "errors": errors, "begin": begin, "end": time.time()}


def sentences() -> list[str]:
    from contrastkit.data.stsb import load_stsb

    pairs = load_stsb("test")
    return list(dict.fromkeys([*pairs.sentences1, *pairs.sentences2]))


def export_minilm(out: Path) -> Path:
    from contrastkit.text import TextEncoder

    TextEncoder.from_pretrained().save(out)
    return out


def in_process_st(model_dir: Path, texts: list[str], rounds: int) -> float:
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(model_dir), device="cpu")
    model.encode(texts[:64], batch_size=32)
    rates = []
    for _ in range(rounds):
        started = time.perf_counter()
        model.encode(texts, batch_size=32)
        rates.append(len(texts) / (time.perf_counter() - started))
    return median(rates)


def synthetic_index(dim: int, n: int, model_dir: Path, out: Path) -> Path:
    from contrastkit.encoders import fingerprint
    from contrastkit.search import ExactIndex

    g = torch.Generator().manual_seed(0)
    index = ExactIndex(dim)
    index.add([f"doc-{i}" for i in range(n)], torch.randn(n, dim, generator=g))
    card = {"encoder": {"path": str(model_dir), "fingerprint": fingerprint(model_dir)}}
    index.save(out, card=card)
    return out


def index_vs_faiss(n: int, dim: int, rounds: int) -> dict[str, dict[str, float]]:
    import faiss

    from contrastkit.search import ExactIndex

    g = torch.Generator().manual_seed(1)
    vectors = torch.nn.functional.normalize(torch.randn(n, dim, generator=g), dim=1)
    ours = ExactIndex(dim)
    ours.add([str(i) for i in range(n)], vectors)
    flat = faiss.IndexFlatIP(dim)
    flat.add(vectors.numpy())
    out = {}
    for q in (1, 32):
        queries = torch.nn.functional.normalize(torch.randn(q, dim, generator=g), dim=1)
        repeat = 20 if q == 1 else 5
        timings = interleave(
            {
                "exact": lambda queries=queries, repeat=repeat: [
                    ours.search(queries, 10) for _ in range(repeat)
                ],
                "faiss": lambda queries=queries, repeat=repeat: [
                    flat.search(queries.numpy(), 10) for _ in range(repeat)
                ],
            },
            rounds=rounds,
            warmup=1,
        )
        ours_qps = [q * repeat / t for t in timings["exact"]]
        faiss_qps = [q * repeat / t for t in timings["faiss"]]
        ratio = median([a / b for a, b in zip(ours_qps, faiss_qps, strict=True)])
        out[str(q)] = {"exact": median(ours_qps), "faiss": median(faiss_qps), "ratio": ratio}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--infinity", default=str(REPO / ".venv-infinity" / "bin" / "infinity_emb"))
    parser.add_argument("--requests", type=int, default=1000, help="requests per level and round")
    parser.add_argument("--soak", type=int, default=10_000)
    parser.add_argument("--corpus", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--no-record", action="store_true")
    args = parser.parse_args()

    texts = sentences()
    load_avg = [load_average()]
    work = Path(tempfile.mkdtemp(prefix="bench-serve-"))
    model = export_minilm(work / "minilm")
    threads = str(len(os.sched_getaffinity(0)))
    ours_port, theirs_port = free_port(), free_port()
    ours_cmd = [
        sys.executable,
        "-m",
        "contrastkit",
        "serve",
        "--model",
        str(model),
        "--port",
        str(ours_port),
    ]
    theirs_cmd = [
        args.infinity, "v2", "--model-id", str(model), "--engine", "torch", "--device", "cpu",
        "--port", str(theirs_port), "--batch-size", "32", "--no-bettertransformer",
        "--served-model-name", "minilm",
    ]  # fmt: skip
    results: dict[str, dict[int, list[dict[str, float]]]] = {"contrastkit": {}, "infinity": {}}
    ours = Server(ours_cmd, ours_port, "/health")
    have_infinity = Path(args.infinity).exists()
    theirs = (
        Server(theirs_cmd, theirs_port, "/health", {"OMP_NUM_THREADS": threads})
        if have_infinity
        else None
    )
    bodies = [{"input": texts[i % len(texts)], "model": "minilm"} for i in range(args.requests)]
    for server, path in ((ours, "/v1/embeddings"), (theirs, "/embeddings")):  # warm-up
        if server is not None:
            (load(server.url + path, bodies[:200], 8))
    for r in range(args.rounds):
        for level in LEVELS:
            order = [("contrastkit", ours, "/v1/embeddings"), ("infinity", theirs, "/embeddings")]
            for name, server, path in order if r % 2 == 0 else order[::-1]:
                if server is None:
                    continue
                stats = load(server.url + path, bodies, level)
                results[name].setdefault(level, []).append(stats)
                print(name, level, {k: round(v, 1) for k, v in stats.items()}, flush=True)
    # throughput-minded clients send arrays: 32 sentences a request, 8 requests in flight
    batched = [
        {"input": [texts[(32 * i + j) % len(texts)] for j in range(32)], "model": "minilm"}
        for i in range(args.requests // 8)
    ]
    arrays: dict[str, list[float]] = {"contrastkit": [], "infinity": []}
    for r in range(args.rounds):
        order = [("contrastkit", ours, "/v1/embeddings"), ("infinity", theirs, "/embeddings")]
        for name, server, path in order if r % 2 == 0 else order[::-1]:
            if server is not None:
                stats = load(server.url + path, batched, 8)
                arrays[name].append(32 * stats["qps"] if not stats["errors"] else float("nan"))
                print(name, "arrays of 32", arrays[name][-1], flush=True)
    if theirs is not None:
        theirs.stop()

    rss_warm = ours.rss_mib()
    soak = [{"input": texts[i % len(texts)]} for i in range(args.soak)]
    soak_stats = load(ours.url + "/v1/embeddings", soak, 8)
    rss_after = ours.rss_mib()
    ours.stop()
    print("soak", soak_stats, rss_warm, rss_after, flush=True)

    st_rate = in_process_st(model, texts, rounds=3)
    print("sentence-transformers in process", st_rate, flush=True)

    index_dir = synthetic_index(384, args.corpus, model, work / "index")
    search_port = free_port()
    searcher = Server(
        [
            sys.executable,
            "-m",
            "contrastkit",
            "serve",
            "--index",
            str(index_dir),
            "--port",
            str(search_port),
        ],
        search_port,
        "/health",
    )
    search_bodies = [{"query": texts[i % len(texts)], "k": 10} for i in range(args.requests // 2)]
    (load(searcher.url + "/search", search_bodies[:100], 8))
    search_stats = {
        level: (load(searcher.url + "/search", search_bodies, level)) for level in LEVELS
    }
    searcher.stop()
    print("search", search_stats, flush=True)

    versus_faiss = index_vs_faiss(args.corpus, 384, rounds=5)
    print("exact vs faiss", versus_faiss, flush=True)
    load_avg.append(load_average())
    if not args.no_record:
        record(
            args,
            arrays,
            results,
            soak_stats,
            rss_warm,
            rss_after,
            st_rate,
            search_stats,
            versus_faiss,
            load_avg,
            len(texts),
        )


def _median_or_dash(xs: list[float]) -> str:
    return f"{median(xs):,.0f}" if xs else "—"


def _summary(runs: list[dict[str, float]]) -> dict[str, float]:
    return {k: statistics.median(r[k] for r in runs) for k in runs[0]}


def record(
    args, arrays, results, soak, rss_warm, rss_after, st_rate, search, faiss_cmp, load_avg, n_texts
) -> None:
    rows = []
    for level in LEVELS:
        ours = _summary(results["contrastkit"][level])
        line = f"| {level} | {ours['qps']:,.0f} | {ours['p50']:.1f} / {ours['p95']:.1f} / {ours['p99']:.1f} | {int(ours['errors'])} |"
        if results["infinity"].get(level):
            theirs = _summary(results["infinity"][level])
            ratio = median(
                [
                    a["qps"] / b["qps"]
                    for a, b in zip(
                        results["contrastkit"][level], results["infinity"][level], strict=True
                    )
                ]
            )
            line += f" {theirs['qps']:,.0f} | {theirs['p50']:.1f} / {theirs['p95']:.1f} / {theirs['p99']:.1f} | {int(theirs['errors'])} | {ratio:.2f} |"
        else:
            line += " — | — | — | — |"
        rows.append(line)
    at32 = _summary(results["contrastkit"][32])["qps"]
    inf32 = (
        median([r["qps"] for r in results["infinity"].get(32, [])])
        if results["infinity"].get(32)
        else None
    )
    ratio32 = (
        median(
            [
                a["qps"] / b["qps"]
                for a, b in zip(results["contrastkit"][32], results["infinity"][32], strict=True)
            ]
        )
        if inf32
        else None
    )
    growth = (rss_after - rss_warm) / rss_warm
    search_rows = "\n".join(
        f"| {level} | {s['qps']:,.0f} | {s['p50']:.1f} / {s['p95']:.1f} / {s['p99']:.1f} | {int(s['errors'])} |"
        for level, s in search.items()
    )
    faiss_rows = "\n".join(
        f"| {q} | {v['exact']:,.0f} | {v['faiss']:,.0f} | {v['ratio']:.2f} |"
        for q, v in faiss_cmp.items()
    )
    target_inf = (
        "no Infinity run"
        if ratio32 is None
        else f"{ratio32:.2f}× → {'MET' if ratio32 >= 1.2 else 'MISSED'}"
    )
    body = f"""`/v1/embeddings`, all-MiniLM-L6-v2 (the same exported directory for both), one STS-B test
sentence a request ({n_texts:,} distinct sentences cycled), {args.requests} requests per level and
round, {args.rounds} rounds alternating which service goes first; medians over rounds.

| concurrency | contrastkit req/s | p50 / p95 / p99 ms | errors | Infinity req/s | p50 / p95 / p99 ms | errors | × Infinity |
|---:|---:|---|---:|---:|---|---:|---:|
{chr(10).join(rows)}

- target ≥ 1.2× Infinity's throughput at concurrency 32: {target_inf}
- in-process sentence-transformers `encode`, batch 32: {st_rate:,.0f} sentences/s. The service at
  concurrency 32, one sentence a request: {at32:,.0f} sentences/s = {at32 / st_rate:.2f}×; with
  arrays of 32 sentences a request (8 in flight): {median(arrays["contrastkit"]):,.0f} sentences/s =
  {median(arrays["contrastkit"]) / st_rate:.2f}× (Infinity the same way:
  {_median_or_dash(arrays["infinity"])} sentences/s). Target ≥ 0.8×: one sentence a request
  {"MET" if at32 / st_rate >= 0.8 else "MISSED"}, arrays {"MET" if median(arrays["contrastkit"]) / st_rate >= 0.8 else "MISSED"}
- soak: {args.soak:,} more requests at concurrency 8, {int(soak["errors"])} errors, {soak["qps"]:,.0f} req/s;
  server RSS {rss_warm:,.0f} MiB after warm-up → {rss_after:,.0f} MiB after ({growth:+.1%}; target within
  10%: {"MET" if abs(growth) <= 0.10 else "MISSED"})

`/search`, text query → embed → exact top 10 over {args.corpus:,} vectors (384-d, float32; synthetic
unit vectors as the corpus, the query path real), {args.requests // 2} requests per level:

| concurrency | req/s | p50 / p95 / p99 ms | errors |
|---:|---:|---|---:|
{search_rows}

`ExactIndex.search` against FAISS `IndexFlatIP`, the same {args.corpus:,} normalised 384-d vectors, k 10,
in process, 5 interleaved rounds (queries/s, medians):

| queries per call | ExactIndex | FAISS IndexFlatIP | × FAISS |
|---:|---:|---:|---:|
{faiss_rows}

Servers each in their own process, started with the machine's cores as threads
(ours: `contrastkit serve --model DIR`, dynamic batching, 1 encoder worker; Infinity:
`infinity_emb v2 --engine torch --device cpu --batch-size 32 --no-bettertransformer`, its
own virtualenv); the client: httpx async in up to 4 processes on the same machine, so
servers and client share the 2 cores (an in-process `encode` shares them with nobody). 1-minute load average
{min(load_avg):.2f}–{max(load_avg):.2f}.
"""
    append_results(REPO / "benchmarks" / "RESULTS.md", "bench_serve.py", body)


if __name__ == "__main__":
    main()
