"""Exact top-k search in torch: every vector scored, in chunks merged as they go.

Memory during a search is O(queries × chunk + queries × k), never O(queries × N): each chunk
of stored rows is scored, its k best kept, and merged with the k best so far (the complaint
about sentence-transformers' ``semantic_search`` holding chunks × top-k hits, 60 GB on MS
MARCO, does not apply). Ties are broken by id (the smaller id first), exactly, even at the
k-th place. Storage is float32 or float16 (scores are always computed in float32); a saved
index larger than ``MMAP_BYTES`` is memory-mapped when loaded, so the OS pages it in as
chunks are scored. Removing ids marks their rows dead (masked out of every search) and
``save`` writes only the live rows.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from contrastkit.atomic_dir import atomic_directory
from contrastkit.search.base import (
    Hits,
    IndexCard,
    Metric,
    SearchError,
    check_ids,
    check_vectors,
)

MMAP_BYTES = 256 * 2**20  # vectors.npy above this opens memory-mapped
SCORE_BUDGET = 2**24  # scores held at once (queries × chunk rows): 64 MiB of float32
DTYPES = {"float32": torch.float32, "float16": torch.float16}


class ExactIndex:
    """Exact cosine or dot-product search over vectors with string ids.

    Args:
        dim: width of the vectors.
        metric: ``cosine`` (rows and queries are L2-normalised) or ``dot``.
        dtype: storage, ``float32`` or ``float16`` (half the memory; scores in float32).

    Example:
        >>> index = ExactIndex(384)
        >>> index.add(["a", "b"], torch.randn(2, 384))
        >>> index.search(torch.randn(1, 384), k=1).ids
        [['b']]
    """

    kind = "exact"

    def __init__(self, dim: int, *, metric: Metric = "cosine", dtype: str = "float32") -> None:
        if metric not in ("cosine", "dot"):
            raise SearchError(f"metric must be cosine or dot, got {metric!r}")
        if dtype not in DTYPES:
            raise SearchError(f"dtype must be float32 or float16, got {dtype!r}")
        if not (isinstance(dim, int) and dim >= 1):
            raise SearchError(f"dim must be a positive integer, got {dim!r}")
        self.dim, self.metric, self.dtype = dim, metric, dtype
        self._blocks: list[torch.Tensor] = []  # (n_i, dim) in storage dtype, rows in order
        self._ids: list[str] = []  # row → id (removed rows keep theirs)
        self._row: dict[str, int] = {}  # live id → row
        self._alive = torch.zeros(0, dtype=torch.bool)
        self._ranks: torch.Tensor | None = None  # row → rank of its id in sorted order

    def __len__(self) -> int:
        return len(self._row)

    def __contains__(self, id: object) -> bool:
        return id in self._row

    def add(self, ids: Sequence[str], vectors: torch.Tensor) -> None:
        vectors = check_vectors(vectors, self.dim)
        ids = check_ids(ids, len(vectors), self._row)
        rows = self._prepare(vectors).to(DTYPES[self.dtype])
        start = len(self._ids)
        self._blocks.append(rows)
        self._ids.extend(ids)
        self._row.update({i: start + n for n, i in enumerate(ids)})
        self._alive = torch.cat([self._alive, torch.ones(len(ids), dtype=torch.bool)])
        self._ranks = None

    def remove(self, ids: Sequence[str]) -> int:
        removed = 0
        for i in ids:
            row = self._row.pop(i, None)
            if row is not None:
                self._alive[row] = False
                removed += 1
        return removed

    def vectors_of(self, ids: Sequence[str]) -> torch.Tensor:
        """The stored (normalised, for cosine) vectors of ``ids``, float32. ``(n, dim)``."""
        missing = [i for i in ids if i not in self._row]
        if missing:
            raise KeyError(f"not in the index: {missing[0]!r}")
        rows = torch.tensor([self._row[i] for i in ids], dtype=torch.long)
        return self._rows_at(rows)

    def search(self, queries: torch.Tensor, k: int) -> Hits:
        queries = self._prepare(check_vectors(queries, self.dim, "queries"))
        if not (isinstance(k, int) and k >= 1):
            raise SearchError(f"k must be a positive integer, got {k!r}")
        k = min(k, len(self))
        if k == 0:
            return Hits([[] for _ in range(len(queries))], [[] for _ in range(len(queries))])
        ranks = self._id_ranks()
        chunk = max(1024, SCORE_BUDGET // max(1, min(len(queries), 1024)))
        ids: list[list[str]] = []
        scores: list[list[float]] = []
        for q in queries.split(1024):  # (≤ 1024, dim)
            best_s, best_r = _empty(len(q), device=q.device)
            for start, block in self._chunks(chunk):
                s = q @ block.float().T  # (Q, C)
                s[:, ~self._alive[start : start + len(block)]] = -torch.inf
                rows = torch.arange(start, start + len(block))
                cand_s, cand_r = _top_by_score_then_id(s, rows, ranks, k)
                best_s, best_r = _merge(best_s, best_r, cand_s, cand_r, ranks, k)
            for s_row, r_row in zip(best_s.tolist(), best_r.tolist(), strict=True):
                kept = [(sc, r) for sc, r in zip(s_row, r_row, strict=True) if sc != -np.inf]
                ids.append([self._ids[r] for _, r in kept])
                scores.append([sc for sc, _ in kept])
        return Hits(ids, scores)

    def save(self, directory: Path, *, card: Mapping[str, Any] | None = None) -> Path:
        """``vectors.npy`` (live rows, storage dtype), ``ids.json`` and ``index.json``."""
        live = self._alive.nonzero().squeeze(1)
        with atomic_directory(Path(directory), overwrite=True) as tmp:
            out = np.lib.format.open_memmap(
                tmp / "vectors.npy", mode="w+", dtype=self.dtype, shape=(len(live), self.dim)
            )
            for start in range(0, len(live), 65536):
                rows = live[start : start + 65536]
                out[start : start + len(rows)] = self._rows_at(rows, keep_dtype=True).numpy()
            out.flush()
            del out
            (tmp / "ids.json").write_text(json.dumps([self._ids[r] for r in live.tolist()]))
            IndexCard(
                self.kind,
                self.metric,
                self.dim,
                len(live),
                extra={"dtype": self.dtype, **(card or {})},
            ).write(tmp)
        return Path(directory)

    @classmethod
    def load(cls, directory: Path, *, mmap: bool | None = None) -> ExactIndex:
        """The index saved in ``directory``; memory-mapped when ``mmap`` (default: when the
        vectors file is larger than ``MMAP_BYTES``)."""
        card = IndexCard.read(directory)
        index = cls(card.dim, metric=card.metric, dtype=str(card.extra.get("dtype", "float32")))
        path = directory / "vectors.npy"
        mmap = path.stat().st_size > MMAP_BYTES if mmap is None else mmap
        # "c": copy-on-write pages, so torch gets a writable array without reading the file
        vectors = np.load(path, mmap_mode="c" if mmap else None, allow_pickle=False)
        ids = json.loads((directory / "ids.json").read_text())
        if vectors.shape != (len(ids), card.dim) or vectors.dtype != np.dtype(index.dtype):
            raise SearchError(f"{directory} is damaged: vectors {vectors.shape} for {len(ids)} ids")
        block = torch.from_numpy(vectors)
        index._blocks = [block] if len(block) else []
        index._ids = list(ids)
        index._row = {i: n for n, i in enumerate(ids)}
        if len(index._row) != len(ids):
            raise SearchError(f"{directory} is damaged: ids repeat")
        index._alive = torch.ones(len(ids), dtype=torch.bool)
        return index

    def _prepare(self, vectors: torch.Tensor) -> torch.Tensor:
        vectors = vectors.float()
        return F.normalize(vectors, dim=1) if self.metric == "cosine" else vectors

    def _chunks(self, size: int) -> Iterator[tuple[int, torch.Tensor]]:
        """(first row, rows) in storage order, at most ``size`` rows at a time."""
        start = 0
        for block in self._blocks:
            for offset in range(0, len(block), size):
                yield start + offset, block[offset : offset + size]
            start += len(block)

    def _rows_at(self, rows: torch.Tensor, keep_dtype: bool = False) -> torch.Tensor:
        bounds = torch.tensor([0, *np.cumsum([len(b) for b in self._blocks]).tolist()])
        block_of = torch.searchsorted(bounds, rows, right=True) - 1
        out = torch.empty(
            len(rows), self.dim, dtype=DTYPES[self.dtype] if keep_dtype else torch.float32
        )
        for b in block_of.unique().tolist():
            at = (block_of == b).nonzero().squeeze(1)
            out[at] = self._blocks[b][rows[at] - bounds[b]].to(out.dtype)
        return out

    def _id_ranks(self) -> torch.Tensor:
        if self._ranks is None or len(self._ranks) != len(self._ids):
            order = sorted(range(len(self._ids)), key=self._ids.__getitem__)
            ranks = torch.empty(len(order), dtype=torch.long)
            ranks[torch.tensor(order, dtype=torch.long)] = torch.arange(len(order))
            self._ranks = ranks
        return self._ranks


def _empty(q: int, device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
    return torch.empty(q, 0, device=device), torch.empty(q, 0, dtype=torch.long)


def _top_by_score_then_id(
    s: torch.Tensor, rows: torch.Tensor, ranks: torch.Tensor, k: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """The k best of each row of ``s`` (Q, C) by score, then by id rank: (scores, rows).

    ``topk`` alone picks arbitrarily among scores equal to the k-th; rows where such a tie
    crosses the cut are redone by score and id (rare: equal float scores).
    """
    k = min(k, s.shape[1])
    top_s, top_i = s.topk(k, dim=1)  # (Q, k)
    cut = top_s[:, -1:]  # (Q, 1)
    tied = ((s == cut).sum(1) > (top_s == cut).sum(1)) & torch.isfinite(cut[:, 0])
    for q in tied.nonzero().squeeze(1).tolist():
        above = (s[q] > cut[q]).nonzero().squeeze(1)
        at = (s[q] == cut[q]).nonzero().squeeze(1)
        at = at[ranks[rows[at]].argsort()][: k - len(above)]
        top_i[q] = torch.cat([above, at])
        top_s[q] = s[q, top_i[q]]
    return top_s, rows[top_i]


def _merge(
    s1: torch.Tensor,
    r1: torch.Tensor,
    s2: torch.Tensor,
    r2: torch.Tensor,
    ranks: torch.Tensor,
    k: int,
) -> tuple[torch.Tensor, torch.Tensor]:
    """The k best of two candidate sets, by score (descending) then id rank (ascending)."""
    s, r = torch.cat([s1, s2], dim=1), torch.cat([r1, r2], dim=1)  # (Q, ≤ 2k)
    by_id = ranks[r].argsort(dim=1, stable=True)
    s, r = s.gather(1, by_id), r.gather(1, by_id)
    by_score = s.argsort(dim=1, descending=True, stable=True)[:, :k]
    return s.gather(1, by_score), r.gather(1, by_score)
