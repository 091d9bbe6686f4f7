"""word2vec's two file formats, as the original C tool writes them and gensim's
``KeyedVectors.load_word2vec_format`` reads them.

Text: a header ``V D``, then one line per word: the word and D numbers, space-separated.
Binary: the same header line, then per word: the word, a space, D little-endian float32
bytes and a newline. Words must hold no whitespace (a corpus tokenised on whitespace never
has any); files are UTF-8.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch


def write_text(path: Path, words: Sequence[str], vectors: torch.Tensor) -> None:
    x = vectors.detach().float().cpu().numpy()
    with path.open("w", encoding="utf-8") as f:
        f.write(f"{len(words)} {x.shape[1]}\n")
        for word, row in zip(words, x, strict=True):
            f.write(word + " " + " ".join(f"{v:.6g}" for v in row) + "\n")


def write_binary(path: Path, words: Sequence[str], vectors: torch.Tensor) -> None:
    x = vectors.detach().cpu().numpy().astype("<f4")
    with path.open("wb") as f:
        f.write(f"{len(words)} {x.shape[1]}\n".encode())
        for word, row in zip(words, x, strict=True):
            f.write(word.encode("utf-8") + b" " + row.tobytes() + b"\n")


def read(path: Path) -> tuple[list[str], torch.Tensor]:
    """``(words, vectors (V, D))`` of a text or binary word2vec file (told apart by content)."""
    with path.open("rb") as f:
        header = f.readline().split()
        if len(header) != 2 or not all(h.isdigit() for h in header):
            raise ValueError(f"{path}: not a word2vec file (its first line is not 'V D')")
        count, dim = int(header[0]), int(header[1])
        body = f.read()
    if _is_text(body, dim):
        return _read_text(body, count, dim, path)
    return _read_binary(body, count, dim, path)


def _is_text(body: bytes, dim: int) -> bool:
    first = body.split(b"\n", 1)[0].split(b" ")
    if len(first) != dim + 1:
        return False
    try:
        [float(v) for v in first[1:]]
    except ValueError:
        return False
    return True


def _read_text(body: bytes, count: int, dim: int, path: Path) -> tuple[list[str], torch.Tensor]:
    lines = body.decode("utf-8").splitlines()[:count]
    words = [line.split(" ", 1)[0] for line in lines]
    values = np.array([line.split(" ")[1:] for line in lines], dtype=np.float32)
    if values.shape != (count, dim):
        raise ValueError(f"{path}: expected {count} rows of {dim} numbers")
    return words, torch.from_numpy(values)


def _read_binary(body: bytes, count: int, dim: int, path: Path) -> tuple[list[str], torch.Tensor]:
    words, rows, at, size = [], [], 0, 4 * dim
    for _ in range(count):
        space = body.index(b" ", at)
        word = body[at:space].decode("utf-8").lstrip("\n")
        start = space + 1
        if start + size > len(body):
            raise ValueError(f"{path}: the file ends inside the vector of {word!r}")
        rows.append(np.frombuffer(body, dtype="<f4", count=dim, offset=start))
        words.append(word)
        at = start + size
    return words, torch.from_numpy(np.stack(rows).astype(np.float32))
