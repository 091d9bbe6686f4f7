"""STS Benchmark: English sentence pairs with gold similarity 0–5 (train 5,749, dev 1,500,
test 1,379).

Cer, Diab, Agirre, Lopez-Gazpio & Specia, 2017, "SemEval-2017 Task 1: Semantic Textual
Similarity", https://arxiv.org/abs/1708.00055.

The files ``sts-{train,dev,test}.csv`` are read from ``root`` or, by default, from
``stsbenchmark/`` in the shared data folder (:func:`shared_data_dir`). Each line is
tab-separated — genre, file, year, id, score, sentence1, sentence2 — and some lines carry
extra fields (sources) after sentence2, which are ignored. Quotes are ordinary characters.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import torch

from contrastkit.data.errors import DatasetNotFoundError
from contrastkit.data.shared import ENV_VAR, shared_data_dir

SPLITS = ("train", "dev", "test")
SCORE, SENTENCE1, SENTENCE2 = 4, 5, 6  # field positions on a line


@dataclass(frozen=True, eq=False)
class StsPairs:
    """Sentence pairs with gold similarity scores.

    Attributes:
        sentences1, sentences2: the two sentences of each pair, ``n`` each.
        scores: float64 ``(n,)``, gold similarity from 0 (unrelated) to 5 (same meaning).
    """

    sentences1: list[str]
    sentences2: list[str]
    scores: torch.Tensor

    def __post_init__(self) -> None:
        n = len(self.sentences1)
        if len(self.sentences2) != n or self.scores.shape != (n,):
            raise ValueError(
                f"StsPairs needs n sentences1, n sentences2 and scores (n,), got "
                f"{n}, {len(self.sentences2)} and {tuple(self.scores.shape)}."
            )

    def __len__(self) -> int:
        return len(self.sentences1)


def load_stsb(split: Literal["train", "dev", "test"], root: str | Path | None = None) -> StsPairs:
    """One split of STS-B.

    Args:
        split: ``"train"`` (5,749 pairs), ``"dev"`` (1,500) or ``"test"`` (1,379).
        root: the folder holding ``sts-{split}.csv``; default ``<shared data>/stsbenchmark``.

    Raises ``ValueError`` for an unknown split or a malformed line (naming it), and
    :class:`DatasetNotFoundError` saying where it looked when the file is missing.

    Example:
        >>> dev = load_stsb("dev")
        >>> len(dev), dev.sentences1[0], float(dev.scores[0])
        (1500, 'A man with a hard hat is dancing.', 5.0)
    """
    if split not in SPLITS:
        raise ValueError(f"STS-B split must be 'train', 'dev' or 'test', got {split!r}.")
    folder = Path(root).expanduser() if root is not None else shared_data_dir() / "stsbenchmark"
    path = folder / f"sts-{split}.csv"
    if not path.is_file():
        raise DatasetNotFoundError(
            f"STS-B file {path} not found; pass root= the folder with sts-{split}.csv, or set "
            f"{ENV_VAR} to the shared data folder holding stsbenchmark/."
        )
    sentences1, sentences2, scores = [], [], []
    with path.open(encoding="utf-8", newline="") as file:
        reader = csv.reader(file, delimiter="\t", quoting=csv.QUOTE_NONE)
        for fields in reader:
            if len(fields) <= SENTENCE2:
                raise ValueError(
                    f"{path} line {reader.line_num} has {len(fields)} tab-separated fields; "
                    "STS-B lines have at least 7."
                )
            try:
                scores.append(float(fields[SCORE]))
            except ValueError:
                raise ValueError(
                    f"{path} line {reader.line_num} has score {fields[SCORE]!r}, not a number."
                ) from None
            sentences1.append(fields[SENTENCE1])
            sentences2.append(fields[SENTENCE2])
    return StsPairs(sentences1, sentences2, torch.tensor(scores, dtype=torch.float64))


def stsb_sentences(
    split: Literal["train", "dev", "test"], root: str | Path | None = None
) -> list[str]:
    """The distinct sentences of a split, in first-seen order (line by line, sentence1 first).

    Unsupervised SimCSE trains on these (each sentence is its own positive under dropout).
    """
    pairs = load_stsb(split, root)
    both = (s for pair in zip(pairs.sentences1, pairs.sentences2, strict=True) for s in pair)
    return list(dict.fromkeys(both))
