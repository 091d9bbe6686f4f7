"""A training run from settings to run directory, and reopening a run to use its model.

The same for every task (:class:`~contrastkit.tasks.base.Task`): the task builds its data,
method and stream; this module resumes, records the settings, runs the one loop and reopens
what it wrote. A run directory holds ``config.json`` (with its ``task``), ``checkpoints/``
(``best.pt`` too, with early stopping), ``metrics.jsonl``, ``tb/`` (TensorBoard events) and,
after evaluation, ``eval.json``.
"""

from __future__ import annotations

import contextlib
import json
from dataclasses import asdict, dataclass, is_dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch
from torch import nn

from contrastkit import distributed
from contrastkit.engine.build import loop_settings, optimizer_of, resolve_device
from contrastkit.engine.checkpoint import list_checkpoints, load_checkpoint, load_latest
from contrastkit.engine.config import ConfigError, validate_settings
from contrastkit.engine.lock import run_lock
from contrastkit.engine.loop import TrainResult, train
from contrastkit.engine.settings import RESUMABLE_CHANGES, RunConfig
from contrastkit.methods.base import MethodContractError, check_method

if TYPE_CHECKING:
    from contrastkit.encoders import Encoder
    from contrastkit.tasks.base import Task


def train_run(
    task: Task, cfg: RunConfig, out_dir: Path, *, resume: str = "never", progress: bool = True
) -> TrainResult:
    """Train ``task``'s method per ``cfg`` into ``out_dir``.

    ``resume``: "never" (refuses a directory that holds checkpoints), "auto" (continue from
    the newest readable checkpoint, or start fresh) or a checkpoint path.
    """
    device = resolve_device(cfg.device)
    task.check(cfg)  # a config mistake fails before any data loads
    distributed.init_from_env(device.type)
    if out_dir.exists() and not out_dir.is_dir():
        raise ConfigError(f"--out {out_dir} is a file; give a directory for the run")
    created = not out_dir.exists()
    try:
        with run_lock(out_dir) if distributed.is_main() else contextlib.nullcontext():
            return _train_locked(task, cfg, out_dir, device, resume=resume, progress=progress)
    finally:
        if created and out_dir.is_dir() and not any(out_dir.iterdir()):
            out_dir.rmdir()  # a run that failed before writing anything leaves no directory


def _train_locked(
    task: Task, cfg: RunConfig, out_dir: Path, device: torch.device, *, resume: str, progress: bool
) -> TrainResult:
    state = resume_state(task, cfg, out_dir, resume)
    torch.manual_seed(cfg.seed)  # identical initial weights on every rank and every run
    parts = task.build(cfg, device, fresh=state is None)
    try:
        check_method(parts.method)
    except MethodContractError as e:
        raise ConfigError(str(e)) from None
    if distributed.is_main():  # only once the data and the method are there
        (out_dir / "config.json").write_text(cfg.model_dump_json(indent=2) + "\n")
    optimizer = optimizer_of(cfg, parts.method)
    settings = loop_settings(cfg, len(parts.stream.batches), parts.method, progress=progress)
    return train(
        parts.method,
        parts.stream,
        optimizer,
        settings,
        out_dir,
        device=device,
        config_json=cfg.model_dump_json(),
        extra=parts.record,
        resume=state,
        monitor=task.monitor(cfg, parts, settings, device),
        trackers=cfg.trackers,
    )


def resume_state(task: Task, cfg: RunConfig, out_dir: Path, resume: str) -> dict[str, Any] | None:
    """The checkpoint to continue from, None to start fresh; refuses changed settings.

    The saved settings are read through the task's model first, so a field added since the
    run was written counts as its default, not as a change.
    """
    checkpoints = out_dir / "checkpoints"
    if resume == "never":
        if list_checkpoints(checkpoints):
            raise ConfigError(
                f"{out_dir} already holds checkpoints; continue it with --resume auto "
                "or choose a new --out"
            )
        return None
    state = load_latest(checkpoints) if resume == "auto" else load_checkpoint(Path(resume))
    if state is None and list_checkpoints(checkpoints):
        raise ConfigError(
            f"none of the {len(list_checkpoints(checkpoints))} checkpoints in {checkpoints} can "
            "be read (see the warnings above); to start over on purpose, move them away or "
            "choose a new --out"
        )
    if state is None:
        return None  # "auto" with nothing to resume starts fresh
    saved = _settings_of(task, state).model_dump(mode="json")
    now = cfg.model_dump(mode="json")
    changed = sorted(k for k in now if k not in RESUMABLE_CHANGES and now[k] != saved.get(k))
    if changed:
        raise ConfigError(
            f"the checkpoint in {out_dir} was trained with different settings ({', '.join(changed)}); "
            "resume with the same settings or choose a new --out"
        )
    return state


@dataclass(frozen=True)
class TrainedRun:
    """A reopened run: its task and settings, the trained method (eval mode), the step it
    reached and the checkpoint's record (:attr:`~contrastkit.tasks.base.TrainingParts.record`)."""

    task: Task
    config: Any  # the task's RunConfig
    method: nn.Module
    step: int
    record: dict[str, Any]
    run_dir: Path

    def encoder(self, device: torch.device | None = None) -> Encoder:
        """The trained encoder, to ``encode`` new items or ``save`` as an export."""
        return self.task.encoder(self, device or _device_of(self.method))


def load_run(run_dir: Path, task: Task, device: torch.device | None = None) -> TrainedRun:
    """Rebuild the method of ``run_dir`` (trained by ``task``) from its newest checkpoint."""
    if not run_dir.is_dir():
        raise FileNotFoundError(f"run directory {run_dir} does not exist")
    state = load_latest(run_dir / "checkpoints")
    if state is None:
        raise FileNotFoundError(f"no readable checkpoint in {run_dir / 'checkpoints'}; train first")
    cfg = _settings_of(task, state)
    record = {k: v for k, v in state.items() if k not in _TRAINING_STATE}
    method = task.restore(cfg, record)
    method.load_state_dict(state["model"])
    method.to(device or torch.device("cpu")).eval()
    return TrainedRun(task, cfg, method, int(state["step"]), record, run_dir)


# what the loop saves in every checkpoint; the rest is the task's record
_TRAINING_STATE = frozenset(
    {
        "model",
        "optimizer",
        "scaler",
        "rng",
        "step",
        "epoch",
        "batch",
        "world_size",
        "config",
        "monitor",
    }
)


def _settings_of(task: Task, state: dict[str, Any]) -> RunConfig:
    saved = json.loads(state["config"])
    saved.setdefault("task", task.name)  # written before runs recorded their task
    return validate_settings(task.config, saved)


def _device_of(module: nn.Module) -> torch.device:
    return next(iter(module.parameters()), torch.empty(0)).device


def write_json(path: Path, value: Any) -> None:
    if is_dataclass(value) and not isinstance(value, type):
        value = asdict(value)
    path.write_text(json.dumps(value, indent=2) + "\n")
