"""Skip-gram pairs against a loop over centres, and the stream's spans."""

from __future__ import annotations

from collections import Counter

import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from contrastkit.tasks.words.stream import SkipGramStream, skipgram_pairs
from contrastkit.tasks.words.vocab import NoiseSampler


def reference(ids, sentence, reach):
    pairs = []
    for i in range(len(ids)):
        for j in range(len(ids)):
            if i != j and abs(i - j) <= reach[i] and sentence[i] == sentence[j]:
                pairs.append((int(ids[i]), int(ids[j])))
    return Counter(pairs)


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 40), st.integers(1, 6), st.integers(0, 10_000))
def test_pairs_equal_a_loop_over_centres(n, window, seed):
    g = torch.Generator().manual_seed(seed)
    ids = torch.randint(0, 9, (n,), generator=g)
    sentence = torch.randint(0, 3, (n,), generator=g).sort().values
    reach = torch.randint(1, window + 1, (n,), generator=g)
    centres, contexts = skipgram_pairs(ids, sentence, reach, window)
    got = Counter(zip(centres.tolist(), contexts.tolist(), strict=True))
    assert got == reference(ids, sentence, reach)


def test_an_epoch_covers_the_corpus_once_in_spans_and_ranks_split_them():
    ids = torch.arange(1000) % 7
    sentence = torch.arange(1000) // 10
    noise = NoiseSampler(torch.ones(7) / 7)
    keep = torch.ones(7)

    def stream(rank: int, world: int) -> SkipGramStream:
        return SkipGramStream(ids, sentence, keep, noise, window=2, negatives=3, words=100,
                              raw_words=1200, rank=rank, world=world)  # fmt: skip

    one = list(stream(0, 1).epoch(0))
    assert len(one) == 10 and sum(b.words for b in one) == 1200  # raw words, min_count's too
    assert all(b.negatives.shape == (len(b.centres), 3) for b in one)
    halves = [list(stream(r, 2).epoch(0)) for r in (0, 1)]
    assert [len(h) for h in halves] == [5, 5]
    torch.manual_seed(0)
    resumed = [b.centres for b in stream(0, 1).epoch(0, start=4)]
    torch.manual_seed(0)
    assert len(resumed) == 6
