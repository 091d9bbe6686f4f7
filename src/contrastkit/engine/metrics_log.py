"""Training metrics to ``metrics.jsonl`` (one JSON object per row) and the chosen trackers.

Only the main rank writes. On resume from step s, rows after s (written by the interrupted
run past its last checkpoint) are dropped so the file reads as one uninterrupted run; the
trackers (engine/trackers.py) continue from s the same way.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from contrastkit import distributed
from contrastkit.engine.trackers import Tracker, open_trackers


class MetricsLog:
    def __init__(
        self,
        run_dir: Path,
        trackers: Sequence[str] = ("tensorboard",),
        *,
        resume_step: int = 0,
        config_json: str = "{}",
    ) -> None:
        self.enabled = distributed.is_main()
        self.path = run_dir / "metrics.jsonl"
        self._trackers: list[Tracker] = []
        if not self.enabled:
            return
        run_dir.mkdir(parents=True, exist_ok=True)
        if resume_step and self.path.exists():
            rows = [r for r in self.path.read_text().splitlines() if r.strip()]
            kept = [r for r in rows if json.loads(r).get("step", 0) <= resume_step]
            self.path.write_text("".join(r + "\n" for r in kept))
        elif self.path.exists():
            self.path.unlink()
        self._trackers = open_trackers(
            run_dir, list(trackers), resume_step=resume_step, config_json=config_json
        )

    def write(self, step: int, values: dict[str, float]) -> None:
        if not self.enabled:
            return
        with self.path.open("a") as f:
            f.write(json.dumps({"step": step, **values}) + "\n")
        for tracker in self._trackers:
            tracker.log(step, values)

    def close(self) -> None:
        for tracker in self._trackers:
            tracker.close()


def read_metrics(run_dir: Path) -> list[dict[str, Any]]:
    path = run_dir / "metrics.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
