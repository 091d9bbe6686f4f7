"""Momentum (EMA) targets: the slowly moving copy of a network that BYOL, MoCo and DINO use.

The schedule of the momentum is not decided here: the training loop computes ``m`` for each
step (``engine.schedules.cosine_momentum``) and the method passes it to :func:`ema_update_`.
"""

from __future__ import annotations

import copy

import torch
from torch import nn


def frozen_copy(module: nn.Module) -> nn.Module:
    """A deep copy of ``module`` whose parameters take no gradient (the EMA target).

    The copy is a registered submodule wherever the caller assigns it, so its weights and
    buffers travel in ``state_dict`` and therefore in checkpoints.
    """
    target = copy.deepcopy(module)
    for p in target.parameters():
        p.requires_grad_(False)
    return target


@torch.no_grad()
def ema_update_(target: nn.Module, online: nn.Module, momentum: float) -> None:
    """θ_target ← m·θ_target + (1 − m)·θ_online, in place, for every parameter.

    Buffers (batch-norm running statistics) are copied from the online network, as in
    BYOL's and MoCo's reference code. ``momentum`` must lie in [0, 1]; 1 freezes the target.
    """
    if not 0.0 <= momentum <= 1.0:
        raise ValueError(f"momentum must be in [0, 1], got {momentum}.")
    t_params: list[torch.Tensor] = list(target.parameters())
    o_params: list[torch.Tensor] = list(online.parameters())
    if len(t_params) != len(o_params):
        raise ValueError("target and online networks must have the same parameters.")
    torch._foreach_lerp_(t_params, o_params, 1.0 - momentum)
    for t_buf, o_buf in zip(target.buffers(), online.buffers(), strict=True):
        t_buf.copy_(o_buf)
