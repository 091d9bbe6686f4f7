"""Turn a text-source string (``--data`` for text methods) into :class:`TextRows`.

Sources:

* ``stsb`` — the distinct STS-B sentences of a split (``train``, ``dev``, ``test``) as one
  column ``sentence``: unsupervised SimCSE's input.
* ``stsb-pairs`` — the STS-B pairs as columns ``sentence1``, ``sentence2`` (gold scores
  dropped; :func:`load_stsb` has them).
* ``news`` — news ``title``, ``body`` pairs, splits ``train``, ``test`` and ``all`` (the
  default 80/20 split by article, seed 0).
* ``jsonl:PATH``, ``csv:PATH``, ``tsv:PATH`` — a file read by :func:`read_text_rows`.

Files have a single split, ``train``: to evaluate on held-out rows, name them as another
source.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Literal, cast

from contrastkit.data.news import load_news_pairs
from contrastkit.data.stsb import SPLITS as STSB_SPLITS
from contrastkit.data.stsb import load_stsb, stsb_sentences
from contrastkit.data.text_rows import TextRows, read_text_rows
from contrastkit.types import Items

TEXT_SOURCES = ("stsb", "stsb-pairs", "news", "jsonl:PATH", "csv:PATH", "tsv:PATH")
FILE_KINDS = ("jsonl", "csv", "tsv")


def load_text_rows(
    spec: str, split: str = "train", columns: Sequence[str] | None = None
) -> TextRows:
    """The text rows named by ``spec`` (see the module docstring).

    ``columns`` picks and orders columns (anchor, positive, negatives...); default all.

    Raises ``ValueError`` for an unknown source, split or column, ``FileNotFoundError``
    naming the path when a file does not exist, and ``DatasetNotFoundError`` (a subclass)
    saying what to install when built-in data is missing.

    Example:
        >>> load_text_rows("stsb").columns  # 10,566 distinct training sentences
        ('sentence',)
        >>> load_text_rows("jsonl:triplets.jsonl", columns=["query", "pos", "neg"])
    """
    if spec in ("stsb", "stsb-pairs"):
        if split not in STSB_SPLITS:
            raise ValueError(f"{spec} has splits 'train', 'dev' and 'test', got {split!r}.")
        stsb_split = cast(Literal["train", "dev", "test"], split)
        if spec == "stsb":
            rows = TextRows(("sentence",), [(s,) for s in stsb_sentences(stsb_split)])
        else:
            pairs = load_stsb(stsb_split)
            rows = TextRows(
                ("sentence1", "sentence2"),
                list(zip(pairs.sentences1, pairs.sentences2, strict=True)),
            )
        return rows if columns is None else rows.select(columns)
    if spec == "news":
        if split not in ("train", "test", "all"):
            raise ValueError(f"news has splits 'train', 'test' and 'all', got {split!r}.")
        rows = load_news_pairs(cast(Literal["train", "test", "all"], split))
        return rows if columns is None else rows.select(columns)
    kind, sep, rest = spec.partition(":")
    if not sep or kind not in FILE_KINDS:
        raise ValueError(f"unknown text source {spec!r}; use {', '.join(TEXT_SOURCES)}.")
    if not rest:
        raise ValueError(f"text source {spec!r} names no path; write {kind}:PATH.")
    if split != "train":
        raise ValueError(
            f"{kind}:PATH sources have one split, 'train', got {split!r}; name held-out "
            f"rows as another source (e.g. {kind}:HELD_OUT_PATH)."
        )
    path = Path(rest).expanduser()
    if not path.exists():
        raise FileNotFoundError(f"{path} does not exist (text source {spec!r}).")
    return read_text_rows(path, columns, format=cast(Literal["jsonl", "csv", "tsv"], kind))


def text_items(spec: str, split: str = "train") -> Items:
    """The texts of ``spec``'s first column as :class:`~contrastkit.types.Items`: ids
    ``SOURCE:SPLIT:I``, the texts, and the texts again as the ``texts`` column."""
    texts = load_text_rows(spec, split).column(0)
    return Items([f"{spec}:{split}:{i}" for i in range(len(texts))], texts, {"texts": texts})
