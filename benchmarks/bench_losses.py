"""Forward+backward time and peak memory of contrastkit's NT-Xent and InfoNCE against peers.

For every batch size N and width D the candidates run interleaved on the same inputs
(z1, z2: (N, D) float32, τ = 0.5, A B C … with the order rotated each round):

    contrastkit nt_xent      ours, the SimCLR 2N layout: (2N, 2N) logits, diagonal excluded
    contrastkit info_nce     ours, one direction: N anchors against N positives, (N, N) logits
    lightly NTXentLoss       lightly.loss.NTXentLoss, the peer the ratios are taken against
    PML NTXentLoss           pytorch_metric_learning.losses.NTXentLoss on cat(z1, z2) with
                             labels arange(N).repeat(2); builds (2N, 2N(2N−2)) pair buffers
    F.cross_entropy ref      normalise, z @ z.T / τ, fill the diagonal with −inf, cross_entropy
    floor: z @ z.T           the similarity matmul alone, (2N, D) → (2N, 2N), backward with a
                             fixed random upstream gradient: what any exact 2N loss must pay

Peak memory is measured in a fresh process per (candidate, N, D) from the kernel's RSS
high-water mark (see benchmarks/_common.py and benchmarks/README.md); a candidate that would
not fit in the memory budget is reported as OOM with the size it asked for, never run.

    .venv/bin/python benchmarks/bench_losses.py                 # full grid, appends RESULTS.md
    .venv/bin/python benchmarks/bench_losses.py --quick --no-append
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from _common import (
    GIB,
    MIB,
    REPO,
    append_results,
    available_memory_bytes,
    command_line,
    git_commit,
    interleave,
    limit_address_space,
    load_average,
    machine_description,
    median,
    paired_ratio,
    peak_rss_delta,
    run_isolated,
)
from contrastkit.losses import info_nce, nt_xent

TAU = 0.5  # lightly's default; the temperature does not change the cost
PEER = "lightly NTXentLoss"
PML = "PML NTXentLoss"
PML_ROUNDS = 3  # PML takes seconds per call where it fits at all; fewer rounds keep the run short
OURS = "contrastkit nt_xent"
FLOOR = "floor: z @ z.T"

LossFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


# ----------------------------------------------------------------------------- candidates
# Peers are imported inside their factory so a memory child loads only the one it measures.


def _ours_nt_xent(n: int) -> LossFn:
    return lambda z1, z2: nt_xent(z1, z2, temperature=TAU)


def _ours_info_nce(n: int) -> LossFn:
    return lambda z1, z2: info_nce(z1, z2, temperature=TAU)


def _lightly(n: int) -> LossFn:
    from lightly.loss import NTXentLoss

    loss: LossFn = NTXentLoss(temperature=TAU)
    return loss


def _pml(n: int) -> LossFn:
    from pytorch_metric_learning.losses import NTXentLoss

    loss = NTXentLoss(temperature=TAU)
    labels = torch.arange(n).repeat(2)  # (2N,) sample i's two views share label i
    return lambda z1, z2: loss(torch.cat([z1, z2]), labels)


def _cross_entropy_reference(n: int) -> LossFn:
    labels = torch.cat([torch.arange(n, 2 * n), torch.arange(n)])  # (2N,) the other view

    def loss(z1: torch.Tensor, z2: torch.Tensor) -> torch.Tensor:
        z = F.normalize(torch.cat([z1, z2]), dim=1)  # (2N, D)
        logits = z @ z.t() / TAU  # (2N, 2N)
        logits.fill_diagonal_(float("-inf"))  # an anchor is not its own negative
        return F.cross_entropy(logits, labels)

    return loss


LOSSES: dict[str, Callable[[int], LossFn]] = {
    OURS: _ours_nt_xent,
    "contrastkit info_nce": _ours_info_nce,
    PEER: _lightly,
    PML: _pml,
    "F.cross_entropy ref": _cross_entropy_reference,
}
CANDIDATES = [*LOSSES, FLOOR]


def pml_min_bytes(n: int) -> int:
    """PML's NTXentLoss compares every positive pair with every negative pair: one float32
    (2N, 2N(2N−2)) buffer is a lower bound on what it allocates (it makes several)."""
    return 4 * (2 * n) * (2 * n) * (2 * n - 2)


def fwd_bwd(name: str, z1: torch.Tensor, z2: torch.Tensor) -> Callable[[], object]:
    """A closure running one forward+backward of ``name`` on ``z1, z2`` (grads discarded)."""
    n = z1.shape[0]
    if name == FLOOR:
        z = torch.cat([z1, z2]).detach().requires_grad_()  # (2N, D)
        upstream = torch.randn(2 * n, 2 * n)  # (2N, 2N) allocated here, not inside the call
        return lambda: torch.autograd.grad(z @ z.t(), z, upstream)
    loss = LOSSES[name](n)
    return lambda: torch.autograd.grad(loss(z1, z2), (z1, z2))


def make_inputs(n: int, d: int, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    gen = torch.Generator().manual_seed(seed * 1_000_003 + n * 1009 + d)
    z1 = torch.randn(n, d, generator=gen)  # (N, D)
    z2 = z1 + 0.5 * torch.randn(n, d, generator=gen)  # (N, D) a noisy second view
    return z1.requires_grad_(), z2.requires_grad_()


def check_agreement() -> None:
    """Every NT-Xent candidate computes the same loss and gradients (float64, N=32)."""
    z1, z2 = make_inputs(32, 16)
    z1, z2 = (z.detach().double().requires_grad_() for z in (z1, z2))
    ref_value = nt_xent(z1, z2, temperature=TAU)
    ref_grads = torch.autograd.grad(ref_value, (z1, z2))
    for name in (PEER, PML, "F.cross_entropy ref"):
        value = LOSSES[name](32)(z1, z2)
        grads = torch.autograd.grad(value, (z1, z2))
        err = max(
            abs(float(value.detach() - ref_value.detach())),
            *(float((g - r).abs().max()) for g, r in zip(grads, ref_grads, strict=True)),
        )
        if err > 1e-8:
            raise AssertionError(f"{name} disagrees with contrastkit nt_xent by {err:.2e}.")


# ----------------------------------------------------------------------------- memory


@dataclass(frozen=True)
class Peak:
    """Peak memory of one forward+backward, or the allocation that did not fit."""

    bytes: int | None  # None: out of memory
    asked: int | None = None  # bytes the failed allocation asked for, when known
    estimated: bool = False  # ``asked`` is a lower bound computed without running

    def __str__(self) -> str:
        if self.bytes is not None:
            return f"{self.bytes / MIB:,.0f}"
        if self.asked is None:
            return "OOM"
        return f"OOM (asks {'≥ ' if self.estimated else ''}{self.asked / GIB:,.1f} GiB)"


def child_peak(name: str, n: int, d: int, budget: int) -> None:
    """Entry point of a memory child: print ``{"peak_bytes": ...}`` for one case."""
    z1, z2 = make_inputs(n, d)
    call = fwd_bwd(name, z1, z2)
    limit_address_space(budget)
    print(json.dumps({"peak_bytes": peak_rss_delta(call, warmup=1)}))


def measure_peak(name: str, n: int, d: int, budget: int) -> Peak:
    if name == PML and pml_min_bytes(n) > budget:
        return Peak(None, asked=pml_min_bytes(n), estimated=True)
    args = [__file__, "--child-peak", name, str(n), str(d), "--budget-bytes", str(budget)]
    args += ["--threads", str(torch.get_num_threads())]
    result = run_isolated(args, timeout=600)
    if result.get("oom"):
        asked = result.get("asked_bytes")
        return Peak(None, asked=asked if isinstance(asked, int) else None)
    return Peak(int(str(result["peak_bytes"])))


# ----------------------------------------------------------------------------- report


@dataclass(frozen=True)
class Row:
    n: int
    d: int
    name: str
    peak: Peak
    times: list[float] | None = None  # seconds per timed round; None: not run (OOM)
    speedup: float = float("nan")  # median over rounds of t_lightly / t_this
    vs_floor: float = float("nan")  # median over rounds of t_this / t_floor


def _ratio(x: float) -> str:
    return f"{x:.2f}" if 0.1 <= x < 100 else f"{x:.2g}"


def table(rows: list[Row]) -> str:
    lines = [
        "| N | D | implementation | median ms | IQR ms | speed-up vs lightly | × floor "
        "| peak MiB |",
        "|---:|---:|---|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        if r.times is None:
            timing = "— | — | — | —"
        else:
            q = sorted(r.times)
            iqr = (q[(3 * len(q)) // 4] - q[len(q) // 4]) * 1e3
            ms = median(q) * 1e3
            timing = f"{ms:,.1f} | {iqr:,.1f} | {_ratio(r.speedup)} | {_ratio(r.vs_floor)}"
        lines.append(f"| {r.n} | {r.d} | {r.name} | {timing} | {r.peak} |")
    return "\n".join(lines) + "\n"


def targets(rows: list[Row]) -> str:
    """The issue's acceptance targets, each with the measured value and MET / MISSED."""
    by = {(r.n, r.d, r.name): r for r in rows}
    if (4096, 512, OURS) not in by:
        return "Acceptance targets: not measured (they need N = 4096; run without --quick).\n"
    ours, peer = by[(4096, 512, OURS)], by[(4096, 512, PEER)]
    mine, theirs = ours.peak.bytes, peer.peak.bytes
    assert mine is not None and theirs is not None  # both must fit: checked in main()
    out = [
        "Acceptance targets:",
        f"- nt_xent ≥ 1.3× faster than lightly at N=4096, D=512: {ours.speedup:.2f}× "
        f"→ {'MET' if ours.speedup >= 1.3 else 'MISSED'}",
        f"- nt_xent peak ≤ lightly's at N=4096, D=512: {mine / MIB:,.0f} vs "
        f"{theirs / MIB:,.0f} MiB → {'MET' if mine <= theirs else 'MISSED'}",
    ]
    for r in rows:
        if r.n == 4096 and r.name == OURS and r.peak.bytes is not None:
            out.append(
                f"- nt_xent peak < 1 GiB at N=4096, D={r.d}: {r.peak.bytes / MIB:,.0f} MiB "
                f"→ {'MET' if r.peak.bytes < GIB else 'MISSED'}"
            )
    return "\n".join(out) + "\n"


METHOD = """\
Method. Time: one forward+backward (`torch.autograd.grad` of the loss w.r.t. z1, z2) per call;
all candidates of a row group run interleaved on the same float32 inputs, order rotated every
round, {warmup} warm-up round(s) then {rounds} timed rounds (PML only in the first
{pml_rounds}); medians and inter-quartile ranges in ms. "speed-up vs lightly" is the median
over rounds of t_lightly / t_candidate in the same round; "× floor" is likewise
t_candidate / t_floor (1.00 = as fast as the bare matmul). Peak memory: a fresh process per
(candidate, N, D), glibc mmap threshold pinned at 128 KiB, one warm-up call, then the kernel's
RSS high-water mark (VmHWM after `echo 5 > /proc/self/clear_refs`) minus the RSS just before
one call — inputs, modules and the floor's upstream gradient are allocated before and not
counted; the gradients returned are. Each child runs under RLIMIT_AS = its mapped size +
{budget:.1f} GiB; PML cases whose smallest pair buffer, 4·2N·2N(2N−2) bytes, exceeds that are
reported OOM without running. info_nce is one-directional on N rows ((N, N) logits, a quarter
of NT-Xent's (2N, 2N)), so its ratios are not like for like; the floor is for the (2N, 2N)
layout. τ = 0.5.
"""


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="N in {256, 1024}, D=128, 3 rounds")
    parser.add_argument("--no-append", action="store_true", help="do not write RESULTS.md")
    parser.add_argument("--rounds", type=int, default=None, help="timed rounds (default 11)")
    parser.add_argument(
        "--mem-budget-gib",
        type=float,
        default=8.0,
        help="most memory one candidate may take (capped at half of MemAvailable)",
    )
    parser.add_argument(
        "--threads", type=int, default=None, help="torch intra-op threads (default: torch's)"
    )
    parser.add_argument("--child-peak", nargs=3, metavar=("NAME", "N", "D"), help=argparse.SUPPRESS)
    parser.add_argument("--budget-bytes", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.threads is not None:
        torch.set_num_threads(args.threads)

    if args.child_peak:
        name, n, d = args.child_peak
        child_peak(name, int(n), int(d), args.budget_bytes)
        return

    sizes = [256, 1024] if args.quick else [256, 1024, 4096]
    dims = [128] if args.quick else [128, 512]
    rounds = args.rounds or (3 if args.quick else 11)
    warmup = 1 if args.quick else 2
    budget = int(min(args.mem_budget_gib * GIB, available_memory_bytes() / 2))
    loads = [load_average()]

    print(f"# {command_line()}\n# commit {git_commit()}\n# {machine_description()}", flush=True)
    check_agreement()
    print("# all NT-Xent candidates agree with contrastkit nt_xent to 1e-8 (float64)", flush=True)

    rows: list[Row] = []
    for n in sizes:
        for d in dims:
            peaks = {}
            for name in CANDIDATES:
                print(f"  memory  N={n} D={d} {name} …", file=sys.stderr, flush=True)
                peaks[name] = measure_peak(name, n, d, budget)
            runnable = [name for name in CANDIDATES if peaks[name].bytes is not None]
            if PEER not in runnable or FLOOR not in runnable:
                raise RuntimeError(f"lightly or the floor did not fit in {budget / GIB:.1f} GiB.")
            print(f"  timing  N={n} D={d} ({len(runnable)} candidates) …", file=sys.stderr)
            z1, z2 = make_inputs(n, d)
            calls = {name: fwd_bwd(name, z1, z2) for name in runnable}
            pml_rounds = min(rounds, PML_ROUNDS)
            times = interleave(calls, rounds=rounds, warmup=warmup, max_rounds={PML: pml_rounds})
            loads.append(load_average())
            for name in CANDIDATES:
                if name not in times:
                    rows.append(Row(n, d, name, peaks[name]))
                    continue
                t = times[name]
                speedup, vs_floor = paired_ratio(times[PEER], t), paired_ratio(t, times[FLOOR])
                rows.append(Row(n, d, name, peaks[name], t, speedup, vs_floor))
            print(table(rows[-len(CANDIDATES) :]), file=sys.stderr, flush=True)

    load = (
        f"1-minute load average during the run: {min(loads):.2f}–{max(loads):.2f} "
        f"(this run's own {torch.get_num_threads()} threads count toward it; "
        f"above that, other jobs competed for the {len(os.sched_getaffinity(0))} cores)."
    )
    method = METHOD.format(
        warmup=warmup, rounds=rounds, pml_rounds=min(rounds, PML_ROUNDS), budget=budget / GIB
    )
    body = f"{table(rows)}\n{targets(rows)}\n{load}\n\n{method}"
    print("\n" + body)
    if not args.no_append:
        append_results(REPO / "benchmarks" / "RESULTS.md", "bench_losses.py", body)
        print("# appended to benchmarks/RESULTS.md")


if __name__ == "__main__":
    main()
