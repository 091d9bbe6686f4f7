"""Collapse rules: small pure functions over the probe-batch metrics history.

Each rule reads the last ``patience`` rows the monitor wrote (``probe_std_normalized``,
``probe_effective_rank``, ``probe_uniformity``, ``probe_alignment``; ``temperature`` when
the method has one) and returns a :class:`Collapse` with one sentence saying what collapsed
and what to try, or None. A rule must hold on ``patience`` consecutive checks, so one noisy
probe never fires it.

The thresholds come from measurements on Fashion-MNIST (small CNN, SimCLR-style heads with
D = 32 and D = 128, probe rows 2B = 64 and 256, checked every 16 steps for 100–320 steps):

====================  ====================  =============================================
run                    effective rank        uniformity (after the first 16 steps)
====================  ====================  =============================================
SimSiam, no predictor  4.9 → 3.7 (D=128),    −1.42 … −0.97
                       9.7 → 3.7 (D=32)
SimCLR, τ = 50         6.0 → 3.3 (D=32)      −1.61 → −1.24
SimCLR, τ = 0.5        10.5 … 15             −1.94 … −2.70
SimSiam, BYOL          7.5 … 11              −1.55 … −2.36
MoCo v2                5.2 at step 16, then  −1.19 at step 16 (BN-free head, mean-dominated
                       6.2 … 11              at first), then −1.52 … −2.09
====================  ====================  =============================================

SimSiam without its predictor collapses *dimensionally*: the output BatchNorm keeps every
coordinate's batch variance at 1, so the std of normalised rows stays near 1/√D while the
rows shrink onto a few directions; only the effective rank and the uniformity show it.
A too-high temperature (no signal from the negatives) collapses the same way.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

Row = Mapping[str, float]


@dataclass(frozen=True)
class ProbeShape:
    """The probe batch the metrics come from: ``rows`` embeddings (both views) of ``dim``."""

    rows: int
    dim: int


@dataclass(frozen=True)
class Collapse:
    kind: str  # "complete" | "dimensional" | "aligned"
    step: int
    message: str  # one sentence: what collapsed, the numbers, what to try


def complete_collapse(
    history: Sequence[Row], shape: ProbeShape, *, patience: int = 3, max_spread: float = 0.1
) -> Collapse | None:
    r"""Every image maps to (nearly) the same point: std of normalised rows × √D < 0.1.

    :func:`~contrastkit.diagnostics.std_of_l2_normalized` is ≈ 1/√D for rows spread over
    the sphere and 0 for one repeated vector (SimSiam, Sec. 4.1), so × √D is ≈ 1 when
    healthy (measured 0.78–1.0 after the first steps; 0.49 at initialisation for MoCo v2's
    BN-free head). 0.1 is ten times below anything healthy; rows using only k ≪ D
    directions also fall near √(k/D), which for large D is the same failure.
    """
    last = _last(history, patience, "probe_std_normalized")
    if last is None:
        return None
    spread = [r["probe_std_normalized"] * math.sqrt(shape.dim) for r in last]
    if not all(x < max_spread for x in spread):
        return None
    return Collapse(
        "complete",
        int(last[-1]["step"]),
        f"complete collapse at step {int(last[-1]['step'])}: every image maps to nearly the "
        f"same embedding (std of L2-normalised embeddings × √D = {spread[-1]:.3f}, healthy "
        f"≈ 1, below {max_spread} for the last {patience} checks). {_advice(last[-1])}",
    )


def dimensional_collapse(
    history: Sequence[Row],
    shape: ProbeShape,
    *,
    patience: int = 3,
    max_rank: float = 5.0,
    max_fraction: float = 0.25,
    max_uniformity: float = -1.5,
) -> Collapse | None:
    """The embeddings use only a handful of directions and crowd together.

    Fires when the effective rank of the probe batch is below ``min(5, 0.25 · min(rows, D))``
    *and* the uniformity is above −1.5, on ``patience`` consecutive checks. From the table
    in the module docstring: collapsing runs reach 3.3–4.9 effective dimensions with
    uniformity −0.97 to −1.42; healthy runs stay at ≥ 6.2 dimensions (one check at 5.2)
    and ≤ −1.52 after their first steps. Each signal alone has a near miss in the healthy
    runs (MoCo v2's first check); both together, held for several checks, have none. The
    0.25 · min(rows, D) cap keeps the rank bound meaningful for tiny D. The rule is
    conservative: a partial collapse that keeps more than 5 directions is not flagged.
    """
    last = _last(history, patience, "probe_effective_rank", "probe_uniformity")
    if last is None:
        return None
    limit = min(max_rank, max_fraction * min(shape.rows, shape.dim))
    if not all(
        r["probe_effective_rank"] < limit and r["probe_uniformity"] > max_uniformity for r in last
    ):
        return None
    now = last[-1]
    return Collapse(
        "dimensional",
        int(now["step"]),
        f"dimensional collapse at step {int(now['step'])}: the embeddings use only about "
        f"{now['probe_effective_rank']:.1f} of their {shape.dim} dimensions (effective rank "
        f"below {limit:.1f}) and crowd together (uniformity {now['probe_uniformity']:.2f}; "
        f"healthy runs go below −2) for the last {patience} checks. {_advice(now)}",
    )


def aligned_collapse(
    history: Sequence[Row],
    shape: ProbeShape,
    *,
    patience: int = 3,
    max_alignment: float = 0.02,
    max_uniformity: float = -1.5,
) -> Collapse | None:
    r"""The loss is pinned at its floor by a trivial solution: the two views of every image
    give the same embedding (alignment < 0.02, i.e. mean positive cosine > 0.99) while
    different images crowd together (uniformity > −1.5, as in :func:`dimensional_collapse`).

    For SimSiam/BYOL's negative cosine, :math:`-\cos = \text{alignment}/2 - 1`, so this is
    exactly "the loss sits at its minimum −1". Healthy runs keep alignment at 0.3–1.1 in the
    measurements (the lowest, 0.15, was the collapsing τ = 50 run); perfect alignment with
    good uniformity is the goal, not a failure, hence the uniformity condition.
    """
    del shape  # same signature as the other rules
    last = _last(history, patience, "probe_alignment", "probe_uniformity")
    if last is None:
        return None
    if not all(
        r["probe_alignment"] < max_alignment and r["probe_uniformity"] > max_uniformity
        for r in last
    ):
        return None
    now = last[-1]
    return Collapse(
        "aligned",
        int(now["step"]),
        f"collapse at step {int(now['step'])}: the loss is pinned at its floor by a trivial "
        f"solution — both views of every image give the same embedding (alignment "
        f"{now['probe_alignment']:.4f}, mean positive cosine "
        f"{1 - now['probe_alignment'] / 2:.3f}) while different images crowd together "
        f"(uniformity {now['probe_uniformity']:.2f}) for the last {patience} checks. "
        f"{_advice(now)}",
    )


RULES = (complete_collapse, dimensional_collapse, aligned_collapse)


def detect_collapse(
    history: Sequence[Row], shape: ProbeShape, *, patience: int = 3
) -> Collapse | None:
    """The first rule of :data:`RULES` that fires on ``history``, or None."""
    for rule in RULES:
        found = rule(history, shape, patience=patience)
        if found is not None:
            return found
    return None


def _last(history: Sequence[Row], patience: int, *keys: str) -> list[Row] | None:
    """The last ``patience`` rows if there are that many and all hold ``keys``."""
    if patience < 1:
        raise ValueError(f"patience must be >= 1, got {patience}.")
    last = list(history[-patience:])
    if len(last) < patience or any(k not in r for r in last for k in keys):
        return None
    return last


def _advice(row: Row) -> str:
    tips = []
    tau = row.get("temperature")
    if tau is not None and tau >= 1.0:
        tips.append(f"lower the temperature (τ = {tau:g} is far above the usual 0.05–0.5)")
    tips += [
        "for SimSiam/BYOL keep the predictor (method_options.predictor=true) and the stop-gradient",
        "lower optim.lr or lengthen optim.warmup_steps",
        "use stronger augmentation",
    ]
    return "Try: " + "; ".join(tips) + "."
