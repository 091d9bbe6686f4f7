"""Input validation shared by the evaluation functions: one clear sentence per mistake."""

from __future__ import annotations

import torch


def check_features(x: torch.Tensor, name: str, min_rows: int = 1) -> None:
    """``x`` is a finite floating-point ``(N, D)`` tensor with ``N >= min_rows``."""
    if not isinstance(x, torch.Tensor) or x.dim() != 2:
        shape = tuple(x.shape) if isinstance(x, torch.Tensor) else type(x).__name__
        raise ValueError(f"{name} must be a 2-D (N, D) tensor, got {shape}.")
    if not x.is_floating_point():
        raise ValueError(f"{name} must be floating point, got {x.dtype}.")
    if x.shape[0] < min_rows:
        raise ValueError(f"{name} needs at least {min_rows} row(s), got {x.shape[0]}.")
    if not bool(torch.isfinite(x).all()):
        raise ValueError(f"{name} contains NaN or infinite values.")


def check_same_dim(a: torch.Tensor, b: torch.Tensor, names: tuple[str, str]) -> None:
    if a.shape[1] != b.shape[1]:
        raise ValueError(
            f"{names[0]} has {a.shape[1]} features per row but {names[1]} has {b.shape[1]}; "
            "they must match."
        )


def check_labels(labels: torch.Tensor, n: int, name: str) -> None:
    """``labels`` is a 1-D integer tensor of ``n`` non-negative class indices."""
    if (
        not isinstance(labels, torch.Tensor)
        or labels.dtype.is_floating_point
        or labels.is_complex()
    ):
        raise ValueError(f"{name} must be an integer tensor of class indices.")
    if labels.dtype == torch.bool:
        raise ValueError(f"{name} must be an integer tensor of class indices, got bool.")
    if labels.shape != (n,):
        raise ValueError(f"{name} must have shape ({n},), got {tuple(labels.shape)}.")
    if n > 0 and int(labels.min()) < 0:
        raise ValueError(f"{name} must be >= 0, got {int(labels.min())}.")


def resolve_num_classes(num_classes: int | None, *labels: tuple[torch.Tensor, str]) -> int:
    """``num_classes`` if given (checked against every label), else the largest label + 1."""
    largest = max((int(y.max()) for y, _ in labels if y.numel() > 0), default=-1)
    if num_classes is None:
        return largest + 1
    if num_classes < 1:
        raise ValueError(f"num_classes must be >= 1, got {num_classes}.")
    for y, name in labels:
        if y.numel() > 0 and int(y.max()) >= num_classes:
            raise ValueError(
                f"{name} contains class {int(y.max())} but num_classes is {num_classes}."
            )
    return num_classes


def check_positive_int(value: int, name: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be an integer >= 1, got {value!r}.")
