"""The vocabulary, subsampling and the noise distribution against gensim and the formula."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from scipy import stats

from contrastkit.tasks.words.vocab import NoiseSampler, Vocabulary


def zipf_corpus(words: int = 60, seed: int = 0) -> list[list[str]]:
    rng = np.random.default_rng(seed)
    p = 1 / np.arange(1, words + 1)
    tokens = rng.choice(words, size=20_000, p=p / p.sum())
    return [[f"w{t}" for t in tokens[i : i + 20]] for i in range(0, len(tokens), 20)]


def test_words_are_sorted_by_count_and_rare_ones_dropped():
    sentences = [["b", "a", "b", "c"], ["a", "b", "d"]]
    vocab = Vocabulary.of(sentences, min_count=2)
    assert vocab.words == ["b", "a"] and vocab.counts.tolist() == [3, 2]
    assert Vocabulary.of([["x", "y", "x", "y"]], min_count=1).words == [
        "y",
        "x",
    ]  # gensim's tie order
    with pytest.raises(ValueError, match="min_count"):
        Vocabulary.of(sentences, min_count=9)


def test_keep_probabilities_equal_gensims():
    gensim = pytest.importorskip("gensim")
    sentences = zipf_corpus()
    model = gensim.models.Word2Vec(vector_size=8, min_count=3, sample=1e-2, workers=1)
    model.build_vocab(sentences)
    vocab = Vocabulary.of(sentences, min_count=3)
    assert vocab.words == list(model.wv.index_to_key)
    theirs = [model.wv.get_vecattr(w, "sample_int") / 2**32 for w in vocab.words]
    np.testing.assert_allclose(vocab.keep_probability(1e-2).numpy(), theirs, atol=1e-9)
    assert vocab.keep_probability(0).eq(1).all()


def test_the_noise_sampler_draws_unigram_to_the_three_quarters():
    vocab = Vocabulary.of(zipf_corpus(), min_count=1)
    expected = vocab.noise(0.75)
    assert torch.allclose(
        expected, vocab.counts.double() ** 0.75 / (vocab.counts.double() ** 0.75).sum()
    )
    torch.manual_seed(0)
    draws = NoiseSampler(expected)((1_000_000,))
    observed = torch.bincount(draws, minlength=len(vocab)).double()
    chi2 = stats.chisquare(observed.numpy(), expected.numpy() * 1_000_000)
    assert chi2.pvalue > 0.001  # a wrong exponent (0.5 or 1.0) gives p ≈ 0 at 10⁶ draws
    wrong = vocab.noise(1.0).numpy() * 1_000_000
    assert stats.chisquare(observed.numpy(), wrong).pvalue < 1e-12
