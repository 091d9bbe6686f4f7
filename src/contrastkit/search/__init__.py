"""Vector search: the VectorIndex contract, an exact torch index and FAISS indexes.

* :class:`ExactIndex` — exact cosine/dot top-k in chunks, ties by id, float32 or float16,
  memory-mapped when large (no extra dependency);
* :class:`FaissIndex` — FAISS Flat, HNSW (deletions as tombstones filtered in the graph
  walk) or IVF-PQ (the ``[search]`` extra, faiss-cpu).

:func:`open_index` opens any saved index from its ``index.json``. Imports no training code.
"""

from __future__ import annotations

from pathlib import Path

from contrastkit.search.base import CARD, Hits, IndexCard, SearchError, VectorIndex
from contrastkit.search.exact import ExactIndex
from contrastkit.search.faiss_index import FaissIndex

KINDS: dict[str, type[ExactIndex] | type[FaissIndex]] = {"exact": ExactIndex, "faiss": FaissIndex}

__all__ = [
    "CARD",
    "KINDS",
    "ExactIndex",
    "FaissIndex",
    "Hits",
    "IndexCard",
    "SearchError",
    "VectorIndex",
    "open_index",
]


def open_index(directory: str | Path) -> ExactIndex | FaissIndex:
    """The index saved in ``directory``, whichever kind wrote it."""
    directory = Path(directory).expanduser()
    if not directory.is_dir():
        raise FileNotFoundError(f"index directory {directory} does not exist")
    kind = IndexCard.read(directory).kind
    if kind not in KINDS:
        raise SearchError(
            f"{directory} holds a {kind!r} index; this contrastkit opens {sorted(KINDS)}"
        )
    return KINDS[kind].load(directory)
