"""Errors of the data layer."""

from __future__ import annotations


class DatasetNotFoundError(FileNotFoundError):
    """A built-in dataset is neither installed nor downloadable; the message says what to install."""
