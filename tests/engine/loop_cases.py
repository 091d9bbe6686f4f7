"""A tiny real training loop on random images, for tests of what the loop does around a step."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import torch

from contrastkit.augment import SimCLRRecipe
from contrastkit.data import ImageArrays
from contrastkit.engine.build import loop_settings
from contrastkit.engine.loop import TrainResult, train
from contrastkit.engine.monitor import Monitor
from contrastkit.engine.optim import build_optimizer
from contrastkit.engine.stream import BatchStream
from contrastkit.tasks import load_config
from contrastkit.tasks.images.build import ImageData, build_method, build_stream

CPU = torch.device("cpu")
N, B = 32, 8  # 4 steps per epoch


def tiny_data() -> ImageData:
    g = torch.Generator().manual_seed(0)
    images = torch.randint(0, 256, (N, 1, 28, 28), dtype=torch.uint8, generator=g)
    return ImageData(
        ImageArrays(images, torch.arange(N) % 4), 1, 28, SimCLRRecipe.for_fashion_mnist()
    )


def tiny_run(
    run_dir: Path,
    *,
    steps: int,
    monitor: Callable[[BatchStream], Monitor] | None = None,
    resume: dict | None = None,
    settings: tuple[str, ...] = (),
) -> tuple[TrainResult, torch.nn.Module]:
    """Train SimCLR (small CNN, 16 → 8 head) for ``steps`` steps of batch 8 into ``run_dir``;
    ``monitor`` builds the loop's monitor from the run's view stream."""
    cfg = load_config(
        overrides=[
            f"optim.batch_size={B}",
            "model.projection_hidden=16",
            "model.projection_dim=8",
            f"steps={steps}",
            "log_every=1000",
            "checkpoint_every=1000",
            "keep_checkpoints=5",
            *settings,
        ]
    )
    data = tiny_data()
    torch.manual_seed(cfg.seed)
    method = build_method(cfg, data.channels, data.image_size)
    stream = build_stream(cfg, data, CPU)
    optimizer = build_optimizer(method, "adamw", lr=cfg.optim.lr, weight_decay=1e-4)
    loop = loop_settings(cfg, len(stream.batches), method, progress=False)
    result = train(
        method,
        stream,
        optimizer,
        loop,
        run_dir,
        device=CPU,
        config_json=cfg.model_dump_json(),
        resume=resume,
        monitor=monitor(stream) if monitor is not None else None,
        trackers=cfg.trackers,
    )
    return result, method
