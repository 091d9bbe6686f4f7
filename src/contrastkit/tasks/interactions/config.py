"""Settings of the interactions task: the shared run settings plus data, model, eval."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from contrastkit.engine.settings import OptimSettings, RunConfig, Strict


class InteractionsDataSettings(Strict):
    source: str = "movielens"  # movielens | interactions:PATH.csv (user,item[,time])


class TwoTowerModelSettings(Strict):
    dim: int = Field(default=64, ge=1)
    hidden: int = Field(default=0, ge=0)  # an MLP on top of each tower (0: none)
    item_features: bool = True  # add the items' features (MovieLens: genres) to their ids
    # exact: log q from training counts; streaming: Yi et al.'s estimate; none; flipped:
    # exact with the wrong sign (to measure what the correction does)
    correction: Literal["exact", "streaming", "none", "flipped"] = "exact"
    mask_positives: bool = True  # a user's own positives are no in-batch negatives
    hard_negatives: int = Field(default=0, ge=0)  # mined per user each step among all items


class InteractionsEvalSettings(Strict):
    k: int = Field(default=10, ge=1)  # Recall@k, NDCG@k


class InteractionsOptimSettings(OptimSettings):
    lr: float = Field(default=5e-3, gt=0)
    weight_decay: float = Field(default=0.0, ge=0)
    batch_size: int = Field(default=512, ge=2)


class InteractionsConfig(RunConfig):
    task: Literal["interactions"] = "interactions"
    method: Literal["two_tower"] = "two_tower"
    temperature: float = Field(default=0.05, gt=0)
    data: InteractionsDataSettings = InteractionsDataSettings()
    model: TwoTowerModelSettings = TwoTowerModelSettings()
    eval: InteractionsEvalSettings = InteractionsEvalSettings()
    optim: InteractionsOptimSettings = InteractionsOptimSettings()

    DEFAULT_EPOCHS: ClassVar[int] = 10
