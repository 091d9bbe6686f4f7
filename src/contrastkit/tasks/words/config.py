"""Settings of the words task: the shared run settings plus data, model and eval."""

from __future__ import annotations

from fractions import Fraction
from typing import ClassVar, Literal

from pydantic import Field

from contrastkit.engine.settings import OptimSettings, RunConfig, Strict


class WordsDataSettings(Strict):
    source: str = "brown"  # brown | corpus:PATH (plain text, a sentence per line)
    min_count: int = Field(default=5, ge=1)  # rarer words are dropped before windowing
    sample: float = Field(default=1e-3, ge=0)  # frequent-word subsampling threshold (0: off)
    window: int = Field(default=5, ge=1)  # the largest reach of the dynamic window


class WordsModelSettings(Strict):
    dim: int = Field(default=100, ge=1)
    loss: Literal["sgns", "info_nce"] = "sgns"
    negatives: int = Field(default=5, ge=1)  # noise words per pair (sgns)
    ns_exponent: float = 0.75  # noise ∝ count^exponent
    group: int = Field(default=1024, ge=2)  # pairs per softmax (info_nce)


class WordsEvalSettings(Strict):
    restrict: int = Field(default=300_000, ge=1)  # analogies among this many frequent words


class WordsOptimSettings(OptimSettings):
    name: Literal["sgd", "adamw", "lars"] = "sgd"
    lr: float = Field(default=0.025, gt=0)  # word2vec's alpha
    final_lr: float = Field(default=0.0001, ge=0)  # word2vec's min_alpha
    schedule: Literal["cosine", "linear"] = "linear"
    momentum: float = Field(default=0.0, ge=0, lt=1)  # sparse gradients: plain SGD
    weight_decay: float = Field(default=0.0, ge=0)
    # corpus words per step: a step sums every pair's update before applying it, where
    # word2vec applies them one by one; on Brown, above ~2,000 words a step the frequent
    # words' summed updates overshoot (3,000: WordSim353 0.10 after 5 epochs; 1,000: 0.26)
    batch_size: int = Field(default=1_000, ge=2)


class WordsConfig(RunConfig):
    task: Literal["words"] = "words"
    method: Literal["word2vec"] = "word2vec"
    temperature: float = Field(default=0.1, gt=0)  # info_nce's τ
    data: WordsDataSettings = WordsDataSettings()
    model: WordsModelSettings = WordsModelSettings()
    eval: WordsEvalSettings = WordsEvalSettings()
    optim: WordsOptimSettings = WordsOptimSettings()
    log_every: int = Field(default=50, ge=1)

    DEFAULT_EPOCHS: ClassVar[int] = 5  # gensim's
    WARMUP_SHARE: ClassVar[Fraction] = Fraction(0)  # word2vec decays from the first step
