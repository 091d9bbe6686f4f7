"""The vocabulary of a corpus, with word2vec's frequent-word subsampling and noise
distribution (Mikolov et al. 2013, as gensim and the original C code compute them)."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import torch


@dataclass(frozen=True)
class Vocabulary:
    """Words sorted by count, descending, their counts. Ties go as gensim orders them (the
    word first seen later comes first), so the same corpus gives the same rows as gensim's
    ``index_to_key`` and "the N most frequent words" means the same N words in both."""

    words: list[str]
    counts: torch.Tensor  # int64 (V,)

    @classmethod
    def of(cls, sentences: Iterable[Sequence[str]], min_count: int) -> Vocabulary:
        counter = Counter(w for sentence in sentences for w in sentence)
        seen = list(counter.items())  # in order of first appearance
        order = sorted(range(len(seen)), key=lambda i: (-seen[i][1], -i))
        kept = [seen[i] for i in order if seen[i][1] >= min_count]
        if not kept:
            raise ValueError(f"no word occurs {min_count} times; lower data.min_count")
        return cls([w for w, _ in kept], torch.tensor([c for _, c in kept]))

    def __len__(self) -> int:
        return len(self.words)

    def index(self) -> dict[str, int]:
        return {w: i for i, w in enumerate(self.words)}

    def keep_probability(self, sample: float) -> torch.Tensor:
        """P(keep) of each word under subsampling with threshold ``sample``:
        (√(c / t) + 1) · t / c with t = sample · (total count), capped at 1; 1 everywhere
        when ``sample`` is 0."""
        c = self.counts.double()
        if sample <= 0:
            return torch.ones_like(c)
        t = sample * c.sum()
        return ((c / t).sqrt() + 1).mul(t / c).clamp(max=1.0)

    def noise(self, exponent: float = 0.75) -> torch.Tensor:
        """The negative-sampling distribution: count^exponent, normalised."""
        weights = self.counts.double().pow(exponent)
        return weights / weights.sum()


class NoiseSampler:
    """Draws word ids from a distribution by inverse transform (a binary search per draw on
    the cumulative sums; no table to build, exact to float64)."""

    def __init__(self, probabilities: torch.Tensor) -> None:
        cdf = probabilities.double().cumsum(0)
        self.cdf = cdf / cdf[-1]

    def __call__(self, shape: tuple[int, ...], device: torch.device | None = None) -> torch.Tensor:
        u = torch.rand(math.prod(shape), dtype=torch.float64)
        ids = torch.searchsorted(self.cdf, u, right=True).clamp(max=len(self.cdf) - 1)
        return ids.view(shape).to(device)
