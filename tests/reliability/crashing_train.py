"""``contrastkit train`` in a process of its own that records every micro-batch it trains on
and, when asked, kills itself with SIGKILL just before one.

    python crashing_train.py BATCHES_LOG KILL_BEFORE -- <train arguments>

Each micro-batch the run draws appends one line to BATCHES_LOG: its position in the whole
stream (epoch × batches-per-epoch + index), the sample ids the sampler put in it, and a
digest of every tensor in it (views, labels, tokens), so two runs can be compared sample by
sample and augmentation by augmentation. With KILL_BEFORE = k ≥ 0 the process sends itself
SIGKILL when the loop asks for micro-batch k: no handler, no flush, no ``finally`` runs, the
way the kernel's OOM killer or a preempted node ends a run. KILL_BEFORE = -1 never kills.

Nothing of the training is replaced: the real CLI builds the real task, method and stream;
this only wraps the stream the engine receives, to watch and to stop it.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import signal
import sys
from collections.abc import Iterator
from typing import Any

import torch

from contrastkit.cli import main
from contrastkit.engine import run as engine_run
from contrastkit.engine.stream import ReportsCounters


def digest(value: Any) -> str:
    """One hash over every tensor in a batch (dataclasses, dicts and lists walked in order)."""
    h = hashlib.sha256()

    def walk(v: Any) -> None:
        if isinstance(v, torch.Tensor):
            h.update(str((v.dtype, tuple(v.shape))).encode())
            h.update(v.detach().cpu().contiguous().view(torch.uint8).numpy().tobytes())
        elif dataclasses.is_dataclass(v) and not isinstance(v, type):
            for f in dataclasses.fields(v):
                walk(getattr(v, f.name))
        elif isinstance(v, dict):
            for k in sorted(v):
                walk(v[k])
        elif isinstance(v, list | tuple):
            for item in v:
                walk(item)

    walk(value)
    return h.hexdigest()[:16]


class WatchedStream:
    """The task's stream, as the engine sees it, with every micro-batch written down."""

    def __init__(self, stream: Any, log_path: str, kill_before: int) -> None:
        self.stream, self.batches = stream, stream.batches
        self.log_path, self.kill_before = log_path, kill_before

    def counters(self) -> dict[str, float]:
        return self.stream.counters() if isinstance(self.stream, ReportsCounters) else {}

    def epoch(self, epoch: int, start: int = 0) -> Iterator[Any]:
        ids = self.batches.epoch(epoch, start)
        for j, batch in enumerate(self.stream.epoch(epoch, start)):
            position = epoch * len(self.batches) + start + j
            if position == self.kill_before:
                os.kill(os.getpid(), signal.SIGKILL)
            with open(self.log_path, "a") as log:  # closed at once: a kill loses nothing written
                members = " ".join(str(int(i)) for i in ids[j].tolist())
                log.write(f"{position} {digest(batch)} {members}\n")
            yield batch


def watch(log_path: str, kill_before: int) -> None:
    loop_train = engine_run.train

    def train(method, stream, *args, **kwargs):
        return loop_train(method, WatchedStream(stream, log_path, kill_before), *args, **kwargs)

    engine_run.train = train


if __name__ == "__main__":
    log_path, kill_before, separator, *arguments = sys.argv[1:]
    assert separator == "--", "usage: crashing_train.py BATCHES_LOG KILL_BEFORE -- ARGS"
    watch(log_path, int(kill_before))
    sys.exit(main(arguments))
