"""``two_tower``: users against items with in-batch negatives, the logQ correction, and the
users' own positives masked out of their negatives."""

from __future__ import annotations

import torch
from torch import nn

from contrastkit.losses.sampled_softmax import sampled_softmax
from contrastkit.negatives.frequency import StreamingFrequency
from contrastkit.tasks.interactions.model import Tower
from contrastkit.tasks.interactions.stream import PairBatch
from contrastkit.types import StepOutput

CORRECTIONS = ("exact", "streaming", "none", "flipped")


class TwoTower(nn.Module):
    """Args:
    user_tower, item_tower: ids → unit vectors of one width.
    temperature: τ of the sampled softmax.
    correction: ``exact`` (log q from the training counts, ``log_q``), ``streaming``
        (Yi et al.'s estimate from the batches seen), ``none``, or ``flipped`` (exact,
        added instead of subtracted: the sign error the correction is measured against).
    log_q: the exact log sampling probability per item ``(I,)`` (``exact``/``flipped``).
    mask_positives: drop in-batch items that are the row's user's own positives.
    """

    def __init__(
        self,
        user_tower: Tower,
        item_tower: Tower,
        *,
        temperature: float = 0.05,
        correction: str = "exact",
        log_q: torch.Tensor | None = None,
        mask_positives: bool = True,
    ) -> None:
        super().__init__()
        if correction not in CORRECTIONS:
            raise ValueError(
                f"correction must be one of {', '.join(CORRECTIONS)}, got {correction!r}"
            )
        if correction in ("exact", "flipped") and log_q is None:
            raise ValueError(f"correction={correction!r} needs the items' log_q")
        self.users, self.items = user_tower, item_tower
        self.temperature, self.correction, self.mask_positives = (
            temperature,
            correction,
            mask_positives,
        )
        self.log_q: torch.Tensor | None
        self.register_buffer("log_q", log_q)
        self.frequency = StreamingFrequency(item_tower.embedding.num_embeddings)

    def training_step(self, batch: PairBatch) -> StepOutput:
        u, v = self.users(batch.users), self.items(batch.items)
        loss = sampled_softmax(
            u, v,
            temperature=self.temperature,
            log_q=self._log_q(batch.items),
            exclude=batch.positives if self.mask_positives else None,
        )  # fmt: skip
        return StepOutput(loss, u.detach(), v.detach())

    def _log_q(self, items: torch.Tensor) -> torch.Tensor | None:
        if self.correction == "none":
            return None
        if self.correction == "streaming":
            if self.training:
                self.frequency.update(items)
            return self.frequency.log_q(items)
        assert self.log_q is not None
        q = self.log_q[items]
        return -q if self.correction == "flipped" else q

    @property
    def encoder(self) -> nn.Module:
        """The item tower: item ids → unit vectors."""
        return self.items
