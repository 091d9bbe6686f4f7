"""A trained two-tower model as an Encoder and a recommender: every user's and item's vector
computed once, with what each user has already seen. Exported as ``towers.safetensors``
(vectors, seen pairs) + ``ids.json`` + ``card.json`` (format ``contrastkit-two-tower/1``).
Imports no training code."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import torch

from contrastkit.encoders import InputError, write_card

FORMAT = "contrastkit-two-tower/1"
TENSORS, IDS = "towers.safetensors", "ids.json"


class Recommender:
    """``encode(item ids)`` → item vectors; ``recommend(user id, k)`` → the k best items the
    user has not interacted with, by the dot product of the two towers' unit vectors.

    Args:
        user_vectors, item_vectors: ``(U, D)``, ``(I, D)``.
        users, items: the original ids, in row order.
        seen: ``(2, S)`` int64 (user row, item row) of the training interactions.
        titles: a display name per item, or None.
    """

    inputs = "items"

    def __init__(
        self,
        user_vectors: torch.Tensor,
        item_vectors: torch.Tensor,
        users: Sequence[str],
        items: Sequence[str],
        seen: torch.Tensor,
        titles: Sequence[str] | None = None,
    ) -> None:
        self.user_vectors, self.item_vectors = user_vectors.float(), item_vectors.float()
        self.users, self.items, self.seen = list(users), list(items), seen
        self.titles = list(titles) if titles is not None else None
        self.user_row = {u: i for i, u in enumerate(self.users)}
        self.item_row = {t: i for i, t in enumerate(self.items)}
        self.dim = int(item_vectors.shape[1])

    def encode(self, items: Any, *, batch_size: int = 256, progress: bool = False) -> torch.Tensor:
        rows = [self._item(str(i)) for i in items]
        return self.item_vectors[torch.tensor(rows, dtype=torch.long)]

    def parse(self, value: str | bytes, **_: Any) -> str:
        if not isinstance(value, str):
            raise InputError("send an item id as text")
        return value

    def seen_mask(self, user_rows: torch.Tensor) -> torch.Tensor:
        """``(len(user_rows), I)`` bool: the items each user trained with."""
        mask = torch.zeros(len(self.users), len(self.items), dtype=torch.bool)
        mask[self.seen[0], self.seen[1]] = True
        return mask[user_rows]

    def recommend(self, user: str, k: int = 10) -> list[tuple[str, float]]:
        """The ``k`` unseen items with the highest scores for ``user``, best first."""
        if user not in self.user_row:
            raise KeyError(f"unknown user {user!r}")
        row = self.user_row[user]
        scores = self.item_vectors @ self.user_vectors[row]
        scores[self.seen_mask(torch.tensor([row]))[0]] = -torch.inf
        top = scores.topk(min(k, len(self.items)))
        return [
            (self.items[i], float(s))
            for s, i in zip(top.values.tolist(), top.indices.tolist(), strict=True)
            if s > -torch.inf
        ]

    def title(self, item: str) -> str:
        return self.titles[self.item_row[item]] if self.titles else item

    def _item(self, item: str) -> int:
        if item not in self.item_row:
            raise InputError(f"unknown item {item!r}")
        return self.item_row[item]

    def save(
        self, directory: Path, *, card: Mapping[str, Any] | None = None, overwrite: bool = False
    ) -> Path:
        from safetensors.torch import save_file

        from contrastkit.atomic_dir import atomic_directory

        card = {"format": FORMAT, "task": "interactions", "dim": self.dim, **(card or {})}
        ids = {"users": self.users, "items": self.items, "titles": self.titles}
        with atomic_directory(Path(directory), overwrite=overwrite) as tmp:
            tensors = {"users": self.user_vectors, "items": self.item_vectors, "seen": self.seen}
            save_file({k: v.contiguous() for k, v in tensors.items()}, str(tmp / TENSORS))
            (tmp / IDS).write_text(json.dumps(ids))
            write_card(tmp, card)
        return Path(directory)


def load(directory: Path, card: Mapping[str, Any], device: torch.device) -> Recommender:
    """The :class:`Recommender` of an export (``encoders.load_encoder`` calls this)."""
    from safetensors.torch import load_file

    tensors = load_file(directory / TENSORS)
    ids = json.loads((directory / IDS).read_text())
    return Recommender(
        tensors["users"],
        tensors["items"],
        ids["users"],
        ids["items"],
        tensors["seen"],
        ids["titles"],
    )
