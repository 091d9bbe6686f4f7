"""Diagnostics: pure functions of embeddings, each docstring states its healthy range."""

from contrastkit.diagnostics.collapse import effective_rank, std_of_l2_normalized
from contrastkit.diagnostics.geometry import alignment, positive_negative_gap, uniformity
from contrastkit.diagnostics.in_batch import in_batch_top1

__all__ = [
    "alignment",
    "effective_rank",
    "in_batch_top1",
    "positive_negative_gap",
    "std_of_l2_normalized",
    "uniformity",
]
