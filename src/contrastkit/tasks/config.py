"""Settings of any task from a YAML file, ``--set`` pairs and a dict: the task is picked first
(:func:`~contrastkit.tasks.registry.task_for`), then its model validates them."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from contrastkit.engine.config import raw_settings, validate_settings
from contrastkit.engine.settings import RunConfig
from contrastkit.tasks.base import Task
from contrastkit.tasks.registry import task_for


def load_config(
    path: Path | None = None, overrides: Sequence[str] = (), base: dict[str, Any] | None = None
) -> RunConfig:
    """Merge ``base``, the YAML file and ``key=value`` overrides, then validate them with
    the settings model of the task they name (``task``, else their ``method``'s task)."""
    return load_task_config(path, overrides, base)[1]


def load_task_config(
    path: Path | None = None, overrides: Sequence[str] = (), base: dict[str, Any] | None = None
) -> tuple[Task, RunConfig]:
    """:func:`load_config`, with the task it picked."""
    raw = raw_settings(path, overrides, base)
    task = task_for(raw)
    return task, validate_settings(task.config, raw)
