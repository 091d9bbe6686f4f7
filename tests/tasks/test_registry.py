"""Which task a config, a method or a run directory belongs to (tasks/registry.py)."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest

from contrastkit.tasks import registry
from contrastkit.tasks.registry import UnknownTaskError, get_task, task_for, task_of_run


def test_built_in_tasks_and_the_default():
    assert registry.task_names()[:2] == ["images", "text"]
    assert task_for({}).name == "images"
    assert task_for({"method": "byol"}).name == "images"
    assert task_for({"method": "simcse"}).name == "text"
    assert task_for({"method": "series_contrast"}).name == "series"
    assert task_for({"task": "text", "method": "simclr"}).name == "text"  # its model refuses it
    assert task_for({"method": "nope"}).name == "images"  # whose check names its methods
    with pytest.raises(
        UnknownTaskError, match="unknown task 'nope'; choose one of: images, text, series"
    ):
        get_task("nope")


def test_a_method_two_tasks_share_needs_the_task_named(monkeypatch):
    twin = SimpleNamespace(name="twin", methods={"simclr": object})
    plugin = SimpleNamespace(load=lambda: twin)
    monkeypatch.setattr(registry, "_plugins", lambda: {"twin": plugin})
    assert registry.task_names() == [
        "images",
        "text",
        "series",
        "video",
        "words",
        "interactions",
        "twin",
    ]
    with pytest.raises(UnknownTaskError, match="'simclr' exists in tasks images, twin; set task="):
        task_for({"method": "simclr"})
    assert task_for({"method": "simclr", "task": "twin"}) is twin


def test_a_run_directory_names_its_task(tmp_path):
    (tmp_path / "config.json").write_text(json.dumps({"task": "text"}))
    assert task_of_run(tmp_path).name == "text"
    (tmp_path / "config.json").write_text(json.dumps({"method": "pairs"}))  # before tasks
    assert task_of_run(tmp_path).name == "text"
    (tmp_path / "config.json").write_text("{")
    with pytest.raises(ValueError, match="not valid JSON"):
        task_of_run(tmp_path)
    (tmp_path / "config.json").unlink()
    with pytest.raises(FileNotFoundError, match=r"no config\.json"):
        task_of_run(tmp_path)
