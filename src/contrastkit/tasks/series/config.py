"""Settings of the series task: the shared run settings plus data, model, negatives, eval."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field, model_validator

from contrastkit.engine.settings import OptimSettings, RunConfig, Strict
from contrastkit.tasks.negatives import NegativesSettings


class SeriesDataSettings(Strict):
    source: str = "ucr:GunPoint"  # ucr:NAME | series:PATH.npz | series:PATH.csv
    standardize: bool = True  # z-normalise every series per channel (the UCR convention)
    crop: float = Field(default=0.8, gt=0, le=1)  # a view's length, as a share of the series
    shift: float = Field(
        default=0.5, ge=0, le=1
    )  # the 2nd view starts within ±shift·crop of the 1st
    jitter: float = Field(default=0.05, ge=0)  # Gaussian noise std (standardised units)
    scale: float = Field(default=0.1, ge=0)  # per-channel scaling factor std around 1
    mask: float = Field(default=0.1, ge=0, lt=1)  # share of steps in one zeroed span per view
    crops_per_series: int = Field(default=1, ge=1)  # crops of one series in a batch


class SeriesModelSettings(Strict):
    hidden: int = Field(default=64, ge=1)
    depth: int = Field(default=6, ge=1)  # residual blocks; receptive field ≈ 2^(depth+1)
    dim: int = Field(default=128, ge=1)  # the representation kept after training
    projection_hidden: int = Field(default=128, ge=1)
    projection_dim: int = Field(default=64, ge=1)


class SeriesEvalSettings(Strict):
    knn_k: int = Field(default=1, ge=1)  # 1-NN: the UCR protocol's neighbour rule
    knn_temperature: float = Field(default=0.1, gt=0)
    probe_epochs: int | None = Field(default=100, ge=1)  # linear classifier; None: skip


class SeriesOptimSettings(OptimSettings):
    lr: float = Field(default=1e-3, gt=0)  # TS2Vec's
    batch_size: int = Field(default=16, ge=2)  # TS2Vec's; UCR training sets are small


class SeriesConfig(RunConfig):
    task: Literal["series"] = "series"
    method: Literal["series_contrast"] = "series_contrast"
    temperature: float = Field(default=0.1, gt=0)
    data: SeriesDataSettings = SeriesDataSettings()
    model: SeriesModelSettings = SeriesModelSettings()
    negatives: NegativesSettings = NegativesSettings()
    eval: SeriesEvalSettings = SeriesEvalSettings()
    optim: SeriesOptimSettings = SeriesOptimSettings()

    DEFAULT_EPOCHS: ClassVar[int] = 100

    @model_validator(mode="after")
    def _whole_series_per_batch(self) -> SeriesConfig:
        if self.optim.batch_size % self.data.crops_per_series:
            raise ValueError(
                f"optim.batch_size {self.optim.batch_size} must be a multiple of "
                f"data.crops_per_series {self.data.crops_per_series}"
            )
        return self
