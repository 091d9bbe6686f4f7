"""Word-pair Spearman and analogy accuracy equal gensim's evaluations of the same vectors."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from contrastkit.data.word_tests import analogy_questions, word_pairs, word_test_dir
from contrastkit.evaluation.word_vectors import analogy_accuracy, pair_similarity

gensim = pytest.importorskip("gensim")


@pytest.fixture(scope="module")
def keyed_vectors():
    """Random vectors over the test sets' words (some left out, so skipping is exercised),
    with structure planted for a few analogies so accuracy is neither 0 nor 1."""
    words: list[str] = []
    for a, b, _ in word_pairs("wordsim353") + word_pairs("simlex999"):
        words += [a, b]
    questions = analogy_questions()["capital-common-countries"]
    for q in questions:
        words += list(q)
    vocab = list(dict.fromkeys(words))[:-40]  # the last 40 words unknown
    g = torch.Generator().manual_seed(0)
    x = torch.randn(len(vocab), 16, generator=g)
    index = {w: i for i, w in enumerate(vocab)}
    capital = torch.randn(16, generator=g) * 3
    for a, b, c, d in questions[:200]:  # country = city + capital offset, for some
        if all(w in index for w in (a, b, c, d)):
            x[index[b]] = x[index[a]] + capital
            x[index[d]] = x[index[c]] + capital
    kv = gensim.models.KeyedVectors(16)
    kv.add_vectors(vocab, x.numpy())
    return kv, x, index


@pytest.mark.parametrize(
    "name, file", [("wordsim353", "wordsim353.tsv"), ("simlex999", "simlex999.txt")]
)
def test_pair_spearman_equals_gensims(keyed_vectors, name, file):
    kv, x, index = keyed_vectors
    ours = pair_similarity(x, index, word_pairs(name))
    _, spearman, oov = kv.evaluate_word_pairs(str(word_test_dir() / file))
    assert ours.spearman == pytest.approx(spearman.statistic, abs=1e-6)
    assert ours.skipped / (ours.pairs + ours.skipped) * 100 == pytest.approx(oov, abs=1e-9)


def test_analogy_accuracy_equals_gensims(keyed_vectors):
    kv, x, index = keyed_vectors
    questions = [q for s in analogy_questions().values() for q in s]
    ours = analogy_accuracy(x, index, questions, restrict=len(index))
    score, sections = kv.evaluate_word_analogies(str(word_test_dir() / "questions-words.txt"))
    total = next(s for s in sections if s["section"] == "Total accuracy")
    assert ours.correct == len(total["correct"]) and ours.questions == len(total["correct"]) + len(
        total["incorrect"]
    )
    assert 0 < ours.accuracy < 1 and ours.accuracy == pytest.approx(score)
    assert np.isnan(analogy_accuracy(x, {}, questions).accuracy)
