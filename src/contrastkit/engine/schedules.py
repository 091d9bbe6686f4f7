"""Scheduled values as pure functions of the step (nanoGPT's ``get_lr(it)``)."""

from __future__ import annotations

import math


def warmup_cosine(step: int, *, total: int, warmup: int, peak: float, final: float = 0.0) -> float:
    """Linear warm-up from ~0 to ``peak`` over ``warmup`` steps, then cosine decay to ``final``.

    SimCLR (Chen et al. 2020, Sec. B.1) uses 10 warm-up epochs then cosine decay without
    restarts. ``step`` counts from 0; at ``step >= total`` the value is ``final``.
    """
    if step < warmup:
        return peak * (step + 1) / warmup
    if step >= total:
        return final
    progress = (step - warmup) / max(1, total - warmup)
    return final + 0.5 * (peak - final) * (1 + math.cos(math.pi * progress))


def warmup_linear(step: int, *, total: int, warmup: int, peak: float, final: float = 0.0) -> float:
    """Linear warm-up to ``peak`` over ``warmup`` steps, then a straight line down to ``final``
    at ``total`` (word2vec's alpha → min_alpha decay, Mikolov et al. 2013)."""
    if step < warmup:
        return peak * (step + 1) / warmup
    if step >= total:
        return final
    progress = (step - warmup) / max(1, total - warmup)
    return peak + (final - peak) * progress


SCHEDULES = {"cosine": warmup_cosine, "linear": warmup_linear}


def cosine_momentum(step: int, *, total: int, base: float) -> float:
    """EMA momentum rising from ``base`` to 1 on a cosine (BYOL, Grill et al. 2020, Sec. 3.2)."""
    progress = min(step, total) / max(1, total)
    return 1 - (1 - base) * (math.cos(math.pi * progress) + 1) / 2
