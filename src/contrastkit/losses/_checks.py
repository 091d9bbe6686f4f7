"""Input validation shared by the losses: one clear sentence per mistake."""

from __future__ import annotations

from collections.abc import Sequence

import torch


def check_temperature(temperature: float | torch.Tensor, name: str = "temperature") -> None:
    """τ > 0: a number, or a 0-d tensor (a learnable temperature, e.g. ``LearnableTemperature()``)."""
    if isinstance(temperature, torch.Tensor):
        if temperature.dim() != 0:
            raise ValueError(
                f"{name} as a tensor must be 0-d (a scalar), got shape {tuple(temperature.shape)}."
            )
        value = float(temperature.detach())
        if not value > 0:
            raise ValueError(f"{name} must be > 0, got {value}.")
        return
    if not temperature > 0:
        raise ValueError(f"{name} must be > 0, got {temperature}.")


def check_tau_plus(tau_plus: float) -> None:
    if not 0 <= tau_plus < 1:
        raise ValueError(f"tau_plus must be in [0, 1), got {tau_plus}.")


def check_beta(beta: float) -> None:
    if not beta >= 0:
        raise ValueError(f"beta must be >= 0, got {beta}.")


def check_margin(margin: float) -> None:
    if not margin >= 0:
        raise ValueError(f"margin must be >= 0, got {margin}.")


def check_embeddings(*tensors: torch.Tensor, names: tuple[str, ...], min_rows: int = 2) -> None:
    """Each tensor is 2-D ``(N, D)`` and finite; all share ``N`` and ``D``; ``N >= min_rows``."""
    first = tensors[0]
    for t, name in zip(tensors, names, strict=True):
        if t.dim() != 2:
            raise ValueError(f"{name} must be 2-D (N, D), got shape {tuple(t.shape)}.")
        if t.shape != first.shape:
            raise ValueError(
                f"{name} has shape {tuple(t.shape)} but {names[0]} has {tuple(first.shape)}; "
                "they must match."
            )
    if first.shape[0] < min_rows:
        raise ValueError(f"need at least {min_rows} rows, got {first.shape[0]}.")
    for t, name in zip(tensors, names, strict=True):
        check_finite(t, name)


class NonFiniteError(ValueError):
    """A tensor holds NaN or infinite values (the training loop stops or skips the batch)."""


def check_exclusion(exclude: torch.Tensor, rows: int, samples: int) -> None:
    """An exclusion mask: bool (local samples, samples of every rank)."""
    if exclude.dtype != torch.bool or tuple(exclude.shape) != (rows, samples):
        raise ValueError(
            f"exclude must be a bool mask of shape ({rows}, {samples}) (local samples × the "
            f"samples of every rank), got {exclude.dtype} {tuple(exclude.shape)}."
        )


def check_finite(t: torch.Tensor, name: str) -> None:
    if not bool(torch.isfinite(t).all()):
        raise NonFiniteError(f"{name} contains NaN or infinite values.")


def check_non_negative(value: float, name: str) -> None:
    if not value >= 0:
        raise ValueError(f"{name} must be >= 0, got {value}.")


def check_momentum(momentum: float, name: str = "momentum") -> None:
    if not 0 <= momentum <= 1:
        raise ValueError(f"{name} must be in [0, 1], got {momentum}.")


def check_crops(per_crop: Sequence[torch.Tensor], name: str, min_crops: int) -> None:
    """A sequence of at least ``min_crops`` tensors (checked together by the caller)."""
    if isinstance(per_crop, torch.Tensor) or not isinstance(per_crop, Sequence):
        raise ValueError(
            f"{name} must be a list with one (B, K) tensor per crop, got {type(per_crop).__name__}."
        )
    if len(per_crop) < min_crops:
        raise ValueError(f"{name} must hold at least {min_crops} crops, got {len(per_crop)}.")
