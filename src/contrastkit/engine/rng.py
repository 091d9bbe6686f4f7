"""Seeding and RNG state capture, so a resumed run replays the same random numbers.

The loop reseeds torch at every step from ``(seed, step, rank)`` (:func:`step_seed`): the
augmentations and dropout of step s are a pure function of s, whether the run was resumed
or not, and whatever DataLoader workers did before. The full RNG states are still saved in
every checkpoint (DESIGN.md) and restored on resume for anything that draws between steps.
"""

from __future__ import annotations

import hashlib
import random
from typing import Any

import numpy as np
import torch


def step_seed(seed: int, *parts: int) -> int:
    """A 63-bit seed mixed from ``seed`` and ``parts`` (stable across processes and runs)."""
    data = ",".join(str(x) for x in (seed, *parts)).encode()
    return int.from_bytes(hashlib.blake2b(data, digest_size=8).digest(), "little") >> 1


def seed_everything(seed: int) -> np.random.Generator:
    """Seed python, torch (all devices); return a numpy Generator seeded the same way."""
    random.seed(seed)
    torch.manual_seed(seed)
    return np.random.default_rng(seed)


def capture(numpy_rng: np.random.Generator) -> dict[str, Any]:
    """Every RNG state, in types ``torch.load(weights_only=True)`` accepts."""
    state: dict[str, Any] = {
        "python": _to_lists(random.getstate()),
        "torch": torch.get_rng_state(),
        "numpy": numpy_rng.bit_generator.state,
    }
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def restore(state: dict[str, Any], numpy_rng: np.random.Generator) -> None:
    version, internal, gauss = state["python"]
    random.setstate((version, tuple(internal), gauss))
    torch.set_rng_state(state["torch"])
    numpy_rng.bit_generator.state = state["numpy"]
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def _to_lists(x: Any) -> Any:
    return [_to_lists(v) for v in x] if isinstance(x, tuple) else x
