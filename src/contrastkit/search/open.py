"""An index together with the encoder that built it: what ``search``, ``serve`` and ``mine`` open.

The index's ``index.json`` names its encoder (the export directory and its fingerprint);
:func:`open_searcher` opens both and refuses an encoder whose fingerprint differs from the
one that embedded the corpus, so queries and corpus always share one embedding space.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from contrastkit.encoders import Encoder, ParsesInputs, ReadsSources, fingerprint, load_encoder
from contrastkit.search import ExactIndex, FaissIndex, Hits, IndexCard, SearchError, open_index
from contrastkit.types import Items


@dataclass
class Searcher:
    """An index, its card, the encoder that built it and (when it can read it) the corpus."""

    index: ExactIndex | FaissIndex
    card: IndexCard
    encoder: Encoder
    corpus: Items | None = None  # the indexed items, for previews

    def embed(self, values: list[str | bytes]) -> torch.Tensor:
        """Request inputs (texts, image bytes) → embeddings, through the encoder's ``parse``."""
        if not isinstance(self.encoder, ParsesInputs):
            raise SearchError(
                f"the {type(self.encoder).__name__} encoder cannot take request inputs"
            )
        return self.encoder.encode([self.encoder.parse(v) for v in values])

    def search(self, values: list[str | bytes], k: int) -> Hits:
        return self.index.search(self.embed(values), k)

    def preview(self, id: str) -> dict[str, str]:
        """What a page shows for a result (``{}`` when the corpus cannot be read here)."""
        if self.corpus is None or not isinstance(self.encoder, ReadsSources):
            return {}
        position = self._position_of.get(id)
        return {} if position is None else self.encoder.preview(self.corpus, position)

    def item(self, id: str) -> Any:
        """Indexed item ``id`` as the encoder takes it; KeyError when it is not in the index
        or the corpus cannot be read here."""
        if self.corpus is None or not isinstance(self.encoder, ReadsSources):
            raise KeyError(id)
        return self.encoder.item(self.corpus, self._position_of[id])

    @functools.cached_property
    def _position_of(self) -> dict[str, int]:
        return {i: n for n, i in enumerate(self.corpus.ids)} if self.corpus is not None else {}


def open_searcher(
    index_dir: str | Path,
    *,
    model: str | Path | None = None,
    device: str | torch.device = "cpu",
    corpus: bool = False,
) -> Searcher:
    """Open the index in ``index_dir`` and its encoder (``model``, default the export its card
    names); with ``corpus``, also read the indexed source for previews."""
    index_dir = Path(index_dir).expanduser()
    index = open_index(index_dir)
    card = IndexCard.read(index_dir)
    built_by = card.encoder
    path = Path(model).expanduser() if model is not None else _recorded_path(built_by, index_dir)
    encoder = load_encoder(path, device=device)
    if built_by.get("fingerprint") and fingerprint(path) != built_by["fingerprint"]:
        raise SearchError(
            f"{path} is not the encoder that built {index_dir} (it was {built_by.get('path')}, "
            "fingerprint differs); queries must be embedded by the same model: pass that export "
            "with --model, or rebuild the index"
        )
    if encoder.dim != card.dim:
        raise SearchError(
            f"the encoder gives {encoder.dim}-d vectors but the index holds {card.dim}-d"
        )
    items = _corpus(encoder, card) if corpus else None
    return Searcher(index, card, encoder, items)


def _recorded_path(built_by: dict[str, Any], index_dir: Path) -> Path:
    recorded = built_by.get("path")
    if not recorded:
        raise SearchError(f"{index_dir} does not record its encoder; pass the export with --model")
    path = Path(recorded)
    if not path.is_dir():
        raise FileNotFoundError(
            f"the encoder that built {index_dir} was {path}, which no longer exists; pass it with --model"
        )
    return path


def _corpus(encoder: Encoder, card: IndexCard) -> Items | None:
    source, split = card.extra.get("source"), card.extra.get("split", "train")
    if source is None or not isinstance(encoder, ReadsSources):
        return None
    return encoder.read(str(source), str(split))
