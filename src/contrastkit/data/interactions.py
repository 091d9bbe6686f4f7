"""User–item interactions: who interacted with what, and when.

Sources:

* ``movielens`` — the MovieLens ratings (671 users, 9,066 movies, 100,004 ratings, 1995–2016;
  GroupLens' ml-latest-small as the R package dslabs ships it), every rating an interaction,
  with each movie's genres as item features. The Debian package ``r-cran-dslabs`` holds them:
  ``make data`` downloads it and unpacks it into ``.data/dslabs`` (``apt-get download`` +
  ``dpkg-deb -x``; installing it would pull in R); ``$CONTRASTKIT_DSLABS`` points at another
  unpacked copy. The R lazy-load database is read with the PyPI package ``rdata``.
* ``interactions:PATH.csv`` — rows ``user,item[,time]`` (a header row is skipped when its
  ``time`` is not a number); without times, the row order is the time order.
"""

from __future__ import annotations

import csv
import os
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from contrastkit.data.errors import DatasetNotFoundError
from contrastkit.data.shared import repo_root

DSLABS_ENV = "CONTRASTKIT_DSLABS"
RDATA = Path("usr/lib/R/site-library/dslabs/data/Rdata")


@dataclass(frozen=True)
class Interactions:
    """Rows of (user, item, time) as int64 tensors ``(N,)`` indexing ``users`` and ``items``
    (the original ids, as strings); ``item_features`` a float ``(items, F)`` multi-hot of
    ``feature_names``, or None."""

    user: torch.Tensor
    item: torch.Tensor
    time: torch.Tensor
    users: list[str]
    items: list[str]
    item_titles: list[str] | None = None
    item_features: torch.Tensor | None = None
    feature_names: list[str] | None = None

    def __len__(self) -> int:
        return len(self.user)


def load_interactions(source: str) -> Interactions:
    if source == "movielens":
        return movielens()
    kind, _, rest = source.partition(":")
    if kind == "interactions" and rest:
        return _read_csv(Path(rest).expanduser())
    raise ValueError(
        f"unknown interactions source {source!r}; use movielens or interactions:PATH.csv"
    )


def movielens() -> Interactions:
    frame = _dslabs_object("movielens")
    users, user = _codes(frame["userId"].astype(int).astype(str).tolist())
    items, item = _codes(frame["movieId"].astype(int).astype(str).tolist())
    titles = dict(
        zip(frame["movieId"].astype(int).astype(str), frame["title"].astype(str), strict=True)
    )
    genres = dict(
        zip(frame["movieId"].astype(int).astype(str), frame["genres"].astype(str), strict=True)
    )
    names = sorted(
        {g for gs in genres.values() for g in gs.split("|") if g != "(no genres listed)"}
    )
    column = {g: i for i, g in enumerate(names)}
    features = torch.zeros(len(items), len(names))
    for i, movie in enumerate(items):
        for g in genres[movie].split("|"):
            if g in column:
                features[i, column[g]] = 1.0
    return Interactions(
        torch.tensor(user), torch.tensor(item), torch.tensor(frame["timestamp"].astype(int).tolist()),
        users, items, [titles[m] for m in items], features, names,
    )  # fmt: skip


def dslabs_dir() -> Path:
    env = os.environ.get(DSLABS_ENV)
    root = repo_root()
    tried = [Path(env).expanduser()] if env else []
    if root is not None:
        tried.append(root / ".data" / "dslabs")
    tried.append(Path("/"))  # an apt-installed r-cran-dslabs
    for folder in tried:
        if (folder / RDATA).with_suffix(".rdb").is_file():
            return folder
    raise DatasetNotFoundError(
        f"the MovieLens ratings (Debian r-cran-dslabs) are not under {', '.join(map(str, tried))}; "
        f"run `make data` (apt-get download r-cran-dslabs; dpkg-deb -x it into .data/dslabs) "
        f"or set {DSLABS_ENV}"
    )


def _dslabs_object(name: str) -> Any:
    """One object of dslabs' R lazy-load database: its .rdx index (an RDS file) gives the
    object's offset and length in the .rdb file, a 4-byte length then zlib-compressed R
    serialisation."""
    try:
        import rdata
    except ImportError:
        raise ImportError(
            "reading MovieLens needs rdata: pip install 'contrastkit[recommend]'"
        ) from None
    import warnings

    base = dslabs_dir() / RDATA
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # rdata warns that these are unusual RDS files
        index = rdata.conversion.convert(rdata.parser.parse_file(base.with_suffix(".rdx")))
        offset, length = (int(v) for v in index["variables"][name])
        with base.with_suffix(".rdb").open("rb") as f:
            f.seek(offset)
            blob = f.read(length)
        return rdata.conversion.convert(rdata.parser.parse_data(zlib.decompress(blob[4:])))


def _codes(values: list[str]) -> tuple[list[str], list[int]]:
    """Distinct values in order of first appearance, and each value's position among them."""
    index: dict[str, int] = {}
    codes = [index.setdefault(v, len(index)) for v in values]
    return list(index), codes


def _read_csv(path: Path) -> Interactions:
    if not path.is_file():
        raise FileNotFoundError(f"{path} does not exist")
    with path.open(newline="", encoding="utf-8") as f:
        rows = [r for r in csv.reader(f) if r]
    header = rows[0] if rows else []
    if [h.strip().lower() for h in header[:2]] == ["user", "item"] or (
        len(header) > 2 and not _is_number(header[2])
    ):
        rows = rows[1:]
    if not rows or any(len(r) < 2 for r in rows):
        raise ValueError(f"{path}: expected rows of user,item[,time]")
    try:
        times = [float(r[2]) if len(r) > 2 else float(i) for i, r in enumerate(rows)]
    except ValueError:
        raise ValueError(f"{path}: the third column (time) must be a number") from None
    users, user = _codes([r[0] for r in rows])
    items, item = _codes([r[1] for r in rows])
    return Interactions(
        torch.tensor(user), torch.tensor(item), torch.tensor(times).long(), users, items
    )


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
