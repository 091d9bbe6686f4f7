"""One writer per run directory: ``RUN/.lock`` names the process that trains into it.

Two ``train`` processes on one ``--out`` would replace each other's config and checkpoints
and interleave their metrics. The lock file is created with ``O_EXCL`` (atomic on POSIX) and
holds the owner's pid, host and start time; a second writer is refused with one line naming
them. A lock whose process is gone (same host, pid not alive) is stale: it is taken over with
a warning. Under ``torch.distributed`` only the main rank locks.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import socket
import time
from collections.abc import Iterator
from pathlib import Path

from contrastkit.engine.config import ConfigError

log = logging.getLogger(__name__)
LOCK = ".lock"


class RunLocked(ConfigError):
    """Another live process is writing this run directory."""


@contextlib.contextmanager
def run_lock(run_dir: Path) -> Iterator[None]:
    """Hold ``run_dir``'s lock for the block (creating the directory if needed)."""
    run_dir.mkdir(parents=True, exist_ok=True)
    path = run_dir / LOCK
    _acquire(path)
    try:
        yield
    finally:
        with contextlib.suppress(FileNotFoundError):
            if _holder(path).get("pid") == os.getpid():
                path.unlink()


def _acquire(path: Path) -> None:
    for _ in range(2):  # a second try after taking over a stale lock
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            holder = _holder(path)
            if _alive(holder):
                started = holder.get("started")
                when = started if isinstance(started, int | float) else 0
                since = time.strftime("%Y-%m-%d %H:%M", time.localtime(when))
                raise RunLocked(
                    f"{path.parent} is being written by pid {holder.get('pid')} on "
                    f"{holder.get('host')} (since {since}); wait for it to finish or choose "
                    "another --out"
                ) from None
            log.warning(
                "taking over the stale lock of %s (pid %s on %s is gone)",
                path.parent,
                holder.get("pid"),
                holder.get("host"),
            )
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
            continue
        with os.fdopen(fd, "w") as f:
            json.dump({"pid": os.getpid(), "host": socket.gethostname(), "started": time.time()}, f)
        return
    raise RunLocked(f"{path.parent} is locked and the lock could not be taken over; remove {path}")


def _holder(path: Path) -> dict[str, object]:
    try:
        holder = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}  # unreadable: a writer died mid-write; treated as stale
    return holder if isinstance(holder, dict) else {}


def _alive(holder: dict[str, object]) -> bool:
    """Whether the lock's process still runs (on another host we cannot tell: assume so)."""
    pid = holder.get("pid")
    if not isinstance(pid, int):
        return False
    if holder.get("host") != socket.gethostname():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's live process
    return True
