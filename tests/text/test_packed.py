"""Padding-free forward: the same hidden states and gradients as the padded one, only the
real tokens through the layers."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from contrastkit.text import TextEncoder
from contrastkit.text.packed import PackedMask, packed_forward, supports_packing


def _tiny(tiny_bert_dir: Path, *, packed: bool, fast: bool = True, **overrides: float):
    torch.manual_seed(0)
    return TextEncoder.from_pretrained(
        tiny_bert_dir, packed=packed, fast_dropout=fast, config_overrides=overrides
    )


def test_pad_and_gather_are_inverse_on_the_real_tokens():
    keys = torch.tensor([[True, True, False], [True, True, True]])
    index = keys.flatten().nonzero().squeeze(1)
    where = PackedMask(index, keys[:, None, None, :])
    x = torch.randn(1, 2, 5, 4)  # (1, heads, T, d), T = 5 real tokens
    padded = where.pad(x)
    assert padded.shape == (2, 2, 3, 4)
    assert torch.equal(padded[0, :, 2], torch.zeros(2, 4))  # the padding position
    assert torch.equal(where.gather(padded.transpose(1, 2)), x.transpose(1, 2))


@pytest.mark.parametrize("fast", [True, False])
def test_packed_hidden_states_equal_the_models_own(tiny_bert_dir, sentences, fast):
    encoder = _tiny(tiny_bert_dir, packed=True, fast=fast).eval()
    assert encoder.packed
    tokens = encoder.tokenize(sentences)
    real = tokens["attention_mask"].bool()
    assert not bool(real.all())  # the batch has padding
    with torch.no_grad():
        ours = packed_forward(encoder.model, tokens)
        theirs = encoder.model(**tokens).last_hidden_state
    assert torch.allclose(ours[real], theirs[real], atol=1e-5)
    assert torch.equal(ours[~real], torch.zeros_like(ours[~real]))


def test_packed_embeddings_and_gradients_equal_the_padded_ones(tiny_bert_dir, sentences):
    no_dropout = {"hidden_dropout_prob": 0.0, "attention_probs_dropout_prob": 0.0}
    packed = _tiny(tiny_bert_dir, packed=True, **no_dropout).train()
    padded = _tiny(tiny_bert_dir, packed=False, **no_dropout).train()
    assert packed.packed and not padded.packed
    tokens = packed.tokenize(sentences)
    a, b = packed(tokens), padded(tokens)
    assert torch.allclose(a, b, atol=1e-6)
    (a @ a.T).sum().backward()
    (b @ b.T).sum().backward()
    for (name, p), q in zip(packed.named_parameters(), padded.parameters(), strict=True):
        if name.startswith("model.pooler."):  # BertModel's pooler feeds no embedding
            assert p.grad is None and q.grad is None
            continue
        assert torch.allclose(p.grad, q.grad, atol=1e-5), name


def test_a_batch_without_padding_and_encode_agree(tiny_bert_dir, sentences):
    packed = _tiny(tiny_bert_dir, packed=True)
    padded = _tiny(tiny_bert_dir, packed=False)
    assert torch.allclose(packed.encode(sentences), padded.encode(sentences), atol=1e-5)
    same_length = [sentences[0]] * 3
    assert torch.allclose(packed.encode(same_length), padded.encode(same_length), atol=1e-5)


def test_other_architectures_keep_their_own_forward():
    from transformers import DistilBertConfig, DistilBertModel

    model = DistilBertModel(
        DistilBertConfig(vocab_size=64, dim=16, n_layers=1, n_heads=2, hidden_dim=32)
    )
    assert not supports_packing(model)
    assert not TextEncoder(model, tokenizer=None, packed=True).packed
