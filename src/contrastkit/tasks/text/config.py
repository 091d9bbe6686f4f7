"""The settings of a text run (methods ``simcse`` and ``pairs``).

Same conventions as the image settings (strict, documented where declared), on the shared
fields of :class:`~contrastkit.engine.settings.RunConfig`; fine-tuning a pre-trained
transformer changes some of their defaults (learning rate, batch, clipping, one epoch).
"""

from __future__ import annotations

from fractions import Fraction
from typing import ClassVar, Literal

from pydantic import Field, model_validator

from contrastkit.engine.settings import OptimSettings, RunConfig, Strict


class TextModelSettings(Strict):
    # the encoder: all-MiniLM-L6-v2 (built in, offline), a local Hugging Face or
    # sentence-transformers directory, or a hub id (needs internet)
    name: str = "all-MiniLM-L6-v2"
    pooling: Literal["mean", "cls", "max"] | None = None  # None: the model's own (else mean)
    normalize: bool | None = None  # None: the model's own (else on)
    max_length: int | None = Field(default=None, ge=2)  # tokens; None: the model's (else 256)
    projection_dim: int | None = Field(default=None, ge=1)  # a linear map after pooling
    random_init: bool = False  # keep architecture and tokenizer, draw fresh weights
    # fields of the Hugging Face config to replace, e.g. {hidden_dropout_prob: 0.2}; sizes
    # ({num_hidden_layers: 2, hidden_size: 128, …}) need random_init
    config_overrides: dict[str, int | float | str | bool] = Field(default_factory=dict)
    # CPU training draws dropout masks from a faster generator (text/fast_dropout.py);
    # false: torch's own dropout
    fast_dropout: bool = True
    # run the transformer's layers on the real tokens only, not the padding (text/packed.py;
    # BERT-family models, elsewhere ignored)
    packed: bool = True


class TextDataSettings(Strict):
    # stsb (STS-B sentences, one column, for SimCSE) | stsb-pairs | news (title → body) |
    # jsonl:PATH | csv:PATH | tsv:PATH (anchor, positive[, hard negatives…] columns)
    source: str = "news"
    columns: list[str] | None = None  # the fields to read, in order; None: all
    max_samples: int | None = Field(default=None, ge=2)  # train on the first N rows only
    # batches never hold the same text twice (a duplicate is a false negative)
    no_duplicates: bool = True


class TextOptimSettings(OptimSettings):
    """The shared optimiser settings with sentence-transformers' fine-tuning defaults."""

    name: Literal["adamw", "sgd"] = "adamw"
    lr: float = Field(default=2e-5, gt=0)  # peak; sentence-transformers' default
    weight_decay: float = Field(default=0.01, ge=0)
    warmup_steps: int | None = Field(default=None, ge=0)  # default: 10% of the run
    batch_size: int = Field(default=32, ge=2)  # rows per process per micro-batch
    clip_grad: float | None = Field(default=1.0, gt=0)  # sentence-transformers clips at 1


class TextEvalSettings(Strict):
    sts_split: Literal["dev", "test"] | None = "test"  # STS-B split scored by `eval`; None: skip
    retrieval_split: str | None = "test"  # the source's held-out split for retrieval; None: skip
    batch_size: int = Field(default=64, ge=1)  # texts per encoding batch


class TextConfig(RunConfig):
    """The settings of a text run (every field of :class:`RunConfig` too)."""

    task: Literal["text"] = "text"
    method: Literal["simcse", "pairs"] = "pairs"
    temperature: float = Field(default=0.05, gt=0)  # τ; 0.05 = sentence-transformers' scale 20
    symmetric: bool = False  # pairs: also positives → anchors
    # embed in mini-batches of this many rows with gradient caching (GradCache): the batch
    # size is then bounded by time, not memory; loss and gradients are unchanged
    cache_batch: int | None = Field(default=None, ge=1)
    keep_checkpoints: int = Field(default=1, ge=1)  # a text checkpoint holds the whole model
    data: TextDataSettings = TextDataSettings()
    model: TextModelSettings = TextModelSettings()
    optim: TextOptimSettings = TextOptimSettings()
    eval: TextEvalSettings = TextEvalSettings()

    DEFAULT_EPOCHS: ClassVar[int] = 1
    WARMUP_SHARE: ClassVar[Fraction] = Fraction(1, 10)

    @model_validator(mode="after")
    def _symmetric_pairs_only(self) -> TextConfig:
        if self.symmetric and self.method != "pairs":
            raise ValueError("symmetric applies to the pairs method only")
        return self
