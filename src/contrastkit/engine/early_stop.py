"""Early stopping on a monitored metric, with patience and a minimum improvement.

Two policies, by the metric they watch (``EARLY_STOP_METRICS``):

* ``knn_accuracy`` (higher is better): a validation metric, the weighted kNN accuracy on a
  labelled validation split (``monitor.knn_every``).
* ``probe_uniformity`` (lower is better): stop when the uniformity of the probe batch
  starts to deteriorate, even while the loss and alignment still improve. Wang & Isola
  (2020, https://arxiv.org/abs/2005.10242) find downstream accuracy needs both; a run whose
  uniformity worsens for ``patience`` checks is trading spread for alignment.

The loop writes ``checkpoints/best.pt`` whenever :meth:`EarlyStopping.update` says the
metric improved, so the best model is kept whatever happens after it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

Mode = Literal["min", "max"]

EARLY_STOP_METRICS: dict[str, Mode] = {"probe_uniformity": "min", "knn_accuracy": "max"}


@dataclass(frozen=True)
class Verdict:
    improved: bool  # a new best: keep this model as best.pt
    stop: str | None  # why to stop now (one sentence), or None to go on


class EarlyStopping:
    """Stop after ``patience`` checks without an improvement larger than ``min_delta``.

    An improvement means ``value < best − min_delta`` (mode "min") or ``value > best +
    min_delta`` (mode "max"); the first check at or after ``start_step`` sets the best.
    Checks before ``start_step`` are ignored: early in training every metric moves for
    reasons of its own (a randomly initialised encoder is often *more* uniform than after
    its first steps), so the default start is the end of the learning-rate warm-up.
    """

    def __init__(
        self,
        metric: str,
        *,
        mode: Mode,
        patience: int,
        min_delta: float = 0.0,
        start_step: int = 0,
    ) -> None:
        if patience < 1:
            raise ValueError(f"patience must be >= 1, got {patience}.")
        if min_delta < 0:
            raise ValueError(f"min_delta must be >= 0, got {min_delta}.")
        if mode not in ("min", "max"):
            raise ValueError(f"mode must be 'min' or 'max', got {mode!r}.")
        self.metric, self.mode, self.patience = metric, mode, patience
        self.min_delta, self.start_step = min_delta, start_step
        self.best: float | None = None
        self.best_step: int | None = None
        self.bad = 0  # checks since the last improvement

    def update(self, step: int, value: float) -> Verdict:
        if step < self.start_step:
            return Verdict(False, None)
        if self.best is None or self._better(value, self.best):
            self.best, self.best_step, self.bad = value, step, 0
            return Verdict(True, None)
        self.bad += 1
        if self.bad < self.patience:
            return Verdict(False, None)
        return Verdict(
            False,
            f"early stopping at step {step}: {self.metric} has not improved by more than "
            f"{self.min_delta:g} for {self.patience} checks (best {self.best:.4f} at step "
            f"{self.best_step}, now {value:.4f}); the best model is checkpoints/best.pt",
        )

    def _better(self, value: float, best: float) -> bool:
        if self.mode == "min":
            return value < best - self.min_delta
        return value > best + self.min_delta

    def state_dict(self) -> dict[str, Any]:
        return {"best": self.best, "best_step": self.best_step, "bad": self.bad}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.best, self.best_step, self.bad = state["best"], state["best_step"], state["bad"]
