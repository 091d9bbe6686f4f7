"""Negatives chosen on purpose: batch samplers that keep false negatives out (no duplicate
texts, m samples per class), a temporal exclusion window, hard-negative miners, and how often
negatives are near-duplicates."""

from __future__ import annotations

from contrastkit.negatives.balanced import ClassBalancedBatches
from contrastkit.negatives.duplicates import near_duplicate_share
from contrastkit.negatives.miners import batch_hard, semi_hard
from contrastkit.negatives.no_duplicates import NoDuplicateBatches
from contrastkit.negatives.window import exclusion_mask, within_window

__all__ = [
    "ClassBalancedBatches",
    "NoDuplicateBatches",
    "batch_hard",
    "exclusion_mask",
    "near_duplicate_share",
    "semi_hard",
    "within_window",
]
