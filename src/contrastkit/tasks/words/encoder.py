"""Word vectors as an Encoder: words (or texts, as the mean of their words' vectors) in,
vectors out. Exported as ``vectors.bin`` and ``vectors.txt`` in word2vec's formats (gensim's
``KeyedVectors.load_word2vec_format`` reads either) + ``card.json`` (format
``contrastkit-words/1``). Imports no training code."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import torch

from contrastkit.data.corpus import tokenize
from contrastkit.encoders import InputError, write_card
from contrastkit.tasks.words import word2vec_format

FORMAT = "contrastkit-words/1"
BINARY, TEXT = "vectors.bin", "vectors.txt"


class WordVectors:
    """``encode(texts)``: each text's words (lower-cased, split as the corpus was) looked up
    and averaged; a text with no known word gets a zero vector. One word per text gives that
    word's vector."""

    inputs = "text"

    def __init__(self, words: Sequence[str], vectors: torch.Tensor) -> None:
        self.words, self.vectors = list(words), vectors.detach().float().cpu()
        self.index = {w: i for i, w in enumerate(self.words)}
        self.dim = int(self.vectors.shape[1])

    def encode(self, items: Any, *, batch_size: int = 256, progress: bool = False) -> torch.Tensor:
        if isinstance(items, str):
            raise TypeError("encode takes a list of texts; wrap a single one in a list")
        out = torch.zeros(len(items), self.dim)
        for row, text in enumerate(items):
            known = [self.index[w] for w in tokenize(text) if w in self.index]
            if known:
                out[row] = self.vectors[known].mean(dim=0)
        return out

    def parse(self, value: str | bytes, **_: Any) -> str:
        if not isinstance(value, str):
            raise InputError("this encoder embeds words and texts; send text")
        return value

    def nearest(self, word: str, k: int = 10) -> list[tuple[str, float]]:
        """The ``k`` words nearest to ``word`` by cosine (itself left out)."""
        if word not in self.index:
            raise KeyError(f"{word!r} is not in the vocabulary")
        unit = torch.nn.functional.normalize(self.vectors, dim=1)
        scores = unit @ unit[self.index[word]]
        scores[self.index[word]] = -torch.inf
        top = scores.topk(min(k, len(self.words) - 1))
        return [(self.words[i], float(s)) for s, i in zip(top.values, top.indices, strict=True)]

    def save(
        self, directory: Path, *, card: Mapping[str, Any] | None = None, overwrite: bool = False
    ) -> Path:
        from contrastkit.atomic_dir import atomic_directory

        card = {"format": FORMAT, "task": "words", "dim": self.dim, "words": len(self.words),
                **(card or {})}  # fmt: skip
        with atomic_directory(Path(directory), overwrite=overwrite) as tmp:
            word2vec_format.write_binary(tmp / BINARY, self.words, self.vectors)
            word2vec_format.write_text(tmp / TEXT, self.words, self.vectors)
            write_card(tmp, card)
        return Path(directory)


def load(directory: Path, card: Mapping[str, Any], device: torch.device) -> WordVectors:
    """The :class:`WordVectors` of an export (``encoders.load_encoder`` calls this)."""
    words, vectors = word2vec_format.read(directory / BINARY)
    return WordVectors(words, vectors)
