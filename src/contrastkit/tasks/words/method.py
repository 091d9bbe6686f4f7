"""``word2vec``: skip-gram over two embedding tables, a centre's input vector against its
contexts' output vectors (Mikolov et al. 2013).

``loss: sgns`` is negative sampling: for each (centre, context) pair,
−log σ(v_c·u_o) − Σ_k log σ(−v_c·u_k) over K noise words (a noise word equal to the context is
skipped, as word2vec's C code does), summed over the pairs so that SGD at learning rate α
moves each pair as word2vec's per-pair update does. ``loss: info_nce`` is the same idea
with the other pairs' contexts as negatives: InfoNCE over groups of pairs, contexts equal to
the positive masked out. Both tables are sparse embeddings: a step touches only the rows of
the words it saw, so its cost does not grow with the vocabulary.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from contrastkit.losses import info_nce
from contrastkit.tasks.words.stream import WordPairs
from contrastkit.types import StepOutput

PROBE_PAIRS = 256  # pairs whose vectors the loop's health numbers read


def sgns_loss(
    centres: torch.Tensor, contexts: torch.Tensor, noise: torch.Tensor, valid: torch.Tensor
) -> torch.Tensor:
    """Σ_pairs [−log σ(v·u⁺) − Σ_k valid_k · log σ(−v·u_k)].

    Shapes: centres (P, D), contexts (P, D), noise (P, K, D), valid (P, K) bool.
    """
    positive = F.logsigmoid((centres * contexts).sum(dim=1))
    negative = F.logsigmoid(-torch.bmm(noise, centres.unsqueeze(2)).squeeze(2))
    return -(positive.sum() + negative.masked_fill(~valid, 0.0).sum())


class Word2Vec(nn.Module):
    """Input vectors (kept: the word vectors) and output vectors (context side).

    Args:
        vocabulary: number of words V.
        dim: D.
        loss: ``sgns`` or ``info_nce``.
        temperature, group: InfoNCE's τ and pairs per softmax.
    """

    def __init__(
        self,
        vocabulary: int,
        dim: int,
        *,
        loss: str = "sgns",
        temperature: float = 0.1,
        group: int = 1024,
    ) -> None:
        super().__init__()
        if loss not in ("sgns", "info_nce"):
            raise ValueError(f"loss must be sgns or info_nce, got {loss!r}")
        self.input = nn.Embedding(vocabulary, dim, sparse=True)
        self.output = nn.Embedding(vocabulary, dim, sparse=True)
        with torch.no_grad():  # word2vec's start: small random inputs, zero outputs
            self.input.weight.uniform_(-0.5 / dim, 0.5 / dim)
            if loss == "sgns":
                self.output.weight.zero_()
            else:  # InfoNCE compares directions: a zero vector has none
                self.output.weight.uniform_(-0.5 / dim, 0.5 / dim)
        self.loss, self.temperature, self.group = loss, temperature, group

    def training_step(self, pairs: WordPairs) -> StepOutput:
        v = self.input(pairs.centres)
        u = self.output(pairs.contexts)
        if self.loss == "sgns":
            valid = pairs.negatives != pairs.contexts.unsqueeze(1)
            loss = sgns_loss(v, u, self.output(pairs.negatives), valid)
        else:
            loss = self._info_nce(v, u, pairs.contexts)
        probe = slice(0, PROBE_PAIRS)
        return StepOutput(loss, v[probe].detach(), u[probe].detach())

    def _info_nce(self, v: torch.Tensor, u: torch.Tensor, contexts: torch.Tensor) -> torch.Tensor:
        total = v.new_zeros(())
        for start in range(0, len(v), self.group):
            part = slice(start, start + self.group)
            ids = contexts[part]
            same = ids.view(-1, 1) == ids.view(1, -1)
            same.fill_diagonal_(False)  # another pair with this context is no negative
            loss = info_nce(v[part], u[part], temperature=self.temperature, exclude=same)
            total = total + loss * len(ids)
        return total

    @property
    def encoder(self) -> nn.Module:
        """The input vectors: word ids → ``(N, D)``."""
        return self.input
