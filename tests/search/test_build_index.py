"""build_index (search/build.py): shards that survive an interruption, and the index card."""

from __future__ import annotations

import json

import pytest
import torch

from contrastkit.search import ExactIndex, open_index
from contrastkit.search.build import build_index


class LinearEncoder:
    """A fixed linear map as the encoder; counts the items it embeds, fails on request."""

    inputs, dim = "vectors", 3

    def __init__(self, fail_at_call: int | None = None) -> None:
        self.weight = torch.arange(12, dtype=torch.float32).view(4, 3) - 5
        self.calls, self.fail_at_call = [], fail_at_call

    def encode(self, items, *, batch_size=64, progress=False):
        if len(self.calls) == self.fail_at_call:
            raise KeyboardInterrupt("killed")
        self.calls.append(len(items))
        return torch.as_tensor(items) @ self.weight


CORPUS = torch.randn(10, 4)
IDS = [f"v{i}" for i in range(10)]
CARD = {
    "encoder": {"fingerprint": "abc", "path": "/models/x"},
    "source": "vectors",
    "split": "train",
}


def build(encoder, out, shard_size=3):
    return build_index(
        ExactIndex(3), encoder, IDS, lambda a, b: CORPUS[a:b], out, card=CARD,
        shard_size=shard_size, progress=False,
    )  # fmt: skip


def test_an_interrupted_build_keeps_its_finished_shards(tmp_path):
    with pytest.raises(KeyboardInterrupt):
        build(LinearEncoder(fail_at_call=2), tmp_path / "idx")
    assert not (tmp_path / "idx").exists()
    assert sorted(p.name for p in (tmp_path / "idx.partial").glob("shard-*.npy")) == [
        "shard-00000.npy",
        "shard-00001.npy",
    ]
    again = LinearEncoder()
    index = build(again, tmp_path / "idx")
    assert again.calls == [3, 1]  # shards 2 and 3 only
    assert not (tmp_path / "idx.partial").exists()
    clean = build(LinearEncoder(), tmp_path / "clean")
    queries = torch.randn(4, 3)
    assert index.search(queries, k=5) == clean.search(queries, k=5)
    card = json.loads((tmp_path / "idx" / "index.json").read_text())
    assert (
        card["encoder"] == CARD["encoder"] and card["source"] == "vectors" and card["count"] == 10
    )
    assert len(open_index(tmp_path / "idx")) == 10


def test_a_different_plan_starts_over(tmp_path):
    with pytest.raises(KeyboardInterrupt):
        build(LinearEncoder(fail_at_call=2), tmp_path / "idx")
    fresh = LinearEncoder()
    build(fresh, tmp_path / "idx", shard_size=5)  # another shard size: the old shards are void
    assert fresh.calls == [5, 5]
