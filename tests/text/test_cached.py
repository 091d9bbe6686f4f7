"""Gradient caching gives the uncached loss and gradients, in any mini-batch size."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from contrastkit.methods import Pairs
from contrastkit.text import TextEncoder
from contrastkit.text.cached import _chunks, _RngState, embed_columns
from contrastkit.types import TextBatch


@pytest.fixture
def encoder(tiny_bert_dir: Path) -> TextEncoder:
    return TextEncoder.from_pretrained(tiny_bert_dir).double()


def _batch(encoder: TextEncoder, sentences: list[str]) -> TextBatch:
    half = len(sentences) // 2
    return TextBatch(
        (
            encoder.tokenize(sentences[:half]),
            encoder.tokenize(sentences[half:]),
            encoder.tokenize(sentences[::-1][:half]),
        )
    )


def _grads(
    encoder: TextEncoder, method: Pairs, batch: TextBatch, scale: float
) -> tuple[float, list[torch.Tensor]]:
    encoder.zero_grad()
    out = method.training_step(batch)
    (out.loss * scale).backward()
    return out.loss.item(), [p.grad.clone() for p in encoder.parameters() if p.grad is not None]


@pytest.mark.parametrize("mini_batch", [1, 4, 5, 100])
@pytest.mark.parametrize("symmetric", [False, True])
def test_cached_loss_and_gradients_equal_uncached(
    encoder: TextEncoder, sentences: list[str], mini_batch: int, symmetric: bool
) -> None:
    encoder.eval()  # no dropout: both paths see the same function
    batch = _batch(encoder, sentences)
    plain = Pairs(encoder, symmetric=symmetric)
    cached = Pairs(encoder, symmetric=symmetric, cache_batch=mini_batch)
    loss, grads = _grads(encoder, plain, batch, scale=0.5)
    loss_c, grads_c = _grads(encoder, cached, batch, scale=0.5)  # 0.5: as under accumulation
    assert loss_c == pytest.approx(loss, abs=1e-12)
    assert len(grads) == len(grads_c) > 0
    for g, gc in zip(grads, grads_c, strict=True):
        torch.testing.assert_close(gc, g, atol=1e-10, rtol=1e-8)


def test_cached_replay_reproduces_dropout(encoder: TextEncoder, sentences: list[str]) -> None:
    """The re-embedding during backward sees the same dropout masks as the cached pass."""
    encoder.train()
    tokens = encoder.tokenize(sentences)
    state = _RngState.capture(tokens)
    first = encoder(tokens)
    with state.restored():
        again = encoder(tokens)
    different = encoder(tokens)
    torch.testing.assert_close(again, first, atol=0, rtol=0)
    assert not torch.allclose(different, first)


def test_cached_gradient_under_dropout_matches_its_own_forward(
    encoder: TextEncoder, sentences: list[str]
) -> None:
    """In train mode the cached gradient is the gradient of the loss it reported: a finite
    difference along the gradient agrees with the directional derivative."""
    encoder.train()
    batch = _batch(encoder, sentences)
    cached = Pairs(encoder, cache_batch=3)
    torch.manual_seed(7)
    loss, grads = _grads(encoder, cached, batch, scale=1.0)
    params = [p for p in encoder.parameters() if p.grad is not None]
    eps = 1e-6
    with torch.no_grad():
        for p, g in zip(params, grads, strict=True):
            p.add_(eps * g)
    torch.manual_seed(7)
    with torch.no_grad():
        moved = cached.training_step(batch).loss.item()
    slope = sum((g * g).sum().item() for g in grads)
    assert (moved - loss) / eps == pytest.approx(slope, rel=1e-3)


def test_chunks_trim_right_padding_only(encoder: TextEncoder) -> None:
    tokens = encoder.tokenize(["a man is playing a guitar today", "hi", "the cat"])
    chunks = _chunks(tokens, 2)
    assert [c["input_ids"].shape[0] for c in chunks] == [2, 1]
    assert chunks[1]["input_ids"].shape[1] < tokens["input_ids"].shape[1]
    assert all(bool(c["attention_mask"][:, -1].any()) for c in chunks)


def test_mini_batch_must_be_positive(encoder: TextEncoder, sentences: list[str]) -> None:
    columns = (encoder.tokenize(sentences), encoder.tokenize(sentences))
    with pytest.raises(ValueError, match="positive"):
        embed_columns(encoder, columns, lambda e: e[0].sum(), 0)


def test_replay_runs_under_the_autocast_of_the_cached_pass(tiny_bert_dir, sentences):
    """The loop's autocast ends before backward; the replay must re-enter it, or it would
    embed in float32 what the first pass embedded in bf16."""
    encoder = TextEncoder.from_pretrained(tiny_bert_dir)
    seen = []
    encoder.register_forward_pre_hook(lambda m, a: seen.append(torch.is_autocast_enabled("cpu")))
    batch = _batch(encoder, sentences)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        out = Pairs(encoder, cache_batch=4).training_step(batch)
    first_pass = len(seen)
    out.loss.backward()
    assert len(seen) == 2 * first_pass and all(seen)
