"""Sentences for the text tests; the tiny BERT (``tiny_bert_dir``) is in tests/conftest.py."""

from __future__ import annotations

import pytest

from text.text_fakes import SENTENCES


@pytest.fixture
def sentences() -> list[str]:
    return list(SENTENCES)
