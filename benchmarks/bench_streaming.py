"""The streaming (tiled) InfoNCE beside the plain kernel (issue #19): peak memory and time of
one forward + backward of `info_nce` (N anchors against N positives, D = 256, float32).

Each measurement runs in its own process (peak resident memory is per process): extra peak =
ru_maxrss after the step − ru_maxrss once the inputs exist. Where both fit, their times are
interleaved medians of `--repeats` steps in one process. At N = 65,536 only the streaming loss
runs: the plain one's logits alone are N² floats (16 GiB), and its kernel keeps that buffer
plus the gradient's (32 GiB), more than this machine's 24 GiB.

    .venv/bin/python benchmarks/bench_streaming.py [--sizes 4096 16384] [--big 65536]
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time

import torch

from _common import REPO, append_results, load_average

D = 256


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(n: int, streaming: bool, repeats: int) -> dict[str, float]:
    from contrastkit.losses import info_nce

    g = torch.Generator().manual_seed(0)
    a = torch.randn(n, D, generator=g, requires_grad=True)
    p = torch.randn(n, D, generator=g, requires_grad=True)
    for streaming_warmup in (False, True):  # thread pools and first-call buffers, not the loss
        info_nce(a[:256], p[:256], streaming=streaming_warmup).backward()
    a.grad = p.grad = None
    base = _peak_mib()
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        info_nce(a, p, temperature=0.1, streaming=streaming).backward()
        times.append(time.perf_counter() - started)
        a.grad = p.grad = None
    return {"seconds": statistics.median(times), "extra_mib": _peak_mib() - base}


def measure(n: int, streaming: bool, repeats: int) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", str(n), str(int(streaming)), str(repeats)],
        check=True, capture_output=True, text=True, cwd=REPO,
    )  # fmt: skip
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    if sys.argv[1:2] == ["--child"]:
        n, streaming, repeats = int(sys.argv[2]), bool(int(sys.argv[3])), int(sys.argv[4])
        print(json.dumps(child(n, streaming, repeats)))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[4096, 16384])
    parser.add_argument("--big", type=int, default=65536)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--no-append", action="store_true", help="print only")
    args = parser.parse_args()
    started, loads = time.perf_counter(), [load_average()]
    lines = [
        "| N | plain: time, extra peak | streaming: time, extra peak | time streaming / plain |",
        "|---:|---:|---:|---:|",
    ]
    for n in args.sizes:
        plain = [measure(n, False, args.repeats)]
        tiled = [measure(n, True, args.repeats)]
        plain.append(measure(n, False, args.repeats))  # A B A B: the second pair too
        tiled.append(measure(n, True, args.repeats))
        t_plain = statistics.median(r["seconds"] for r in plain)
        t_tiled = statistics.median(r["seconds"] for r in tiled)
        m_plain = max(r["extra_mib"] for r in plain)
        m_tiled = max(r["extra_mib"] for r in tiled)
        lines.append(
            f"| {n:,} | {t_plain:.2f} s, {m_plain:,.0f} MiB | {t_tiled:.2f} s, {m_tiled:,.0f} MiB "
            f"| {t_tiled / t_plain:.2f}× |"
        )
        print(lines[-1], flush=True)
        loads.append(load_average())
    if args.big:
        big = measure(args.big, True, 1)
        need = 2 * args.big**2 * 4 / 2**30
        lines.append(
            f"| {args.big:,} | not run: needs ≥ {need:.0f} GiB (logits + their gradient) "
            f"| {big['seconds']:.1f} s, {big['extra_mib']:,.0f} MiB | — |"
        )
        print(lines[-1], flush=True)
    body = "\n".join(lines) + (
        f"\n\nOne forward + backward of `info_nce(a, p, temperature=0.1)`, D = {D}, float32, "
        f"2 threads; medians of {args.repeats} steps per process, two processes per cell "
        f"(interleaved), peak = the larger. Whole run {(time.perf_counter() - started) / 60:.1f} "
        f"min; 1-minute load average {min(loads):.2f}–{max(loads):.2f}.\n"
    )
    print(body)
    if not args.no_append:
        append_results(REPO / "benchmarks" / "RESULTS.md", "bench_streaming.py", body)


if __name__ == "__main__":
    main()
