"""Checkpoints: complete, atomic, and loadable with ``torch.load(weights_only=True)``.

A checkpoint is a dict of tensors and plain Python values (no pickled classes): model,
optimiser and grad-scaler state, RNG states, sampler position (epoch, batch), step and the
resolved config as a JSON string. It is written to a temporary file in the same directory,
fsynced, then renamed over ``checkpoint-<step>.pt``; older checkpoints are pruned only after
the new one is complete, so a crash at any moment leaves a valid checkpoint behind. With
early stopping, ``best.pt`` beside them holds the best model so far, written the same way.
"""

from __future__ import annotations

import logging
import os
import re
import tempfile
from pathlib import Path
from typing import Any

import torch

log = logging.getLogger(__name__)

_NAME = re.compile(r"^checkpoint-(\d{8})\.pt$")
BEST = "best.pt"  # the best model by the early-stopping metric (engine/early_stop.py)


class CheckpointError(OSError):
    """A checkpoint could not be written, or a file is not a readable checkpoint (an I/O error
    to callers: the CLI reports it in one line like any unreadable or unwritable file)."""


def checkpoint_path(directory: Path, step: int) -> Path:
    return directory / f"checkpoint-{step:08d}.pt"


def save_checkpoint(state: dict[str, Any], directory: Path, step: int, keep: int = 2) -> Path:
    """Atomically write ``state`` as the checkpoint of ``step``; keep the newest ``keep``."""
    final = _save_atomic(state, checkpoint_path(directory, step))
    for old in list_checkpoints(directory)[:-keep] if keep > 0 else []:
        old.unlink(missing_ok=True)
    return final


def save_best(state: dict[str, Any], directory: Path) -> Path:
    """Atomically write ``state`` as ``best.pt``, the model early stopping keeps.

    It is never pruned and never resumed from: ``--resume auto`` takes the newest
    ``checkpoint-<step>.pt`` (:func:`list_checkpoints` does not list ``best.pt``).
    """
    return _save_atomic(state, directory / BEST)


def _save_atomic(state: dict[str, Any], final: Path) -> Path:
    directory = final.parent
    directory.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=".tmp-checkpoint-", suffix=".pt", dir=directory)
    try:
        with os.fdopen(fd, "wb") as f:
            torch.save(state, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp_name, final)
        _fsync_dir(directory)
    except BaseException as e:
        Path(tmp_name).unlink(missing_ok=True)
        raise CheckpointError(f"could not write checkpoint {final}: {e}") from e
    return final


def list_checkpoints(directory: Path) -> list[Path]:
    """Checkpoints in ``directory``, oldest first (temporary files are ignored)."""
    if not directory.is_dir():
        return []
    return sorted(p for p in directory.iterdir() if _NAME.match(p.name))


def load_checkpoint(path: Path, map_location: str | torch.device = "cpu") -> dict[str, Any]:
    """Load one checkpoint with ``weights_only=True`` (no pickled code ever runs).

    Raises ``FileNotFoundError`` naming a missing file and :class:`CheckpointError` (one line)
    for a file that is not a readable contrastkit checkpoint.
    """
    if not Path(path).is_file():
        raise FileNotFoundError(f"checkpoint {path} does not exist")
    try:
        state = torch.load(path, map_location=map_location, weights_only=True)
    except Exception as e:  # truncated zips, foreign pickles, refused globals: many types
        first = (str(e).strip().splitlines() or [type(e).__name__])[0][:200]
        raise CheckpointError(f"cannot read checkpoint {path}: {first}") from None
    if not isinstance(state, dict) or "model" not in state:
        raise CheckpointError(f"{path} is not a contrastkit checkpoint (no model state in it)")
    return state


def load_latest(directory: Path, map_location: str | torch.device = "cpu") -> dict[str, Any] | None:
    """The newest checkpoint that loads; a corrupt newer one is reported and skipped."""
    for path in reversed(list_checkpoints(directory)):
        try:
            return load_checkpoint(path, map_location)
        except Exception as e:  # a truncated file raises many types; we report and move on
            log.warning("%s; trying an older one", e)
    return None


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
