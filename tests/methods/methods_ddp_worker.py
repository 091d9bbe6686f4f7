"""k optimiser steps of whole methods on 2 gloo ranks × B/2 (run by test_methods_ddp.py),
and the same steps in one process × B, from the same initial weights and batches.

Batch statistics are taken out (every BatchNorm replaced by an identity): with them, 2 ranks
normalise over B/2 rows each and cannot equal one process over B; what is compared is the
distributed arithmetic of each method (gathered negatives, queue, Sinkhorn, EMA).
"""

from __future__ import annotations

import sys
from typing import Any

import torch
import torch.distributed as dist
from torch import nn

from contrastkit.engine.loop import _Step
from contrastkit.methods.base import EMATarget, StepHook
from contrastkit.tasks import load_config
from contrastkit.tasks.images.build import build_method
from contrastkit.types import Views

B, STEPS, SIZE = 8, 3, 8
COMMON = [
    "model.backbone=mlp", "model.backbone_options={hidden: [16], dim: 12}",
    "model.projection_hidden=16", "model.projection_dim=8",
]  # fmt: skip
CASES: dict[str, list[str]] = {
    "simclr": ["method=simclr"],
    "moco_v2": [
        "method=moco_v2",
        "method_options.queue_size=16",
        "method_options.base_momentum=0.9",
    ],
    "byol": [
        "method=byol",
        "method_options.base_momentum=0.9",
        "method_options.predictor_hidden=8",
    ],
    "swav": ["method=swav", "method_options.n_prototypes=6"],
    "supcon": ["method=supcon", "temperature=0.1"],
    "moco_v3": ["method=moco_v3", "method_options.base_momentum=0.9"],
    "nnclr": [
        "method=nnclr",
        "method_options.support_size=16",
        "method_options.predictor_hidden=8",
    ],
    "barlow_twins": ["method=barlow_twins"],
    "vicreg": ["method=vicreg"],
    "simsiam": ["method=simsiam", "method_options.predictor_hidden=8"],
    "dino": ["method=dino", "method_options.out_dim=12", "method_options.base_momentum=0.9"],
}


def _no_batch_statistics(module: nn.Module) -> None:
    for name, child in module.named_children():
        if isinstance(child, nn.modules.batchnorm._BatchNorm):
            setattr(module, name, nn.Identity())
        else:
            _no_batch_statistics(child)


def build(case: str) -> nn.Module:
    cfg = load_config(None, [*CASES[case], *COMMON, "data.source=fashion-mnist"])
    torch.manual_seed(0)  # the same initial weights on every rank and in one process
    method = build_method(cfg, channels=1, image_size=SIZE)
    _no_batch_statistics(method)
    return method.double()


def batches() -> list[Views]:
    g = torch.Generator().manual_seed(1)
    return [
        Views(
            torch.randn(B, 1, SIZE, SIZE, generator=g, dtype=torch.float64),
            torch.randn(B, 1, SIZE, SIZE, generator=g, dtype=torch.float64),
            torch.randint(0, 3, (B,), generator=g),
        )
        for _ in range(STEPS)
    ]


def train(method: nn.Module, rank: int, world: int) -> dict[str, torch.Tensor]:
    step_fn: Any = _Step(method)
    if world > 1:
        step_fn = nn.parallel.DistributedDataParallel(step_fn)
    optimizer = torch.optim.SGD(method.parameters(), lr=0.5)
    part = slice(rank * B // world, (rank + 1) * B // world)
    for step, v in enumerate(batches()):
        optimizer.zero_grad(set_to_none=True)
        local = Views(
            v.first[part], v.second[part], v.labels[part] if v.labels is not None else None
        )
        step_fn(local).loss.backward()
        if isinstance(method, StepHook):
            method.before_optimizer_step(step)
        optimizer.step()
        if isinstance(method, EMATarget):
            method.update_target(0.9)
    return {k: v.detach().clone() for k, v in method.state_dict().items()}


def main(out_dir: str) -> None:
    dist.init_process_group("gloo")
    rank, world = dist.get_rank(), dist.get_world_size()
    torch.set_num_threads(1)
    results = {case: train(build(case), rank, world) for case in CASES}
    torch.save(results, f"{out_dir}/rank{rank}.pt")
    dist.destroy_process_group()


if __name__ == "__main__":
    main(sys.argv[1])
