"""FAISS indexes — Flat, HNSW, IVF-PQ — behind the same VectorIndex contract (``[search]`` extra).

String ids map to FAISS's int64 labels (kept beside the index in ``ids.json``). Cosine is inner
product on L2-normalised rows. Flat and IVF-PQ remove ids for real; HNSW cannot (FAISS's graph
has no deletion, a complaint of its users), so removed HNSW labels become tombstones that every
search excludes with an ``IDSelector`` *inside* the graph walk: a query still gets k live hits.
Results are ordered by score, ties by id. Saved with FAISS's own binary writer, no pickle.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np
import torch
import torch.nn.functional as F

from contrastkit.atomic_dir import atomic_directory
from contrastkit.search.base import Hits, IndexCard, Metric, SearchError, check_ids, check_vectors

Structure = Literal["flat", "hnsw", "ivfpq"]
DEFAULTS: dict[str, dict[str, int]] = {
    "flat": {},
    "hnsw": {"hnsw_m": 32, "ef_construction": 200, "ef_search": 128},
    "ivfpq": {"nlist": 1024, "pq_m": 16, "pq_bits": 8, "nprobe": 32},
}


def _faiss() -> Any:
    try:
        import faiss
    except ImportError:
        raise SearchError(
            "FAISS indexes need faiss-cpu: pip install 'contrastkit[search]' (or use the exact index)"
        ) from None
    return faiss


class FaissIndex:
    """A FAISS index with string ids.

    Args:
        dim: width of the vectors.
        metric: ``cosine`` or ``dot``.
        structure: ``flat`` (exact), ``hnsw`` (graph; ``hnsw_m``, ``ef_construction``,
            ``ef_search``) or ``ivfpq`` (inverted lists of product-quantised codes; ``nlist``,
            ``pq_m``, ``pq_bits``, ``nprobe``; trained on the first vectors added, which
            should number at least 39 × nlist).
        options: the structure's parameters (see ``DEFAULTS``).
    """

    kind = "faiss"

    def __init__(
        self, dim: int, *, metric: Metric = "cosine", structure: Structure = "hnsw", **options: int
    ) -> None:
        if metric not in ("cosine", "dot"):
            raise SearchError(f"metric must be cosine or dot, got {metric!r}")
        if structure not in DEFAULTS:
            raise SearchError(f"structure must be flat, hnsw or ivfpq, got {structure!r}")
        unknown = sorted(set(options) - set(DEFAULTS[structure]))
        if unknown:
            raise SearchError(
                f"unknown {structure} options {unknown}; known: {sorted(DEFAULTS[structure])}"
            )
        self.dim, self.metric, self.structure = dim, metric, structure
        self.options = {**DEFAULTS[structure], **options}
        self._index = self._build()
        self._label: dict[str, int] = {}  # live id → label
        self._id: dict[int, str] = {}  # label → id (live and, for HNSW, tombstoned)
        self._dead: set[int] = set()  # HNSW labels removed
        self._next = 0

    def __len__(self) -> int:
        return len(self._label)

    def __contains__(self, id: object) -> bool:
        return id in self._label

    def add(self, ids: Sequence[str], vectors: torch.Tensor) -> None:
        vectors = check_vectors(vectors, self.dim)
        ids = check_ids(ids, len(vectors), self._label)
        x = self._prepare(vectors)
        if not self._index.is_trained:  # IVF-PQ, before its first vectors
            if len(x) < self.options.get("nlist", 1):
                raise SearchError(
                    f"an IVF-PQ index trains on its first vectors: {len(x)} given, nlist is "
                    f"{self.options['nlist']}; add at least that many at once or lower nlist"
                )
            self._index.train(x)
        labels = np.arange(self._next, self._next + len(ids), dtype=np.int64)
        self._index.add_with_ids(x, labels)
        self._next += len(ids)
        self._label.update(zip(ids, labels.tolist(), strict=True))
        self._id.update(zip(labels.tolist(), ids, strict=True))

    def remove(self, ids: Sequence[str]) -> int:
        labels = [self._label.pop(i) for i in ids if i in self._label]
        if not labels:
            return 0
        if self.structure == "hnsw":
            self._dead.update(labels)
        else:
            self._index.remove_ids(np.asarray(labels, dtype=np.int64))
            for label in labels:
                del self._id[label]
        return len(labels)

    def vectors_of(self, ids: Sequence[str]) -> torch.Tensor:
        """The stored vectors of ``ids`` (IVF-PQ: their quantised approximation). ``(n, dim)``."""
        missing = [i for i in ids if i not in self._label]
        if missing:
            raise KeyError(f"not in the index: {missing[0]!r}")
        rows = [self._index.reconstruct(self._label[i]) for i in ids]
        return torch.from_numpy(np.stack(rows)) if rows else torch.empty(0, self.dim)

    def search(self, queries: torch.Tensor, k: int) -> Hits:
        queries = check_vectors(queries, self.dim, "queries")
        if not (isinstance(k, int) and k >= 1):
            raise SearchError(f"k must be a positive integer, got {k!r}")
        k = min(k, len(self))
        if k == 0:
            return Hits([[] for _ in range(len(queries))], [[] for _ in range(len(queries))])
        scores, labels = self._index.search(self._prepare(queries), k, params=self._params())
        ids, kept = [], []
        for s_row, l_row in zip(scores.tolist(), labels.tolist(), strict=True):
            hits = sorted(
                ((s, self._id[label]) for s, label in zip(s_row, l_row, strict=True) if label >= 0),
                key=lambda hit: (-hit[0], hit[1]),
            )
            ids.append([i for _, i in hits])
            kept.append([s for s, _ in hits])
        return Hits(ids, kept)

    def save(self, directory: Path, *, card: Mapping[str, Any] | None = None) -> Path:
        faiss = _faiss()
        with atomic_directory(Path(directory), overwrite=True) as tmp:
            faiss.write_index(self._index, str(tmp / "faiss.index"))
            state = {
                "labels": sorted(self._id.items()),
                "dead": sorted(self._dead),
                "next": self._next,
            }
            (tmp / "ids.json").write_text(json.dumps(state))
            extra = {"structure": self.structure, "options": self.options, **(card or {})}
            IndexCard(self.kind, self.metric, self.dim, len(self), extra=extra).write(tmp)
        return Path(directory)

    @classmethod
    def load(cls, directory: Path) -> FaissIndex:
        card = IndexCard.read(directory)
        index = cls(
            card.dim, metric=card.metric, structure=card.extra["structure"], **card.extra["options"]
        )
        index._index = _faiss().read_index(str(directory / "faiss.index"))
        state = json.loads((directory / "ids.json").read_text())
        index._id = {int(label): str(i) for label, i in state["labels"]}
        index._dead = {int(label) for label in state["dead"]}
        index._label = {i: label for label, i in index._id.items() if label not in index._dead}
        index._next = int(state["next"])
        return index

    def _build(self) -> Any:
        faiss, d, o = _faiss(), self.dim, self.options
        ip = faiss.METRIC_INNER_PRODUCT
        if self.structure == "flat":
            inner = faiss.IndexFlatIP(d)
        elif self.structure == "hnsw":
            inner = faiss.IndexHNSWFlat(d, o["hnsw_m"], ip)
            inner.hnsw.efConstruction = o["ef_construction"]
        else:
            if d % o["pq_m"]:
                raise SearchError(f"pq_m ({o['pq_m']}) must divide the dimension ({d})")
            inner = faiss.IndexIVFPQ(
                faiss.IndexFlatIP(d), d, o["nlist"], o["pq_m"], o["pq_bits"], ip
            )
        return faiss.IndexIDMap2(inner)

    def _params(self) -> Any:
        faiss, o = _faiss(), self.options
        selector = (
            faiss.IDSelectorNot(faiss.IDSelectorBatch(np.fromiter(self._dead, dtype=np.int64)))
            if self._dead
            else None
        )
        if self.structure == "hnsw":
            return faiss.SearchParametersHNSW(sel=selector, efSearch=o["ef_search"])
        if self.structure == "ivfpq":
            return faiss.SearchParametersIVF(sel=selector, nprobe=o["nprobe"])
        return faiss.SearchParameters(sel=selector)

    def _prepare(self, vectors: torch.Tensor) -> np.ndarray:
        x = vectors.float()
        x = F.normalize(x, dim=1) if self.metric == "cosine" else x
        return np.ascontiguousarray(x.numpy(), dtype=np.float32)
