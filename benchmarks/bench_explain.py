"""Faithfulness and cost of the explanations (issue #21): deletion curves.

For each (query, candidate) pair, the parts of one input are ranked by an attribution of
s(q, a) and removed in that order (set to the explanation's baseline: [PAD] for word pieces,
black for image patches), 0%, 10%, … 100% of them, re-scoring s(q, a) each time. A faithful
ranking makes the similarity fall fast: a small area under the curve (the mean similarity
over the removed fractions, trapezoid rule). Rankings compared on the same pairs:
integrated gradients (ours, through Captum), occlusion (one part at a time), plain gradient ×
input, and random orders (the mean of 5).

- text: all-MiniLM-L6-v2 as shipped on 200 news title → body pairs (test split); the title's
  word pieces are removed.
- images: the `make demo` SimCLR encoder (runs/demo, exported) on 200 Fashion-MNIST test
  images and each one's nearest other test image; the patches of the query, then of the
  candidate, are removed.

Cost per explanation on this CPU: integrated gradients (32 steps), occlusion, and the
pairwise map (16 steps), medians over the pairs (the pairwise map over the first 5).

    .venv/bin/python benchmarks/bench_explain.py [--pairs 200]
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

import torch
import torch.nn.functional as F

from _common import REPO, append_results, load_average
from contrastkit.encoders import load_encoder
from contrastkit.explain import Parts, attribute, pairwise_map, similarity_to
from contrastkit.explain.attribution import Attribution

FRACTIONS = [i / 10 for i in range(11)]
RANKINGS = ["integrated_gradients", "occlusion", "gradient_x_input", "random"]
RANDOM_ORDERS = 5
STEPS = 32


def _embedding(parts: Parts) -> torch.Tensor:
    with torch.no_grad():
        return parts.embed(parts.inputs.unsqueeze(0))[0]


def deletion_curve(parts: Parts, f, order: list[int]) -> list[float]:
    """s after removing the first 0%, 10%, … 100% of ``order`` (parts set to the baseline)."""
    masks = parts.masks()  # (P, *shape)
    batch = []
    for fraction in FRACTIONS:
        removed = order[: round(fraction * len(order))]
        hidden = masks[removed].sum(0).clamp(max=1) if removed else torch.zeros_like(parts.inputs)
        batch.append(parts.inputs * (1 - hidden) + parts.baseline * hidden)
    with torch.no_grad():
        return f(torch.stack(batch)).tolist()


def area(curve: list[float]) -> float:
    steps = [(a + b) / 2 for a, b in itertools.pairwise(curve)]
    return sum(steps) / len(steps)


def one_side(parts: Parts, other: torch.Tensor, generator: torch.Generator) -> dict[str, object]:
    """Areas under the deletion curve of each ranking, and what each attribution cost."""
    f = similarity_to(parts, [other], [1.0])
    out: dict[str, object] = {"parts": len(parts)}
    scores: dict[str, Attribution] = {}
    for method in RANKINGS[:-1]:
        started = time.perf_counter()
        scores[method] = attribute(parts, f, method, steps=STEPS)
        out[f"ms_{method}"] = 1000 * (time.perf_counter() - started)
    for method, attribution in scores.items():
        order = torch.argsort(attribution.scores, descending=True).tolist()
        out[method] = area(deletion_curve(parts, f, order))
    randoms = [
        torch.randperm(len(parts), generator=generator).tolist() for _ in range(RANDOM_ORDERS)
    ]
    out["random"] = statistics.fmean(area(deletion_curve(parts, f, o)) for o in randoms)
    out["completeness"] = scores["integrated_gradients"].completeness_error
    out["gained"] = scores["integrated_gradients"].value - (
        scores["integrated_gradients"].reference or 0
    )
    return out


def text_pairs(n: int) -> list[tuple[str, str]]:
    from contrastkit.data.text_sources import load_text_rows

    return [(t, b) for t, b in load_text_rows("news", "test").rows[:n]]


def image_pairs(encoder, n: int) -> list[tuple[torch.Tensor, torch.Tensor]]:
    from contrastkit.data import load_fashion_mnist

    test = load_fashion_mnist("test")
    pool = test.images[:2000]
    z = F.normalize(encoder.encode(pool), dim=1)
    similar = z[:n] @ z.t()
    similar[torch.arange(n), torch.arange(n)] = -2  # not itself
    return [(pool[i], pool[int(similar[i].argmax())]) for i in range(n)]


def run_pairs(encoder, pairs, sides: list[str], pairwise_pairs: int) -> dict[str, list[dict]]:
    generator = torch.Generator().manual_seed(0)
    rows: dict[str, list[dict]] = {side: [] for side in sides}
    rows["pairwise_ms"] = []
    for i, (q, a) in enumerate(pairs):
        qp, ap = encoder.parts(q), encoder.parts(a)
        eq, ea = _embedding(qp), _embedding(ap)
        if "query" in sides:
            rows["query"].append(one_side(qp, ea, generator))
        if "candidate" in sides:
            rows["candidate"].append(one_side(ap, eq, generator))
        if i < pairwise_pairs:  # as explain() draws it: 16 parts a side, the rest merged
            started = time.perf_counter()
            scores = tuple(
                attribute(p, similarity_to(p, [e], [1.0]), steps=STEPS).scores
                for p, e in ((qp, ea), (ap, eq))
            )
            grid = pairwise_map(qp, ap, steps=16, max_parts=16, scores=scores)
            rows["pairwise_ms"].append(
                {"ms": 1000 * (time.perf_counter() - started), "error": grid.completeness_error}
            )
    return rows


def _se(values: list[float]) -> float:
    return statistics.stdev(values) / len(values) ** 0.5


def table(name: str, rows: list[dict]) -> str:
    lines = [
        f"**{name}** ({len(rows)} pairs, {statistics.median(r['parts'] for r in rows):.0f} parts "
        "median): area under the deletion curve of s(q, a), lower is more faithful",
        "",
        "| ranking | AUC mean ± SE | pairs where it beats random | beats gradient × input | ms / explanation (median) |",
        "|---|---:|---:|---:|---:|",
    ]
    for method in RANKINGS:
        values = [r[method] for r in rows]

        def beats(peer: str, method: str = method) -> str:
            return (
                "—"
                if peer == method
                else f"{sum(r[method] < r[peer] for r in rows) / len(rows):.0%}"
            )

        cost = (
            "—"
            if method == "random"
            else f"{statistics.median(r['ms_' + method] for r in rows):.0f}"
        )
        lines.append(
            f"| {method.replace('_', ' ')} | {statistics.fmean(values):.4f} ± {_se(values):.4f} "
            f"| {beats('random')} | {beats('gradient_x_input')} | {cost} |"
        )
    relative = [r["completeness"] / max(abs(r["gained"]), 1e-12) for r in rows]
    lines += [
        "",
        f"Integrated gradients' completeness error at {STEPS} steps: median "
        f"{statistics.median(r['completeness'] for r in rows):.1e} "
        f"({statistics.median(relative):.1e} of s(x) − s(baseline)), max "
        f"{max(r['completeness'] for r in rows):.1e}.",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=200)
    parser.add_argument("--no-append", action="store_true", help="print only")
    parser.add_argument("--pairwise-pairs", type=int, default=5)
    parser.add_argument("--demo-run", type=Path, default=REPO / "runs" / "demo")
    args = parser.parse_args()
    torch.manual_seed(0)
    started = time.perf_counter()
    loads = [load_average()]
    with tempfile.TemporaryDirectory() as tmp:
        from contrastkit.text import TextEncoder

        TextEncoder.from_pretrained().save(Path(tmp) / "minilm")
        text_encoder = load_encoder(Path(tmp) / "minilm")
        if not (args.demo_run / "checkpoints").is_dir():
            raise SystemExit(f"{args.demo_run} holds no trained run: run `make demo` first")
        export = ["contrastkit", "export", "--run", str(args.demo_run), "--out", f"{tmp}/fm"]
        subprocess.run([str(REPO / ".venv/bin/python"), "-m", *export], check=True)
        image_encoder = load_encoder(f"{tmp}/fm")
        text = run_pairs(text_encoder, text_pairs(args.pairs), ["query"], args.pairwise_pairs)
        loads.append(load_average())
        images = run_pairs(
            image_encoder, image_pairs(image_encoder, args.pairs), ["query", "candidate"],
            args.pairwise_pairs,
        )  # fmt: skip
        loads.append(load_average())
    pairwise = {
        (name, key): statistics.median(r[key] for r in rows["pairwise_ms"])
        for name, rows in (("text", text), ("images", images))
        for key in ("ms", "error")
    }
    body = "\n\n".join(
        [
            table("news titles (MiniLM), the title's word pieces removed", text["query"]),
            table(
                "Fashion-MNIST neighbours (demo SimCLR), the query's patches removed",
                images["query"],
            ),
            table("Fashion-MNIST neighbours, the candidate's patches removed", images["candidate"]),
            f"Pairwise map (16 steps, 16 parts a side and the rest merged, with the two "
            f"first-order attributions that choose them), median over {args.pairwise_pairs} "
            f"pairs: {pairwise['text', 'ms']:.0f} ms for a title × body (completeness error "
            f"{pairwise['text', 'error']:.1e}), {pairwise['images', 'ms']:.0f} ms for two "
            f"images of 49 patches ({pairwise['images', 'error']:.1e}). Whole run {(time.perf_counter() - started) / 60:.1f} min; "
            f"1-minute load average {min(loads):.2f}–{max(loads):.2f}.",
        ]
    )
    print(body)
    if not args.no_append:
        append_results(REPO / "benchmarks" / "RESULTS.md", "bench_explain.py", body)


if __name__ == "__main__":
    main()
