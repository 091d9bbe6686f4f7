"""Pairs and SimCSE on a tiny BERT: closed forms in eval mode, the loss they compose, and two
steps of the real loop (``contrastkit.api.train``).

In eval mode SimCSE's two views are the same embeddings z, so its loss is the InfoNCE of
identical rows: with unit rows the logits z zᵀ/τ have 1/τ on the diagonal, computed here by
hand. Pairs is ``info_nce`` of the encoded columns, the third column its hard negatives.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from contrastkit.api import train
from contrastkit.engine.checkpoint import list_checkpoints, load_checkpoint
from contrastkit.losses import info_nce
from contrastkit.methods import Pairs, SimCSE
from contrastkit.tasks import load_config
from contrastkit.tasks.text.config import TextConfig
from contrastkit.text import TextEncoder
from contrastkit.types import TextBatch
from text.text_fakes import SENTENCES, TRIPLETS, write_triplets_jsonl

TAU = 0.05
ANCHORS, POSITIVES, NEGATIVES = (list(c) for c in zip(*TRIPLETS[:6], strict=True))


@pytest.fixture
def encoder(tiny_bert_dir: Path) -> TextEncoder:
    return TextEncoder.from_pretrained(tiny_bert_dir)


def _batch(encoder: TextEncoder, *columns: Sequence[str]) -> TextBatch:
    return TextBatch(tuple(encoder.tokenize(c) for c in columns))


def _embed(encoder: TextEncoder, texts: Sequence[str]) -> torch.Tensor:
    return encoder(encoder.tokenize(texts))  # (B, D)


def test_simcse_in_eval_mode_is_info_nce_of_identical_embeddings(encoder):
    method = SimCSE(encoder, temperature=TAU).eval()
    out = method.training_step(_batch(encoder, SENTENCES))
    z = _embed(encoder, SENTENCES).detach().double()  # (B, D), unit rows
    logits = z @ z.T / TAU  # (B, B)
    assert torch.allclose(logits.diagonal(), torch.full((len(SENTENCES),), 1 / TAU).double())
    expected = -(logits.diagonal() - logits.logsumexp(dim=1)).mean()
    assert out.loss.item() == pytest.approx(expected.item(), rel=1e-5)
    assert torch.equal(out.z1, out.z2)


def test_simcse_views_differ_by_dropout_only(encoder):
    method = SimCSE(encoder, temperature=TAU).train()
    batch = _batch(encoder, SENTENCES)
    out = method.training_step(batch)
    assert not torch.allclose(out.z1, out.z2)
    for module in encoder.modules():
        if isinstance(module, nn.Dropout):
            module.p = 0.0
    out = method.training_step(batch)
    assert torch.equal(out.z1, out.z2)


def test_pairs_is_info_nce_with_the_hard_negative_column(encoder):
    method = Pairs(encoder, temperature=TAU).eval()
    out = method.training_step(_batch(encoder, ANCHORS, POSITIVES, NEGATIVES))
    a, p, n = (_embed(encoder, c) for c in (ANCHORS, POSITIVES, NEGATIVES))
    torch.testing.assert_close(out.loss, info_nce(a, p, temperature=TAU, negatives=n))
    assert out.loss > info_nce(a, p, temperature=TAU)  # the negatives are in the denominator
    torch.testing.assert_close(out.z1, a.detach())
    torch.testing.assert_close(out.z2, p.detach())


def test_symmetric_pairs_average_both_directions(encoder):
    batch = _batch(encoder, ANCHORS, POSITIVES, NEGATIVES)
    one_way = Pairs(encoder, temperature=TAU).eval().training_step(batch).loss
    both = Pairs(encoder, temperature=TAU, symmetric=True).eval().training_step(batch).loss
    a, p, n = (_embed(encoder, c).detach() for c in (ANCHORS, POSITIVES, NEGATIVES))
    labels = torch.arange(len(ANCHORS))
    # anchors pick their positive among positives and negatives; positives their anchor
    forward = F.cross_entropy(a @ torch.cat([p, n]).T / TAU, labels)
    backward = F.cross_entropy(p @ a.T / TAU, labels)
    torch.testing.assert_close(one_way, forward)
    torch.testing.assert_close(both, (forward + backward) / 2)
    assert not torch.allclose(both, one_way)


def test_pairs_rejects_a_one_column_batch(encoder):
    with pytest.raises(ValueError, match="got one"):
        Pairs(encoder).training_step(_batch(encoder, ANCHORS))


@pytest.mark.parametrize(
    ("method", "columns"), [("pairs", "[query, positive, negative]"), ("simcse", "[query]")]
)
def test_two_loop_steps_give_finite_losses_and_move_the_encoder(
    tiny_bert_dir, tmp_path, method, columns
):
    source = write_triplets_jsonl(tmp_path / "rows.jsonl")
    cfg = load_config(
        overrides=[
            f"method={method}",
            f"data.source={source}",
            f"data.columns={columns}",
            f"model.name={tiny_bert_dir}",
            "optim.batch_size=4",
            "optim.lr=1e-3",
            "steps=2",
            "log_every=1",
            "device=cpu",
        ]
    )
    assert isinstance(cfg, TextConfig)
    train(cfg, out=tmp_path / "run", progress=False)

    rows = [json.loads(r) for r in (tmp_path / "run" / "metrics.jsonl").read_text().splitlines()]
    assert [r["step"] for r in rows] == [1, 2]
    assert all(math.isfinite(r["loss"]) and r["loss"] > 0 for r in rows)
    after = load_checkpoint(list_checkpoints(tmp_path / "run" / "checkpoints")[-1])["model"]
    before = {
        f"encoder.{k}": v
        for k, v in TextEncoder.from_pretrained(tiny_bert_dir).state_dict().items()
    }
    moved = {k for k, v in before.items() if not torch.equal(v, after[k])}
    assert "encoder.model.embeddings.word_embeddings.weight" in moved
    assert any(k.startswith("encoder.model.encoder.layer.1.") for k in moved)
