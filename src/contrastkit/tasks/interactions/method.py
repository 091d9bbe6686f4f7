"""``two_tower``: users against items with in-batch negatives, the logQ correction, the
users' own positives masked out of their negatives, and optionally mined hard negatives:
each user's highest-scored items they never interacted with, found among all items by the
current towers at every step."""

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
    hard_negatives: M mined negatives per row (0: none).
    known: sorted keys ``user · I + item`` of the training pairs (what mining skips).
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
        hard_negatives: int = 0,
        known: torch.Tensor | None = None,
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
        if hard_negatives and known is None:
            raise ValueError("hard_negatives needs the training pairs (known) to skip them")
        self.hard_negatives = hard_negatives
        self.known: torch.Tensor | None
        self.register_buffer("known", known, persistent=False)  # rebuilt from the data

    def training_step(self, batch: PairBatch) -> StepOutput:
        u, v = self.users(batch.users), self.items(batch.items)
        loss = sampled_softmax(
            u, v,
            temperature=self.temperature,
            log_q=self._log_q(batch.items),
            exclude=batch.positives if self.mask_positives else None,
            hard=self.items(self.mine(u, batch.users)) if self.hard_negatives else None,
        )  # fmt: skip
        return StepOutput(loss, u.detach(), v.detach())

    @torch.no_grad()
    def mine(self, users: torch.Tensor, user_ids: torch.Tensor) -> torch.Tensor:
        """``(B, M)`` item ids: each user's M highest-scored items outside their training
        items (scored by the current towers against every item)."""
        assert self.known is not None
        n_items = self.items.embedding.num_embeddings
        scores = users @ self.items(torch.arange(n_items, device=users.device)).T
        depth = min(n_items, self.hard_negatives + 64)
        candidates = scores.topk(depth, dim=1).indices  # (B, depth), best first
        keys = user_ids.view(-1, 1) * n_items + candidates
        at = torch.searchsorted(self.known, keys).clamp(max=len(self.known) - 1)
        unseen = self.known[at] != keys
        # a stable sort puts unseen candidates first, keeping their score order
        order = torch.sort((~unseen).to(torch.int8), dim=1, stable=True).indices
        return candidates.gather(1, order[:, : self.hard_negatives])

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
