"""The run settings every task shares: budget, seed, device, precision, logging, checkpoints,
trackers and the optimiser.

A task's configuration (``tasks/<kind>/config.py``) subclasses :class:`RunConfig` and adds its
own sections (data, model, evaluation, …); it may change a shared field's default by declaring
it again (text fine-tuning starts at a learning rate of 2e-5, images at 2e-3). Every field is
documented where it is declared; unknown keys are rejected with their path.
"""

from __future__ import annotations

from fractions import Fraction
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

TRACKERS = ("tensorboard", "mlflow", "wandb")  # engine/tracking.py; metrics.jsonl is always on


class Strict(BaseModel):
    """A settings section: unknown keys are errors, values are frozen once validated."""

    # no inf or nan anywhere: temperature=.inf would train at a constant loss
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class OptimSettings(Strict):
    name: Literal["sgd", "adamw", "lars"] = "adamw"
    lr: float = Field(default=2e-3, gt=0)  # peak learning rate after warm-up
    final_lr: float = Field(default=0.0, ge=0)  # the schedule decays to this
    schedule: Literal["cosine", "linear"] = "cosine"  # after warm-up, down to final_lr
    weight_decay: float = Field(default=1e-4, ge=0)
    momentum: float = Field(default=0.9, ge=0, lt=1)  # SGD and LARS
    warmup_steps: int | None = Field(default=None, ge=0)  # default: the task's share of the run
    batch_size: int = Field(default=256, ge=2)  # per process, per micro-batch
    accumulate: int = Field(default=1, ge=1)  # micro-batches per optimiser step
    clip_grad: float | None = Field(default=None, gt=0)  # max global grad norm


class RunConfig(Strict):
    """The fields every task's configuration has; ``task`` and ``method`` pick what trains."""

    # the kind of data (tasks/): images | text | a plug-in's name, recorded in config.json;
    # each task's subclass names itself (task: Literal["images"] = "images") and its default
    # method
    task: str
    method: str
    epochs: int | None = Field(default=None, ge=1)  # one of epochs / steps; default DEFAULT_EPOCHS
    steps: int | None = Field(default=None, ge=1)
    seed: int = 0
    device: str = "auto"  # auto | cpu | cuda | cuda:N
    # mixed precision: bf16 on GPUs and on CPUs with AVX512-BF16/AMX (engine/precision.py); fp16 GPU only
    amp: Literal["none", "bf16", "fp16"] = "none"
    log_every: int = Field(default=20, ge=1)  # steps between metrics.jsonl rows
    # where metrics go besides metrics.jsonl: tensorboard (tb/), mlflow (a file store in
    # mlruns/, the [mlflow] extra), wandb (offline, in wandb/, the [wandb] extra)
    trackers: tuple[Literal["tensorboard", "mlflow", "wandb"], ...] = ("tensorboard",)
    # a step whose loss, gradients, parameters or buffers are not finite: stop (naming the
    # step and what went wrong; the last checkpoint stays) or skip the batch (model, EMA
    # targets, queues and optimiser as before it; counted as skipped_steps)
    on_nonfinite: Literal["stop", "skip"] = "stop"
    checkpoint_every: int = Field(default=500, ge=1)  # steps between checkpoints (and at the end)
    keep_checkpoints: int = Field(default=2, ge=1)
    optim: OptimSettings = OptimSettings()

    # the budget when neither epochs nor steps is set, and the warm-up's default share of it
    DEFAULT_EPOCHS: ClassVar[int] = 10
    WARMUP_SHARE: ClassVar[Fraction] = Fraction(1, 20)

    @model_validator(mode="after")
    def _one_budget(self) -> RunConfig:
        if self.epochs is not None and self.steps is not None:
            raise ValueError("set epochs or steps, not both")
        return self

    def total_steps(self, batches_per_epoch: int) -> int:
        """Optimiser steps of the run: ``steps``, or the epochs' worth of batches."""
        if self.steps is not None:
            return self.steps
        epochs = self.epochs or self.DEFAULT_EPOCHS
        return epochs * max(1, batches_per_epoch // self.optim.accumulate)

    def warmup(self, total: int) -> int:
        """Warm-up steps: ``optim.warmup_steps``, or the task's share of ``total``."""
        o = self.optim
        warmup = (
            o.warmup_steps if o.warmup_steps is not None else int(total * self.WARMUP_SHARE)
        )  # floor
        return min(warmup, total)


# settings that may change between a run and its resumption (budget and bookkeeping)
RESUMABLE_CHANGES = frozenset(
    {
        "epochs",
        "steps",
        "device",
        "log_every",
        "trackers",
        "on_nonfinite",
        "checkpoint_every",
        "keep_checkpoints",
        "monitor",
        "early_stop",
    }
)
