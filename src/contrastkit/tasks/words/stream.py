"""Skip-gram pairs from a corpus, a span of words at a time.

An epoch walks the corpus in order (as word2vec does) in spans of ``words`` tokens. In each
span, frequent words are dropped with word2vec's subsampling; every kept word is a centre
whose window is shrunk to a random 1…``window`` words (the dynamic window: near words count
more); its context words within that window and the same sentence make (centre, context)
pairs, each with ``negatives`` noise words. Randomness comes from torch's generator, which
the loop reseeds before every step, so a resumed run draws the same pairs. A window is cut at
a span's edges (≤ 2·window of ``words`` words per span lose a few pairs).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import torch

from contrastkit.tasks.words.vocab import NoiseSampler


@dataclass(frozen=True)
class WordPairs:
    """``centres``, ``contexts`` (P,) word ids; ``negatives`` (P, K); ``words``: the raw
    corpus words the span held (what throughput counts)."""

    centres: torch.Tensor
    contexts: torch.Tensor
    negatives: torch.Tensor
    words: int

    def __len__(self) -> int:
        return self.words


def skipgram_pairs(
    ids: torch.Tensor, sentence: torch.Tensor, reach: torch.Tensor, window: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """(centre, context) positions: j is a context of centre i when 0 < |i − j| ≤ reach[i]
    and both lie in one sentence. Shapes: ids, sentence, reach (n,) → two (P,) tensors of ids."""
    n = len(ids)
    centres, contexts = [], []
    for offset in range(1, window + 1):
        if offset >= n:
            break
        i = torch.arange(n - offset)
        j = i + offset
        same = sentence[i] == sentence[j]
        for c, o in ((i, j), (j, i)):  # right and left neighbours
            take = same & (reach[c] >= offset)
            centres.append(ids[c[take]])
            contexts.append(ids[o[take]])
    if not centres:
        empty = torch.empty(0, dtype=torch.long)
        return empty, empty
    return torch.cat(centres), torch.cat(contexts)


class Spans:
    """The corpus in consecutive spans of ``words`` tokens (the last one takes the rest), the
    same every epoch; rank r of ``world`` takes every world-th span."""

    def __init__(self, tokens: int, words: int, *, rank: int = 0, world: int = 1) -> None:
        self.tokens, self.words, self.rank, self.world = tokens, words, rank, world
        self.count = max(world, tokens // words)

    def __len__(self) -> int:
        return self.count // self.world

    def epoch(self, epoch: int, start: int = 0) -> list[torch.Tensor]:
        """``[lo, hi)`` of this rank's spans from index ``start`` on."""
        spans = []
        for b in range(start, len(self)):
            span = b * self.world + self.rank
            lo = span * self.words
            hi = self.tokens if span == self.count - 1 else lo + self.words
            spans.append(torch.tensor([lo, hi]))
        return spans


class SkipGramStream:
    """The ``BatchStream`` of the words task."""

    def __init__(
        self,
        ids: torch.Tensor,
        sentence: torch.Tensor,
        keep: torch.Tensor,
        noise: NoiseSampler,
        *,
        window: int,
        negatives: int,
        words: int,
        raw_words: int,
        rank: int = 0,
        world: int = 1,
    ) -> None:
        self.ids, self.sentence, self.keep, self.noise = ids, sentence, keep.float(), noise
        self.window, self.negatives, self.words = window, negatives, words
        self.raw_per_word = raw_words / max(1, len(ids))  # words dropped by min_count count too
        self.batches = Spans(len(ids), words, rank=rank, world=world)

    def epoch(self, epoch: int, start: int = 0) -> Iterator[WordPairs]:
        for span in self.batches.epoch(epoch, start):
            yield self.pairs(int(span[0]), int(span[1]))

    def pairs(self, lo: int, hi: int) -> WordPairs:
        ids, sentence = self.ids[lo:hi], self.sentence[lo:hi]
        kept = torch.rand(len(ids)) < self.keep[ids]
        ids, sentence = ids[kept], sentence[kept]
        reach = torch.randint(1, self.window + 1, (len(ids),))
        centres, contexts = skipgram_pairs(ids, sentence, reach, self.window)
        negatives = self.noise((len(centres), self.negatives))
        return WordPairs(centres, contexts, negatives, round((hi - lo) * self.raw_per_word))
