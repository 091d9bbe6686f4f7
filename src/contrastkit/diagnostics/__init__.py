"""Diagnostics: pure functions of embeddings, each docstring states its healthy range."""

from contrastkit.diagnostics.collapse import effective_rank, std_of_l2_normalized
from contrastkit.diagnostics.geometry import alignment, positive_negative_gap, uniformity

__all__ = [
    "alignment",
    "effective_rank",
    "positive_negative_gap",
    "std_of_l2_normalized",
    "uniformity",
]
