"""Negatives for text contrastive learning: batch samplers that keep false negatives out."""

from __future__ import annotations

from contrastkit.negatives.no_duplicates import NoDuplicateBatches

__all__ = ["NoDuplicateBatches"]
