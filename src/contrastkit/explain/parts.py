"""What an explanation is made of: an input split into parts, and the reference it is measured
against.

An encoder that can be explained (:class:`ExplainsParts`) turns one of its items into
:class:`Parts`: the continuous tensor gradients flow through (a text's token embeddings, an
image's normalised pixels, a series' values), the stated baseline ("nothing there": padding
tokens, the mean image), which part each element belongs to (a token, a patch, a time step),
the parts' names, and the differentiable map from that tensor to the embedding. Everything in
``contrastkit.explain`` works on ``Parts`` alone, so it never asks what kind of data it holds.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, Protocol, runtime_checkable

import torch


@dataclass(frozen=True)
class Parts:
    """One item, ready to be attributed.

    Attributes:
        inputs: ``(*shape)`` the continuous input, detached.
        baseline: ``(*shape)`` the reference input attributions are measured from.
        part_of: ``(*shape)`` int64, the part each element belongs to (``-1``: none; such
            elements equal the baseline, e.g. a text's [CLS] and [SEP]).
        labels: one name per part, in part order (word pieces; "row 2, col 5" patches).
        embed: ``(B, *shape) → (B, D)``: the embedding before any L2 normalisation
            (cosine similarity does not see the scale), differentiable in reverse and
            forward mode.
        baseline_name: the baseline in words, for the page and the CLI.
        grid: ``(rows, cols)`` when the parts tile a picture row by row; None for a sequence.
        picture: uint8 ``(H, W, C)`` the item as shown, under a grid's heat map.
    """

    inputs: torch.Tensor
    baseline: torch.Tensor
    part_of: torch.Tensor
    labels: list[str]
    embed: Callable[[torch.Tensor], torch.Tensor]
    baseline_name: str
    grid: tuple[int, int] | None = None
    picture: torch.Tensor | None = None

    def __post_init__(self) -> None:
        if self.inputs.shape != self.baseline.shape or self.inputs.shape != self.part_of.shape:
            raise ValueError(
                f"inputs {tuple(self.inputs.shape)}, baseline {tuple(self.baseline.shape)} and "
                f"part_of {tuple(self.part_of.shape)} must have one shape"
            )
        if not self.labels:
            raise ValueError("an item with no parts cannot be explained (an empty text?)")
        if int(self.part_of.max()) != len(self.labels) - 1:
            raise ValueError(
                f"part_of names {int(self.part_of.max()) + 1} parts, labels {len(self)}"
            )

    def __len__(self) -> int:
        return len(self.labels)

    def sum_parts(self, values: torch.Tensor) -> torch.Tensor:
        """``(..., *shape)`` per-element values → ``(..., P)`` per-part sums."""
        lead = values.shape[: values.dim() - self.inputs.dim()]
        flat = values.reshape(*lead, -1)
        index = self.part_of.reshape(-1)
        keep = index >= 0
        out = flat.new_zeros(*lead, len(self))
        return out.index_add_(-1, index[keep], flat[..., keep])

    def keep(self, chosen: list[int]) -> Parts:
        """The same item with only the ``chosen`` parts on their own (in their order) and
        every other part merged into one last part ("N other parts")."""
        rest = len(self) - len(chosen)
        if rest <= 0:
            return self
        new_index = torch.full((len(self),), len(chosen), dtype=torch.long)
        new_index[torch.tensor(sorted(chosen))] = torch.arange(len(chosen))
        part_of = torch.where(
            self.part_of >= 0, new_index.to(self.part_of.device)[self.part_of.clamp(min=0)], -1
        )
        labels = [self.labels[i] for i in sorted(chosen)] + [f"{rest} other parts"]
        return replace(self, part_of=part_of, labels=labels, grid=None)

    def masks(self) -> torch.Tensor:
        """``(P, *shape)`` float: element ∈ part, one row per part."""
        parts = torch.arange(len(self), device=self.part_of.device)
        return (self.part_of.unsqueeze(0) == parts.view(-1, *[1] * self.part_of.dim())).to(
            self.inputs.dtype
        )


@runtime_checkable
class ExplainsParts(Protocol):
    """An encoder whose similarities can be explained: one item → its :class:`Parts`."""

    def parts(self, item: Any) -> Parts: ...
