"""``negatives:`` settings shared by the tasks whose samples come from sequences (series,
video): how in-batch negatives are weighed, and the temporal exclusion window."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from contrastkit.engine.settings import Strict


class NegativesSettings(Strict):
    kind: Literal["random", "debiased", "hard"] = "random"
    # samples of one sequence this close in time (steps, frames) are no negatives of each
    # other; 0: only the same instant (random kind only)
    exclusion_window: float = Field(default=0.0, ge=0)
    tau_plus: float = Field(default=0.1, ge=0, lt=1)  # debiased and hard: positive-class prior
    beta: float = Field(default=1.0, ge=0)  # hard: concentration on similar negatives

    @model_validator(mode="after")
    def _window_needs_plain_negatives(self) -> NegativesSettings:
        if self.exclusion_window > 0 and self.kind != "random":
            raise ValueError("negatives.exclusion_window works with negatives.kind=random")
        return self
