"""keep_freed_memory: after it, freeing a large tensor leaves its pages with the process.

Each case runs in a fresh interpreter: the allocator setting lasts for the whole process."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="glibc malloc only")

_PROBE = """
import sys
import torch
from contrastkit.engine.allocator import keep_freed_memory

def rss_mib():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096 / 2**20

applied = keep_freed_memory() if sys.argv[1] == "keep" else False
x = torch.ones(64 * 2**20 // 4)  # 64 MiB, every page touched
before = rss_mib()
del x
print(applied, before - rss_mib())
"""


def _freed_mib(mode: str, env: dict[str, str] | None = None) -> tuple[bool, float]:
    out = subprocess.run(
        [sys.executable, "-c", _PROBE, mode],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, **(env or {})},
    ).stdout.split()
    return out[0] == "True", float(out[1])


def test_by_default_a_freed_large_tensor_goes_back_to_the_os():
    applied, freed = _freed_mib("default")
    assert not applied and freed > 60


def test_kept_memory_stays_with_the_process():
    applied, freed = _freed_mib("keep")
    assert applied and freed < 4


def test_the_environment_switch_turns_it_off():
    applied, freed = _freed_mib("keep", {"CONTRASTKIT_KEEP_FREED_MEMORY": "0"})
    assert not applied and freed > 60
