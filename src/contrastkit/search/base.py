"""The VectorIndex contract, search results, and the ``index.json`` card every saved index has.

An index holds vectors under string ids and answers top-k queries by cosine similarity or
dot product. Saved indexes are plain files — ``.npy`` arrays, FAISS's own binary format,
JSON — and never a pickle; ``index.json`` says which kind wrote them and, when an encoder
built the vectors, which one (its export directory and fingerprint), so a query is never
embedded by a different model than the corpus was.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol, runtime_checkable

import torch

Metric = Literal["cosine", "dot"]
CARD = "index.json"


@dataclass(frozen=True)
class Hits:
    """Top-k results of Q queries: ``ids[q]`` and ``scores[q]`` best first (ties by id).

    A query gets fewer than k hits when the index holds fewer than k vectors.
    """

    ids: list[list[str]]
    scores: list[list[float]]

    def __len__(self) -> int:
        return len(self.ids)


@runtime_checkable
class VectorIndex(Protocol):
    """Vectors under string ids; top-k search; add, remove, save."""

    metric: Metric
    dim: int

    def __len__(self) -> int: ...

    def add(self, ids: Sequence[str], vectors: torch.Tensor) -> None:
        """Add ``vectors`` (N, dim) under ``ids`` (N distinct, not yet in the index)."""
        ...

    def remove(self, ids: Sequence[str]) -> int:
        """Remove these ids (unknown ones are ignored); returns how many were removed."""
        ...

    def search(self, queries: torch.Tensor, k: int) -> Hits:
        """The ``k`` best vectors for each query row of ``queries`` (Q, dim)."""
        ...

    def vectors_of(self, ids: Sequence[str]) -> torch.Tensor:
        """The stored vectors of ``ids`` (``KeyError`` for one not in the index). ``(n, dim)``."""
        ...

    def save(self, directory: Path, *, card: Mapping[str, Any] | None = None) -> Path:
        """Write the index to ``directory`` (atomically); ``card`` adds fields to its
        ``index.json`` (the encoder that built it)."""
        ...


class SearchError(ValueError):
    """A mistake in using an index (the message says what was wrong and how to fix it)."""


@dataclass(frozen=True)
class IndexCard:
    """What ``index.json`` holds: the kind that wrote the files, the geometry, the encoder."""

    kind: str  # exact | faiss
    metric: Metric
    dim: int
    count: int
    encoder: dict[str, Any] = field(default_factory=dict)  # path, fingerprint, format, inputs
    extra: dict[str, Any] = field(default_factory=dict)  # the kind's own settings

    def write(self, directory: Path) -> None:
        card = {
            "format": "contrastkit-index/1",
            "kind": self.kind,
            "metric": self.metric,
            "dim": self.dim,
            "count": self.count,
            "encoder": self.encoder,
            **self.extra,
        }
        (directory / CARD).write_text(json.dumps(card, indent=2) + "\n")

    @classmethod
    def read(cls, directory: Path) -> IndexCard:
        path = directory / CARD
        if not path.is_file():
            raise FileNotFoundError(
                f"{directory} holds no {CARD}; build one with `contrastkit index`"
            )
        try:
            raw = json.loads(path.read_text())
        except (json.JSONDecodeError, UnicodeDecodeError) as e:
            raise SearchError(f"{path} is not valid JSON ({e})") from None
        known = {"format", "kind", "metric", "dim", "count", "encoder"}
        return cls(
            kind=raw["kind"],
            metric=raw["metric"],
            dim=int(raw["dim"]),
            count=int(raw["count"]),
            encoder=dict(raw.get("encoder") or {}),
            extra={k: v for k, v in raw.items() if k not in known},
        )


def check_vectors(vectors: torch.Tensor, dim: int, what: str = "vectors") -> torch.Tensor:
    """``vectors`` as a finite float tensor (N, dim), or a ValueError naming the problem."""
    if not isinstance(vectors, torch.Tensor):
        vectors = torch.as_tensor(vectors)
    if vectors.dim() == 1:
        vectors = vectors.unsqueeze(0)
    if vectors.dim() != 2 or vectors.shape[1] != dim:
        raise SearchError(f"{what} must be (N, {dim}), got {tuple(vectors.shape)}")
    if not vectors.is_floating_point():
        vectors = vectors.float()
    if not bool(torch.isfinite(vectors).all()):
        raise SearchError(f"{what} hold NaN or infinite values")
    return vectors


def check_ids(ids: Sequence[str], n: int, known: Mapping[str, Any]) -> list[str]:
    """``ids`` as a list of n distinct new strings, or a ValueError naming the first clash."""
    ids = list(ids)
    if len(ids) != n:
        raise SearchError(f"{n} vectors but {len(ids)} ids")
    if any(not isinstance(i, str) for i in ids):
        raise SearchError("ids must be strings")
    seen: set[str] = set()
    for i in ids:
        if i in known or i in seen:
            raise SearchError(f"id {i!r} is already in the index; remove it first to replace it")
        seen.add(i)
    return ids
