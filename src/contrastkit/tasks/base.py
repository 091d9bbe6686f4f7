"""The Task contract: everything contrastkit needs to know about one kind of data.

A task is one folder under ``contrastkit/tasks/`` (``images/``, ``text/``) or a plug-in's
module, registered by name (:mod:`contrastkit.tasks.registry`). The engine trains any task
through :class:`Task`'s first members; the CLI's ``eval``, ``embed`` and ``export`` go through
the rest; ``sweep`` and ``report`` ask the optional protocols at the bottom. Nothing outside a
task's folder branches on the kind of data. ``docs/adding-a-task.md`` walks through a new one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import torch
from torch import nn

from contrastkit.types import Items

if TYPE_CHECKING:
    from contrastkit.encoders import Encoder
    from contrastkit.engine.loop import LoopSettings
    from contrastkit.engine.monitor import Monitor
    from contrastkit.engine.run import TrainedRun
    from contrastkit.engine.settings import RunConfig
    from contrastkit.engine.stream import BatchStream
    from contrastkit.report.html import Section


@dataclass(frozen=True)
class TrainingParts:
    """What a task hands the engine to train: the method (on its device, initial weights),
    the stream of batches, and the plain values every checkpoint keeps beside the training
    state (what :meth:`Task.restore` needs to rebuild the method without reading the data)."""

    method: nn.Module
    stream: BatchStream
    record: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Evaluation:
    """Scores of a trained encoder (written to ``eval.json``) and one line that says them."""

    scores: dict[str, Any]
    summary: str


class Task(Protocol):
    """A kind of data: its settings, its methods, and how to train, use and export it."""

    @property
    def name(self) -> str:
        """The registry key and the config's ``task`` value."""
        ...

    @property
    def unit(self) -> str:
        """What one sample is called in messages ("images", "texts")."""
        ...

    @property
    def config(self) -> type[RunConfig]:
        """The settings model: a RunConfig with the task's own sections."""
        ...

    @property
    def methods(self) -> Mapping[str, type[nn.Module]]:
        """``METHODS``: every method this task can build, by name."""
        ...

    @property
    def export_format(self) -> str:
        """What ``export`` writes (e.g. "backbone", "sentence-transformers")."""
        ...

    def check(self, cfg: Any) -> None:
        """Cheap checks of ``cfg`` before any data loads (method name and options…); raise
        ``ConfigError`` with one line."""
        ...

    def build(self, cfg: Any, device: torch.device, *, fresh: bool) -> TrainingParts:
        """Read the training data and build the method and the stream (seeded by the caller).
        ``fresh`` is False when the run resumes from a checkpoint (its weights load over)."""
        ...

    def monitor(
        self, cfg: Any, parts: TrainingParts, settings: LoopSettings, device: torch.device
    ) -> Monitor | None:
        """The loop's health checks for this run, or None."""
        ...

    def restore(self, cfg: Any, record: Mapping[str, Any]) -> nn.Module:
        """The method of a saved run, built from its settings and checkpoint ``record``
        (:attr:`TrainingParts.record`) before its weights load; reads no data."""
        ...

    def encoder(self, run: TrainedRun, device: torch.device) -> Encoder:
        """The trained run's encoder as an :class:`~contrastkit.encoders.Encoder`."""
        ...

    def read_items(self, cfg: Any, source: str | None, split: str) -> Items:
        """The items ``embed`` encodes from ``source`` (default: the run's own data)."""
        ...

    def evaluate(
        self,
        run: TrainedRun,
        *,
        data: str | None,
        overrides: Sequence[str],
        device: torch.device,
        progress: bool,
    ) -> Evaluation:
        """Score the run's encoder; ``overrides`` (``eval.knn_k=20``…) change the run's
        evaluation settings for this call only; ``data`` names other evaluation data."""
        ...


@runtime_checkable
class Sweepable(Protocol):
    """A task whose runs ``contrastkit sweep`` can compare (one number to rank them by)."""

    def sweep_point(
        self, run_dir: Path, cfg: Any, *, max_test: int | None, progress: bool
    ) -> dict[str, float]:
        """Measure a trained run: ``knn_accuracy``, ``alignment``, ``uniformity``."""
        ...


@runtime_checkable
class Reportable(Protocol):
    """A task that adds figures of its own to ``contrastkit report`` (beyond the curves)."""

    def report_sections(
        self, run: TrainedRun, options: Mapping[str, Any], device: torch.device
    ) -> tuple[list[tuple[str, Section]], dict[str, Any]]:
        """Named figure sections and summary numbers for the run's report page."""
        ...
