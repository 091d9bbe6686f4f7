"""Which tasks exist, and which one a config, a method name or a run directory belongs to.

``TASKS`` is the whole list of built-in tasks, a dict you can grep; each value names the
module attribute holding the task (imported on first use, so asking for ``text`` never loads
the image code). A third-party package adds a task without forking by declaring an entry
point in the ``contrastkit.tasks`` group::

    [project.entry-points."contrastkit.tasks"]
    audio = "my_package.audio_task:TASK"

This module imports nothing of the engine, so :func:`contrastkit.encoders.load_encoder` can
pass through ``contrastkit.tasks`` without loading the training code.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Mapping
from importlib.metadata import entry_points
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from contrastkit.tasks.base import Task

ENTRY_POINT_GROUP = "contrastkit.tasks"
DEFAULT_TASK = "images"

TASKS: dict[str, str] = {
    "images": "contrastkit.tasks.images.task:TASK",
    "text": "contrastkit.tasks.text.task:TASK",
    "series": "contrastkit.tasks.series.task:TASK",
    "video": "contrastkit.tasks.video.task:TASK",
    "words": "contrastkit.tasks.words.task:TASK",
    "interactions": "contrastkit.tasks.interactions.task:TASK",
}


class UnknownTaskError(ValueError):
    """A task name, or a method name, that no registered task knows."""


def task_names() -> list[str]:
    """Built-in tasks first, then plug-ins, in registration order."""
    return [*TASKS, *(name for name in _plugins() if name not in TASKS)]


def get_task(name: str) -> Task:
    """The task called ``name`` (built in, or from the ``contrastkit.tasks`` entry points)."""
    if name in TASKS:
        return _load(TASKS[name])
    plugin = _plugins().get(name)
    if plugin is None:
        raise UnknownTaskError(f"unknown task {name!r}; choose one of: {', '.join(task_names())}")
    task: Task = plugin.load()
    return task


def task_for(settings: Mapping[str, Any]) -> Task:
    """The task raw settings ask for: their ``task``, else the one whose METHODS has their
    ``method``, else images. A method two tasks share needs ``task`` to say which."""
    name = settings.get("task")
    if name is not None:
        return get_task(str(name))
    method = settings.get("method")
    if method is None:
        return get_task(DEFAULT_TASK)
    owners = [t for t in (get_task(n) for n in task_names()) if method in t.methods]
    if len(owners) == 1:
        return owners[0]
    if owners:
        names = ", ".join(t.name for t in owners)
        raise UnknownTaskError(f"method {method!r} exists in tasks {names}; set task=NAME")
    return get_task(DEFAULT_TASK)  # its method check names every method it has


def task_of_run(run_dir: Path) -> Task:
    """The task that trained ``run_dir``, from its ``config.json`` (runs written before tasks
    existed have no ``task`` field: their method says it)."""
    path = run_dir / "config.json"
    if not run_dir.is_dir():
        raise FileNotFoundError(f"run directory {run_dir} does not exist")
    if not path.is_file():
        raise FileNotFoundError(f"{run_dir} holds no config.json; is it a run directory?")
    try:
        settings = json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise ValueError(f"{path} is not valid JSON ({e}); the run directory is damaged") from None
    if not isinstance(settings, dict):
        raise ValueError(f"{path} does not hold a settings mapping; the run is damaged")
    return task_for(settings)


def _load(target: str) -> Task:
    module, _, attr = target.partition(":")
    task: Task = getattr(importlib.import_module(module), attr)
    return task


def _plugins() -> dict[str, Any]:
    # read on every call (cheap next to training), so a package installed in this process —
    # or a test's — is seen at once
    return {ep.name: ep for ep in entry_points(group=ENTRY_POINT_GROUP)}
