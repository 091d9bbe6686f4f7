"""Validation shared by the methods' constructors: one clear sentence per mistake."""

from __future__ import annotations

from contrastkit.nn.backbones import backbone_dim

__all__ = ["backbone_dim", "check_base_momentum", "check_step_count"]


def check_base_momentum(base_momentum: float) -> None:
    """The EMA momentum at step 0 lies in [0, 1] (1 freezes the target)."""
    if isinstance(base_momentum, bool) or not 0.0 <= base_momentum <= 1.0:
        raise ValueError(f"base_momentum must be in [0, 1], got {base_momentum!r}.")


def check_step_count(name: str, steps: int) -> None:
    """A number of steps (a freeze, a queue's length or start) is 0 or more."""
    if steps < 0:
        raise ValueError(f"{name} must be >= 0, got {steps}")
