"""Settings from YAML files and ``--set key=value`` pairs, validated by a task's pydantic model.

The models live with their task (``tasks/<kind>/config.py``, on the shared fields of
:mod:`contrastkit.engine.settings`); this module only merges the raw sources and turns a
validation error into one line naming the setting. ``contrastkit.tasks.load_config`` picks
the task and validates.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError


class ConfigError(ValueError):
    """A configuration mistake; the message names the field and what is allowed."""


M = TypeVar("M", bound=BaseModel)


def validate_settings(model: type[M], raw: dict[str, Any]) -> M:
    """``raw`` validated by ``model``; a mistake is a :class:`ConfigError` of one line."""
    try:
        return model.model_validate(raw)
    except ValidationError as e:
        raise ConfigError(_one_line(e, model)) from None


def raw_settings(
    path: Path | None = None, overrides: Sequence[str] = (), base: dict[str, Any] | None = None
) -> dict[str, Any]:
    """``base``, then the YAML file, then ``key=value`` overrides (dotted keys), merged."""
    raw: dict[str, Any] = copy.deepcopy(base or {})
    if path is not None:
        if not path.is_file():
            raise ConfigError(f"config file {path} does not exist")
        loaded = _yaml(path.read_text(), f"{path}") or {}
        if not isinstance(loaded, dict):
            raise ConfigError(
                f"{path} must hold a mapping of settings, got {type(loaded).__name__}"
            )
        _merge(raw, loaded)
    for item in overrides:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise ConfigError(f"--set expects key=value, got {item!r}")
        _set_dotted(raw, key.strip(), _yaml(value, f"--set {item!r}"))
    return raw


def _yaml(text: str, where: str) -> Any:
    """``yaml.safe_load`` (plain data only: no Python tags run), its errors as one line."""
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        at = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = getattr(e, "problem", None) or str(e).splitlines()[0]
        raise ConfigError(f"{where} is not valid YAML{at}: {problem}") from None


def _merge(into: dict[str, Any], new: dict[str, Any]) -> None:
    for k, v in new.items():
        if isinstance(v, dict) and isinstance(into.get(k), dict):
            _merge(into[k], v)
        else:
            into[k] = v


def _set_dotted(raw: dict[str, Any], key: str, value: Any) -> None:
    *parents, leaf = key.split(".")
    node = raw
    for p in parents:
        node = node.setdefault(p, {})
        if not isinstance(node, dict):
            raise ConfigError(f"cannot set {key!r}: {p!r} is not a section")
    node[leaf] = value


def _one_line(e: ValidationError, model: type[BaseModel]) -> str:
    err = e.errors()[0]
    where = ".".join(str(p) for p in err["loc"]) or "config"
    if err["type"] == "extra_forbidden":
        section = _section_of(model, err["loc"][:-1])
        known = ", ".join(sorted(section.model_fields)) if section else ""
        return f"unknown setting {where!r}; known settings here: {known}"
    return f"invalid setting {where!r}: {err['msg']}"


def _section_of(model: type[BaseModel], loc: tuple[Any, ...]) -> type[BaseModel] | None:
    for part in loc:
        field = model.model_fields.get(str(part))
        if field is None or not isinstance(field.annotation, type):
            return None
        model = field.annotation
    return model


def with_overrides(cfg: M, overrides: Sequence[str]) -> M:
    """``cfg`` with ``key=value`` overrides applied and validated again (for one command's
    use, e.g. ``contrastkit eval --knn-k 20``; the run's ``config.json`` is not changed)."""
    if not overrides:
        return cfg
    raw = raw_settings(overrides=overrides, base=cfg.model_dump(mode="json"))
    return validate_settings(type(cfg), raw)
