"""Word vectors scored as gensim scores them: word-pair similarity (Spearman between cosine
and human scores; pairs with an unknown word are left out) and analogies (3CosAdd: for
``a : b :: c : ?`` the word nearest to b̂ − â + ĉ among the ``restrict`` most frequent, a, b
and c excluded; questions with a word outside those left out)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from contrastkit.evaluation.correlation import spearman


@dataclass(frozen=True)
class PairScore:
    spearman: float
    pairs: int  # scored
    skipped: int  # with a word outside the vocabulary


@dataclass(frozen=True)
class AnalogyScore:
    accuracy: float
    correct: int
    questions: int  # scored
    skipped: int


def pair_similarity(
    vectors: torch.Tensor, index: Mapping[str, int], pairs: Sequence[tuple[str, str, float]]
) -> PairScore:
    """Spearman between cosine(w1, w2) and the human score over pairs with both words known.

    Shapes: vectors (V, D), rows addressed by ``index[word]``.
    """
    known = [(index[a], index[b], s) for a, b, s in pairs if a in index and b in index]
    if len(known) < 2:
        return PairScore(float("nan"), len(known), len(pairs) - len(known))
    rows = torch.tensor([(a, b) for a, b, _ in known])
    unit = F.normalize(vectors.float(), dim=1)
    cosine = (unit[rows[:, 0]] * unit[rows[:, 1]]).sum(dim=1)
    human = torch.tensor([s for _, _, s in known], dtype=torch.float64)
    return PairScore(float(spearman(cosine.double(), human)), len(known), len(pairs) - len(known))


def analogy_accuracy(
    vectors: torch.Tensor,
    index: Mapping[str, int],
    questions: Sequence[tuple[str, str, str, str]],
    *,
    restrict: int = 300_000,
    chunk: int = 512,
) -> AnalogyScore:
    """3CosAdd accuracy over the questions whose four words are among the first ``restrict``
    rows (the vocabulary sorted by frequency, as gensim's ``restrict_vocab``)."""
    allowed = {w: i for w, i in index.items() if i < restrict}
    known = [q for q in questions if all(w in allowed for w in q)]
    if not known:
        return AnalogyScore(float("nan"), 0, 0, len(questions))
    unit = F.normalize(vectors[:restrict].float(), dim=1)
    ids = torch.tensor([[allowed[w] for w in q] for q in known])
    correct = 0
    for start in range(0, len(ids), chunk):
        a, b, c, d = ids[start : start + chunk].unbind(dim=1)
        target = F.normalize(unit[b] - unit[a] + unit[c], dim=1)
        scores = target @ unit.T
        rows = torch.arange(len(a))
        for excluded in (a, b, c):
            scores[rows, excluded] = -torch.inf
        correct += int((scores.argmax(dim=1) == d).sum())
    return AnalogyScore(correct / len(known), correct, len(known), len(questions) - len(known))
