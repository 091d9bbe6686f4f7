"""native_bf16 agrees with what the CPU says it can do."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from contrastkit.engine.precision import native_bf16


def test_cpu_answer_follows_the_cpu_flags():
    cpuinfo = Path("/proc/cpuinfo")
    if not cpuinfo.exists():
        pytest.skip("needs /proc/cpuinfo (Linux)")
    flags = set(cpuinfo.read_text().split())
    assert native_bf16(torch.device("cpu")) == bool({"avx512_bf16", "amx_tile"} & flags)


def test_other_devices_are_not_native():
    assert native_bf16(torch.device("meta")) is False
