"""Kinds of data as plug-ins: one folder per task (``images/``, ``text/``), one registry.

:mod:`~contrastkit.tasks.base` holds the :class:`Task` contract, :mod:`~contrastkit.tasks.registry`
the list of tasks (built-in and from the ``contrastkit.tasks`` entry points),
:func:`load_config` the settings of any of them. Importing this package loads no task and
none of the engine.
"""

from __future__ import annotations

import importlib
from typing import Any

from contrastkit.tasks.registry import (
    ENTRY_POINT_GROUP,
    TASKS,
    UnknownTaskError,
    get_task,
    task_for,
    task_names,
    task_of_run,
)

__all__ = [
    "ENTRY_POINT_GROUP",
    "TASKS",
    "UnknownTaskError",
    "get_task",
    "load_config",
    "load_task_config",
    "task_for",
    "task_names",
    "task_of_run",
]


def __getattr__(name: str) -> Any:  # the config loaders import the engine: only when asked
    if name in ("load_config", "load_task_config"):
        return getattr(importlib.import_module("contrastkit.tasks.config"), name)
    raise AttributeError(f"module 'contrastkit.tasks' has no attribute {name!r}")
