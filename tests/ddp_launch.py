"""Launch a test worker script as real torch.distributed ranks (gloo, one thread each)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path


def launch(worker: str | Path, args: list[str], *, world: int = 2, timeout: float = 240) -> None:
    """Run ``python worker *args`` as ``world`` ranks of one process group; raise with the
    stderr of a rank that fails. Workers call ``dist.init_process_group("gloo")``."""
    env = {
        **os.environ,
        "MASTER_ADDR": "127.0.0.1",
        "MASTER_PORT": str(_free_port()),
        "WORLD_SIZE": str(world),
        "OMP_NUM_THREADS": "1",
    }
    procs = [
        subprocess.Popen(
            [sys.executable, str(worker), *args],
            env={**env, "RANK": str(r), "LOCAL_RANK": str(r)},
            stderr=subprocess.PIPE,
            text=True,
        )
        for r in range(world)
    ]
    for p in procs:
        _, err = p.communicate(timeout=timeout)
        assert p.returncode == 0, err


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
