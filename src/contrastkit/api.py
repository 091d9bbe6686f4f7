"""The Python API: train from settings, reopen a run, open an export. ``import contrastkit as ck``.

Example::

    import contrastkit as ck

    result = ck.train({"method": "simclr", "data": {"source": "fashion-mnist"}, "steps": 500},
                      out="runs/fm")                              # or ck.train("my.yaml", out=...)
    run = ck.open_run("runs/fm")                                  # the trained method, eval mode
    features = run.encoder().encode(images)                       # (N, dim)
    run.encoder().save("exports/fm")                              # what `contrastkit export` writes
    encoder = ck.load_encoder("exports/fm")                       # no training code imported
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from contrastkit.encoders import Encoder, load_encoder

if TYPE_CHECKING:
    import torch

    from contrastkit.engine.loop import TrainResult
    from contrastkit.engine.run import TrainedRun
    from contrastkit.engine.settings import RunConfig

__all__ = ["Encoder", "load_encoder", "open_run", "train"]


def train(
    settings: Mapping[str, Any] | str | Path | RunConfig | None = None,
    *,
    out: str | Path,
    overrides: Sequence[str] = (),
    resume: str = "never",
    progress: bool = True,
) -> TrainResult:
    """Train per ``settings`` (a dict of settings, a YAML file, or a validated config) into
    the run directory ``out``; ``overrides`` are ``key=value`` pairs applied last (as
    ``--set``); ``resume``: "never", "auto" or a checkpoint path. The task follows from the
    settings (``task``, else the ``method``'s task)."""
    from contrastkit.engine.config import with_overrides
    from contrastkit.engine.run import train_run
    from contrastkit.engine.settings import RunConfig
    from contrastkit.tasks.config import load_task_config
    from contrastkit.tasks.registry import get_task

    if isinstance(settings, RunConfig):
        task, cfg = get_task(settings.task), with_overrides(settings, overrides)
    elif isinstance(settings, str | Path):
        task, cfg = load_task_config(Path(settings), overrides)
    else:
        task, cfg = load_task_config(None, overrides, dict(settings or {}))
    return train_run(task, cfg, Path(out), resume=resume, progress=progress)


def open_run(run_dir: str | Path, *, device: str | torch.device | None = None) -> TrainedRun:
    """Reopen a run directory from its newest checkpoint: ``.method`` (eval mode),
    ``.config``, ``.step``, ``.task`` and ``.encoder()``."""
    import torch

    from contrastkit.engine.build import resolve_device
    from contrastkit.engine.run import load_run
    from contrastkit.tasks.registry import task_of_run

    run_dir = Path(run_dir).expanduser()
    dev = resolve_device(device) if isinstance(device, str) else device or torch.device("cpu")
    return load_run(run_dir, task_of_run(run_dir), dev)
