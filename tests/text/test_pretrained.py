"""Loading options of TextEncoder.from_pretrained: fresh weights, config overrides, limits."""

from __future__ import annotations

import pytest
import torch

from contrastkit.text import TextEncoder
from contrastkit.text.pretrained import _pooling_mode


def test_random_init_keeps_architecture_and_draws_new_weights(tiny_bert_dir):
    trained = TextEncoder.from_pretrained(tiny_bert_dir)
    fresh = TextEncoder.from_pretrained(tiny_bert_dir, random_init=True)
    assert fresh.dim == trained.dim
    a = trained.model.embeddings.word_embeddings.weight
    b = fresh.model.embeddings.word_embeddings.weight
    assert a.shape == b.shape and not torch.equal(a, b)


def test_config_overrides_shrink_a_random_model(tiny_bert_dir):
    small = TextEncoder.from_pretrained(
        tiny_bert_dir, random_init=True, config_overrides={"num_hidden_layers": 1}
    )
    assert len(small.model.encoder.layer) == 1
    assert small.encode(["a man is playing"]).shape == (1, 32)


def test_config_overrides_set_dropout_of_pretrained_weights(tiny_bert_dir):
    plain = TextEncoder.from_pretrained(tiny_bert_dir)
    no_dropout = TextEncoder.from_pretrained(
        tiny_bert_dir,
        config_overrides={"hidden_dropout_prob": 0.0, "attention_probs_dropout_prob": 0.0},
    )
    torch.testing.assert_close(
        no_dropout.model.embeddings.word_embeddings.weight,
        plain.model.embeddings.word_embeddings.weight,
    )
    no_dropout.train()
    tokens = no_dropout.tokenize(["a man is playing a guitar", "the cat"])
    torch.testing.assert_close(no_dropout(tokens), no_dropout(tokens), rtol=0, atol=0)


def test_max_length_beyond_the_model_positions_is_refused(tiny_bert_dir):
    with pytest.raises(ValueError, match="64 positions"):
        TextEncoder.from_pretrained(tiny_bert_dir, max_length=128)
    assert TextEncoder.from_pretrained(tiny_bert_dir).max_length == 64


@pytest.mark.parametrize(
    ("config", "mode"),
    [
        ({"pooling_mode_mean_tokens": True, "pooling_mode_cls_token": False}, "mean"),
        ({"pooling_mode_cls_token": True}, "cls"),
        ({"pooling_mode_max_tokens": True}, "max"),
        ({"embedding_dimension": 384, "pooling_mode": "cls"}, "cls"),  # sentence-transformers 6.x
    ],
)
def test_pooling_is_read_from_either_config_form(config, mode):
    assert _pooling_mode(config) == mode


@pytest.mark.parametrize(
    "config",
    [
        {"pooling_mode": "weightedmean"},
        {"pooling_mode_mean_tokens": True, "pooling_mode_max_tokens": True},
        {},
    ],
)
def test_pooling_we_cannot_reproduce_is_refused(config):
    with pytest.raises(ValueError, match="not one of mean, cls, max"):
        _pooling_mode(config)
