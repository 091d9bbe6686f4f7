"""Small frozen records passed between the parts of contrastkit."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

import torch


@dataclass(frozen=True)
class Views:
    """Two augmented views of the same B samples, already on the training device.

    ``crops`` holds the extra low-resolution views of multi-crop (SwAV, DINO; Caron et al.
    2020, Sec. 3.2); it is empty unless the data settings ask for small crops. Labels are
    the dataset's classes, −1 for an unlabelled sample.

    Shapes: first (B, C, H, W), second (B, C, H, W), labels (B,) or None, crops V × (B, C,
    h, w) with h, w ≤ H, W.
    """

    first: torch.Tensor
    second: torch.Tensor
    labels: torch.Tensor | None = None
    crops: tuple[torch.Tensor, ...] = ()

    def __len__(self) -> int:
        return self.first.shape[0]


@dataclass(frozen=True)
class TextBatch:
    """B text tuples, tokenized column by column, already on the training device.

    ``columns[0]`` are the anchors; for pairs ``columns[1]`` their positives and any further
    columns hard negatives (row i of each belongs to anchor i). SimCSE has one column and
    makes its positives from dropout. Each column maps ``input_ids``, ``attention_mask`` (and
    ``token_type_ids`` where the tokenizer has them) to (B, L) tensors, L the longest text of
    that column in this batch (dynamic padding).
    """

    columns: tuple[Mapping[str, torch.Tensor], ...]

    def __len__(self) -> int:
        return self.columns[0]["input_ids"].shape[0]


@dataclass(frozen=True)
class StepOutput:
    """What a method's ``training_step`` returns to the loop.

    ``loss`` carries the graph; ``z1``/``z2`` are the (detached) projections of the two
    views, which the loop uses for monitoring (alignment, uniformity, collapse). ``metrics``
    are extra numbers of this step the loop adds to its log rows (tensors are read only when
    a row is written, so they cost no synchronisation on the other steps).
    Shapes: loss (), z1 (B, D), z2 (B, D).
    """

    loss: torch.Tensor
    z1: torch.Tensor
    z2: torch.Tensor
    metrics: Mapping[str, torch.Tensor | float] = field(default_factory=dict)


class Batch(Protocol):
    """What a stream yields and a method's ``training_step`` takes: any batch that knows how
    many samples it holds (:class:`Views` of images, :class:`TextBatch`, a plug-in's own)."""

    def __len__(self) -> int: ...


@runtime_checkable
class Subsettable(Protocol):
    """A collection of items that takes its own subsets (ImageArrays, an image folder)."""

    def subset(self, indices: Sequence[int]) -> Any: ...


@dataclass(frozen=True)
class Items:
    """What ``embed`` and ``index`` encode: ids, the items in a form the task's encoder takes
    (a list, an array, or a :class:`Subsettable` collection), and extra per-item columns for
    ``OUT.ids.json`` (labels, texts…), each as long as ``ids``."""

    ids: list[str]
    items: Any
    columns: dict[str, list[Any]] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.ids)

    def part(self, start: int, stop: int) -> Items:
        """Items ``start`` to ``stop`` (for encoding in resumable shards)."""
        items = (
            self.items.subset(range(start, stop))
            if isinstance(self.items, Subsettable)
            else self.items[start:stop]
        )
        columns = {k: v[start:stop] for k, v in self.columns.items()}
        return Items(self.ids[start:stop], items, columns)
