"""contrastkit: contrastive representation learning for images, text, video and time series.

Submodules are imported on first use so ``import contrastkit`` stays cheap:
``contrastkit.losses``, ``contrastkit.diagnostics``, ``contrastkit.distributed``, ...
The Python API (:mod:`contrastkit.api`): ``train``, ``open_run``, ``load_encoder``.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_SUBMODULES = {"cli", "diagnostics", "distributed", "encoders", "losses", "methods", "tasks"}
_API = {"train", "open_run", "load_encoder"}  # contrastkit/api.py


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:
        return importlib.import_module(f"contrastkit.{name}")
    if name in _API:
        return getattr(importlib.import_module("contrastkit.api"), name)
    raise AttributeError(f"module 'contrastkit' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_SUBMODULES, *_API])
