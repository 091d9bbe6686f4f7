"""The parts of a run every task shares, from its settings: device, optimiser, loop settings.

What is particular to a kind of data (its data, its method's network, its stream) is the
task's ``build``; this file only reads the shared fields of
:class:`~contrastkit.engine.settings.RunConfig` (STYLE.md principle 6: parts below receive
explicit keyword arguments).
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import torch
from torch import nn

from contrastkit.engine.config import ConfigError
from contrastkit.engine.loop import LoopSettings
from contrastkit.engine.optim import build_optimizer
from contrastkit.engine.schedules import cosine_momentum
from contrastkit.engine.settings import RunConfig
from contrastkit.methods.base import EMATarget


def resolve_device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        device = torch.device(name)
    except RuntimeError:
        raise ConfigError(f"unknown device {name!r}; use auto, cpu, cuda or cuda:N") from None
    if device.type == "cuda" and not torch.cuda.is_available():
        raise ConfigError(
            "device 'cuda' was asked for but no CUDA GPU is available; use --device cpu"
        )
    return device


def optimizer_of(cfg: RunConfig, method: nn.Module) -> torch.optim.Optimizer:
    """The optimiser of ``cfg.optim`` over ``method``'s parameters (engine/optim.py)."""
    o = cfg.optim
    return build_optimizer(
        method, o.name, lr=o.lr, weight_decay=o.weight_decay, momentum=o.momentum
    )


def loop_settings(
    cfg: RunConfig, batches_per_epoch: int, method: nn.Module, *, progress: bool
) -> LoopSettings:
    """The loop's settings; a method with an EMA target also gets its momentum schedule."""
    total = cfg.total_steps(batches_per_epoch)
    return LoopSettings(
        momentum=momentum_schedule(method, total),
        total_steps=total,
        peak_lr=cfg.optim.lr,
        final_lr=cfg.optim.final_lr,
        schedule=cfg.optim.schedule,
        warmup_steps=cfg.warmup(total),
        seed=cfg.seed,
        accumulate=cfg.optim.accumulate,
        clip_grad=cfg.optim.clip_grad,
        amp=cfg.amp,
        log_every=cfg.log_every,
        checkpoint_every=cfg.checkpoint_every,
        keep_checkpoints=cfg.keep_checkpoints,
        on_nonfinite=cfg.on_nonfinite,
        progress=progress,
    )


def momentum_schedule(method: nn.Module, total: int) -> Callable[[int], float] | None:
    """The EMA momentum of each step for an :class:`~contrastkit.methods.base.EMATarget`
    method, else None.

    It rises from the method's ``base_momentum`` to 1 on BYOL's cosine over the run's
    ``total`` optimiser steps (Grill et al. 2020, Sec. 3.2; MoCo v3 does the same).
    """
    if not isinstance(method, EMATarget):
        return None
    return functools.partial(cosine_momentum, total=total, base=float(method.base_momentum))
