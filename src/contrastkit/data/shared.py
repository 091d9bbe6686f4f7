"""The read-only shared data folder (STS Benchmark, videos) that sits beside the repository.

It is found, in order, at ``$CONTRASTKIT_SHARED_DATA``, ``<repo root>/../shared/data`` (the
repo root is the folder holding ``pyproject.toml`` above this file) and ``./../shared/data``
from the working directory. Nothing is ever written there.
"""

from __future__ import annotations

import os
from pathlib import Path

from contrastkit.data.errors import DatasetNotFoundError

ENV_VAR = "CONTRASTKIT_SHARED_DATA"


def shared_data_dir() -> Path:
    """The shared data folder (see the module docstring).

    Raises :class:`DatasetNotFoundError` naming every path tried when none exists, or the
    folder ``$CONTRASTKIT_SHARED_DATA`` names when that is set but is not a folder.

    Example:
        >>> shared_data_dir() / "stsbenchmark"  # e.g. /work/shared/data/stsbenchmark
    """
    env = os.environ.get(ENV_VAR)
    if env:
        folder = Path(env).expanduser()
        if not folder.is_dir():
            raise DatasetNotFoundError(
                f"{ENV_VAR}={env} is not a folder; point it at the shared data folder."
            )
        return folder
    tried = [root / ".." / "shared" / "data" for root in (repo_root(), Path.cwd()) if root]
    for folder in tried:
        if folder.is_dir():
            return folder.resolve()
    where = ", ".join(str(p) for p in tried)
    raise DatasetNotFoundError(
        f"no shared data folder at {where}; set {ENV_VAR} to the folder holding stsbenchmark/."
    )


def repo_root() -> Path | None:
    """The nearest folder above this file that holds ``pyproject.toml``, or ``None`` (installed)."""
    for folder in Path(__file__).resolve().parents:
        if (folder / "pyproject.toml").is_file():
            return folder
    return None
