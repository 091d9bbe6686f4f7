"""The word-vector test sets gensim ships in its wheel (read as files; gensim is never
imported): WordSim353 and SimLex-999 (word pairs with human similarity scores) and the
Google analogy questions (``a b c d``: a is to b as c is to d, in 14 sections)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from contrastkit.data.errors import DatasetNotFoundError

TESTS = {"wordsim353": "wordsim353.tsv", "simlex999": "simlex999.txt"}
ANALOGIES = "questions-words.txt"


def word_test_dir() -> Path:
    spec = importlib.util.find_spec("gensim")
    if spec is None or not spec.submodule_search_locations:
        raise DatasetNotFoundError(
            "WordSim353, SimLex-999 and the analogy questions come with the PyPI package "
            "gensim: pip install --no-deps gensim"
        )
    return Path(next(iter(spec.submodule_search_locations))) / "test" / "test_data"


def word_pairs(name: str) -> list[tuple[str, str, float]]:
    """``(word 1, word 2, human score)`` rows of ``wordsim353`` or ``simlex999``, lower-cased."""
    if name not in TESTS:
        raise ValueError(f"unknown word-pair test {name!r}; choose one of {', '.join(TESTS)}")
    rows = []
    for line in _lines(TESTS[name]):
        if line.startswith("#") or not line.strip():
            continue
        a, b, score = line.split("\t")[:3]
        rows.append((a.lower(), b.lower(), float(score)))
    return rows


def analogy_questions() -> dict[str, list[tuple[str, str, str, str]]]:
    """The Google analogy questions by section, lower-cased."""
    sections: dict[str, list[tuple[str, str, str, str]]] = {}
    current: list[tuple[str, str, str, str]] = []
    for line in _lines(ANALOGIES):
        if line.startswith(":"):
            current = sections.setdefault(line[1:].strip(), [])
        elif line.strip():
            a, b, c, d = line.lower().split()
            current.append((a, b, c, d))
    return sections


def _lines(name: str) -> list[str]:
    path = word_test_dir() / name
    if not path.is_file():
        raise DatasetNotFoundError(f"{path} is missing from the installed gensim")
    return path.read_text(encoding="latin-1").splitlines()
