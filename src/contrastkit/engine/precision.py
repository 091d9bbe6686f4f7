"""Whether this machine computes bfloat16 natively (and mixed precision pays off on it)."""

from __future__ import annotations

import torch


def native_bf16(device: torch.device) -> bool:
    """True on CUDA GPUs with bf16 support and on CPUs with AVX512-BF16 or AMX.

    There autocast to bf16 speeds convolutions and matmuls up ~2× (the small CNN's SimCLR
    step on this project's 2-core Xeon: 771 → 1,378 images/s, benchmarks/bench_step_speed.py);
    elsewhere a CPU emulates bf16 and gets slower, so callers keep float32.
    """
    if device.type == "cuda":
        return torch.cuda.is_bf16_supported()
    if device.type != "cpu":
        return False
    checks = ("_is_avx512_bf16_supported", "_is_amx_tile_supported")
    return any(bool(getattr(torch.cpu, name, lambda: False)()) for name in checks)
