"""Fast CPU dropout: the masks keep 1 - p, follow torch's seed, and the attention function is
scaled-dot-product attention with those masks on the probabilities."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import torch
from torch import nn

from contrastkit.text import TextEncoder
from contrastkit.text.fast_dropout import (
    ATTENTION,
    FastDropout,
    attention,
    dropout,
    keep_mask,
    use_fast_dropout,
)


@pytest.mark.parametrize("p", [0.1, 0.25, 0.5, 0.9])
def test_keep_mask_keeps_one_minus_p(p):
    n = 1 << 20
    torch.manual_seed(0)
    kept = keep_mask((n,), p).double().mean().item()
    assert abs(kept - (1 - p)) < 5 * math.sqrt(p * (1 - p) / n)  # 5 binomial SEs


def test_keep_mask_of_an_odd_size_and_p_zero():
    torch.manual_seed(0)
    assert keep_mask((3, 5, 7), 0.5).shape == (3, 5, 7)
    assert bool(keep_mask((101,), 0.0).all())


def test_keep_mask_follows_torchs_seed_and_advances_it():
    torch.manual_seed(3)
    first, second = keep_mask((4096,), 0.5), keep_mask((4096,), 0.5)
    torch.manual_seed(3)
    assert torch.equal(keep_mask((4096,), 0.5), first)
    assert not torch.equal(first, second)


def test_dropout_zeroes_or_scales_each_element():
    x = torch.rand(64, 64) + 1.0
    torch.manual_seed(0)
    out = dropout(x, 0.2)
    kept = out != 0
    assert torch.allclose(out[kept], x[kept] / 0.8)
    assert 0.7 < kept.double().mean().item() < 0.9
    assert torch.equal(dropout(x, 0.2, training=False), x)
    assert torch.equal(dropout(x, 0.0), x)


def test_dropout_gradient_is_the_mask_times_the_scale():
    x = torch.randn(6, 7, dtype=torch.float64, requires_grad=True)

    def reseeded(t: torch.Tensor) -> torch.Tensor:
        torch.manual_seed(1)  # the same mask on every call gradcheck makes
        return dropout(t, 0.3)

    assert torch.autograd.gradcheck(reseeded, (x,))
    reseeded(x).sum().backward()
    torch.manual_seed(1)
    expected = keep_mask(x.shape, 0.3).double() / 0.7
    assert torch.equal(x.grad, expected)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64, torch.bfloat16])
def test_dropout_keeps_the_dtype(dtype):
    x = torch.ones(8, 8, dtype=dtype, requires_grad=True)
    out = dropout(x, 0.5)
    out.sum().backward()
    assert out.dtype == dtype and x.grad is not None and x.grad.dtype == dtype


def test_fast_dropout_is_an_nn_dropout_with_the_same_p():
    layer = FastDropout(0.3)
    assert isinstance(layer, nn.Dropout) and layer.p == 0.3
    x = torch.ones(100, 100)
    assert torch.equal(layer.eval()(x), x)
    assert (layer.train()(x) == 0).any()


def _qkv_and_mask() -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    torch.manual_seed(0)
    q, k, v = (torch.randn(2, 3, 5, 4, dtype=torch.float64) for _ in range(3))
    mask = torch.ones(2, 1, 5, 5, dtype=torch.bool)
    mask[1, ..., 3:] = False  # the second text has two padding tokens
    return q, k, v, mask


def _self_attention(p: float) -> nn.Module:
    module = nn.Module()  # what transformers hands the attention function: its dropout layer
    module.dropout = FastDropout(p)
    return module


def test_attention_with_dropout_is_sdpa_with_the_mask_on_the_probabilities():
    q, k, v, mask = _qkv_and_mask()
    torch.manual_seed(5)
    out, _ = attention(_self_attention(0.25), q, k, v, mask, dropout=0.25, scaling=0.5)
    scores = (q @ k.transpose(2, 3) * 0.5).masked_fill(~mask, -math.inf)
    probs = scores.softmax(dim=-1)
    torch.manual_seed(5)
    probs = probs * keep_mask(probs.shape, 0.25) / 0.75
    assert out.shape == (2, 5, 3, 4)  # (B, L, heads, d)
    assert torch.allclose(out, (probs @ v).transpose(1, 2), atol=1e-12)


def test_attention_never_reads_padded_keys():
    q, k, v, mask = _qkv_and_mask()
    torch.manual_seed(5)
    out, _ = attention(_self_attention(0.25), q, k, v, mask, dropout=0.25)
    v[1, :, 3:] = 1e6
    k[1, :, 3:] = -1e6
    torch.manual_seed(5)
    again, _ = attention(_self_attention(0.25), q, k, v, mask, dropout=0.25)
    assert torch.equal(out, again)


def test_attention_without_dropout_is_transformers_sdpa():
    from transformers.integrations.sdpa_attention import sdpa_attention_forward

    q, k, v, mask = _qkv_and_mask()
    module = nn.Module()
    module.is_causal = False
    out, _ = attention(module, q, k, v, mask, dropout=0.0, scaling=0.5)
    ref, _ = sdpa_attention_forward(module, q, k, v, mask, dropout=0.0, scaling=0.5)
    assert torch.equal(out, ref)


def _tiny(tiny_bert_dir: Path, fast: bool, packed: bool = True, **overrides: float) -> TextEncoder:
    torch.manual_seed(0)
    return TextEncoder.from_pretrained(
        tiny_bert_dir, fast_dropout=fast, packed=packed, config_overrides=overrides
    )


def test_use_fast_dropout_swaps_every_dropout_and_the_attention(tiny_bert_dir):
    encoder = _tiny(tiny_bert_dir, fast=True)
    dropouts = [m for m in encoder.modules() if isinstance(m, nn.Dropout)]
    assert dropouts and all(type(m) is FastDropout for m in dropouts)
    assert encoder.model.config._attn_implementation == ATTENTION
    plain = _tiny(tiny_bert_dir, fast=False)
    assert not any(type(m) is FastDropout for m in plain.modules())
    assert use_fast_dropout(plain.model) is plain.model  # idempotent registration, in place


def test_eval_embeddings_are_unchanged(tiny_bert_dir, sentences):
    fast, plain = _tiny(tiny_bert_dir, fast=True), _tiny(tiny_bert_dir, fast=False)
    assert torch.equal(fast.encode(sentences), plain.encode(sentences))


@pytest.mark.parametrize("packed", [True, False])
def test_training_with_a_negligible_p_matches_eval_through_the_padding_mask(
    tiny_bert_dir, sentences, packed
):
    """p = 1e-9 keeps every element (its threshold rounds to 0) but takes the training path:
    the attention function, its mask handling (transformers' mask when padded, the key mask
    when packed) and the dropout modules on padded batches."""
    encoder = _tiny(
        tiny_bert_dir,
        fast=True,
        packed=packed,
        hidden_dropout_prob=1e-9,
        attention_probs_dropout_prob=1e-9,
    )
    tokens = encoder.tokenize(sentences)
    assert not bool(tokens["attention_mask"].all())  # the batch has padding
    trained = encoder.train()(tokens)
    evaluated = encoder.eval()(tokens)
    assert torch.allclose(trained, evaluated, atol=1e-6)


@pytest.mark.parametrize("packed", [True, False])
def test_training_embeddings_follow_the_seed_and_carry_gradients(tiny_bert_dir, sentences, packed):
    encoder = _tiny(tiny_bert_dir, fast=True, packed=packed).train()
    assert encoder.packed is packed
    tokens = encoder.tokenize(sentences)
    torch.manual_seed(1)
    a = encoder(tokens)
    torch.manual_seed(1)
    b = encoder(tokens)
    torch.manual_seed(2)
    c = encoder(tokens)
    assert torch.equal(a, b) and not torch.allclose(a, c)
    a.sum().backward()
    assert all(p.grad is not None for p in encoder.model.encoder.parameters())
