"""Optimisers: SGD, AdamW, LARS, with no weight decay on biases and norm layers."""

from __future__ import annotations

from typing import Literal

import torch
from torch import nn

from contrastkit.engine.lars import LARS

OptimizerName = Literal["sgd", "adamw", "lars"]
_FUSED = ("cpu", "cuda")  # devices with torch's fused AdamW kernel


def build_optimizer(
    model: nn.Module,
    name: OptimizerName,
    *,
    lr: float,
    weight_decay: float,
    momentum: float = 0.9,
) -> torch.optim.Optimizer:
    """Build the optimiser over ``model``'s trainable parameters.

    1-D parameters (biases, BatchNorm/LayerNorm scales) get no weight decay, as in SimCLR
    and BYOL; under LARS they also skip the trust-ratio adaptation. AdamW runs torch's fused
    kernel when every parameter is a floating-point tensor on the CPU or a GPU (one pass over
    the weights instead of a dozen; on CPU several times faster than the default).
    """
    decay: list[nn.Parameter] = []
    no_decay: list[nn.Parameter] = []
    for p in model.parameters():
        if p.requires_grad:
            (no_decay if p.ndim <= 1 else decay).append(p)
    groups = [
        {"params": decay, "weight_decay": weight_decay},
        {"params": no_decay, "weight_decay": 0.0},
    ]
    if name == "sgd":
        return torch.optim.SGD(groups, lr=lr, momentum=momentum)
    if name == "adamw":
        fusable = all(p.is_floating_point() and p.device.type in _FUSED for p in decay + no_decay)
        return torch.optim.AdamW(groups, lr=lr, fused=fusable or None)
    if name == "lars":
        groups[1]["lars_exclude"] = True
        return LARS(groups, lr=lr, momentum=momentum)
    raise ValueError(f"unknown optimizer {name!r}; use sgd, adamw or lars.")


def set_lr(optimizer: torch.optim.Optimizer, lr: float) -> None:
    for group in optimizer.param_groups:
        group["lr"] = lr
