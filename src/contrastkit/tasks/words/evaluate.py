"""Word vectors on the standard tests: WordSim353, SimLex-999, the Google analogies."""

from __future__ import annotations

from typing import Any

from contrastkit.data.word_tests import TESTS, analogy_questions, word_pairs
from contrastkit.evaluation.word_vectors import analogy_accuracy, pair_similarity
from contrastkit.tasks.words.encoder import WordVectors


def word_scores(vectors: WordVectors, *, restrict: int = 300_000) -> dict[str, Any]:
    """Spearman on each word-pair test, 3CosAdd analogy accuracy over every section."""
    scores: dict[str, Any] = {}
    for name in TESTS:
        result = pair_similarity(vectors.vectors, vectors.index, word_pairs(name))
        scores[name] = result.spearman
        scores[f"{name}_pairs"] = result.pairs
    questions = [q for section in analogy_questions().values() for q in section]
    analogy = analogy_accuracy(vectors.vectors, vectors.index, questions, restrict=restrict)
    scores["analogy_accuracy"] = analogy.accuracy
    scores["analogy_questions"] = analogy.questions
    return scores
