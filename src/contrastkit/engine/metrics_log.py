"""Training metrics to ``metrics.jsonl`` (one JSON object per row) and TensorBoard events.

Only the main rank writes. On resume from step s, rows after s (written by the interrupted
run past its last checkpoint) are dropped so the file reads as one uninterrupted run.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from contrastkit import distributed


class MetricsLog:
    def __init__(self, run_dir: Path, *, resume_step: int = 0) -> None:
        self.enabled = distributed.is_main()
        self.path = run_dir / "metrics.jsonl"
        self._tb: Any = None
        if not self.enabled:
            return
        if resume_step and self.path.exists():
            rows = [r for r in self.path.read_text().splitlines() if r.strip()]
            kept = [r for r in rows if json.loads(r).get("step", 0) <= resume_step]
            self.path.write_text("".join(r + "\n" for r in kept))
        elif self.path.exists():
            self.path.unlink()
        from torch.utils.tensorboard import SummaryWriter  # imported lazily: slow import

        self._tb = SummaryWriter(str(run_dir / "tb"), purge_step=resume_step or None)

    def write(self, step: int, values: dict[str, float]) -> None:
        if not self.enabled:
            return
        with self.path.open("a") as f:
            f.write(json.dumps({"step": step, **values}) + "\n")
        for name, value in values.items():
            self._tb.add_scalar(name, value, step)

    def close(self) -> None:
        if self._tb is not None:
            self._tb.close()


def read_metrics(run_dir: Path) -> list[dict[str, Any]]:
    path = run_dir / "metrics.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
