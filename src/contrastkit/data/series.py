"""Time series for the series task: aeon's bundled UCR/UEA sets (read offline from its files,
aeon itself not imported) and the user's own NPZ or CSV files.

Sources:

* ``ucr:NAME`` — a classification set aeon ships in its wheel (``ucr:GunPoint``,
  ``ucr:BasicMotions``, …), splits ``train`` and ``test``, parsed from its ``.ts`` file;
* ``series:PATH.npz`` — arrays ``series`` (N, C, T) or (N, T) and optional ``labels`` (N,);
  ``series:PATH.csv`` — one univariate series a row, the label first (the UCR archive's
  layout). A file is its own ``train`` split; ``PATH_TEST.npz`` / ``PATH_TEST.csv`` beside it,
  when present, is the ``test`` split.

Unequal lengths (JapaneseVowels: 7–29 steps) are padded at the end with each channel's last
value, so a convolution sees a flat tail rather than a jump to zero.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from contrastkit.data.errors import DatasetNotFoundError

SPLITS = ("train", "test")


@dataclass(frozen=True)
class SeriesSet:
    """Series ``(N, C, T)`` float32, labels ``(N,)`` int64 (−1: none), and the class names."""

    series: torch.Tensor
    labels: torch.Tensor
    classes: list[str]
    name: str

    def __len__(self) -> int:
        return len(self.series)


def load_series(source: str, split: str = "train") -> SeriesSet:
    """The series of ``source`` (see the module docstring)."""
    if split not in SPLITS:
        raise ValueError(f"series sources have splits {', '.join(SPLITS)}, got {split!r}")
    kind, _, rest = source.partition(":")
    if kind == "ucr" and rest:
        return _read_ts(_aeon_file(rest, split), rest)
    if kind == "series" and rest:
        return _read_file(Path(rest).expanduser(), split)
    raise ValueError(f"unknown series source {source!r}; use ucr:NAME or series:PATH.npz|csv")


def ucr_names() -> list[str]:
    """The classification sets aeon's wheel holds (those with a _TRAIN.ts file)."""
    root = _aeon_data()
    return sorted(p.name for p in root.iterdir() if (p / f"{p.name}_TRAIN.ts").is_file())


def _aeon_data() -> Path:
    spec = importlib.util.find_spec("aeon")
    if spec is None or not spec.submodule_search_locations:
        raise DatasetNotFoundError(
            "the UCR/UEA sets come from the PyPI package aeon: pip install --no-deps aeon"
        )
    return Path(next(iter(spec.submodule_search_locations))) / "datasets" / "data"


def _aeon_file(name: str, split: str) -> Path:
    path = _aeon_data() / name / f"{name}_{split.upper()}.ts"
    if not path.is_file():
        raise DatasetNotFoundError(
            f"aeon ships no {name!r} classification set; it has {', '.join(ucr_names())}"
        )
    return path


def _read_ts(path: Path, name: str) -> SeriesSet:
    """A ``.ts`` file: ``@`` headers, then ``@data`` rows of ``dim:dim:…:label``."""
    classes: list[str] = []
    rows: list[tuple[list[np.ndarray], str]] = []
    in_data = False
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if not in_data:
            lowered = line.lower()
            if lowered.startswith("@classlabel"):
                classes = line.split()[2:]
            in_data = lowered == "@data"
            continue
        *dims, label = line.split(":")
        try:
            channels = [np.array(d.split(","), dtype=np.float32) for d in dims]
        except ValueError as e:
            raise ValueError(f"{path}:{number}: not a row of numbers ({e})") from None
        rows.append((channels, label.strip()))
    if not rows:
        raise ValueError(f"{path} holds no @data rows")
    classes = classes or sorted({label for _, label in rows})
    index = {c: i for i, c in enumerate(classes)}
    series = _pad([channels for channels, _ in rows])
    labels = torch.tensor([index[label] for _, label in rows], dtype=torch.long)
    return SeriesSet(series, labels, classes, name)


def _pad(rows: list[list[np.ndarray]]) -> torch.Tensor:
    """``(N, C, T)``: every channel of every row padded to the longest with its last value."""
    length = max(len(c) for channels in rows for c in channels)
    out = np.empty((len(rows), len(rows[0]), length), dtype=np.float32)
    for i, channels in enumerate(rows):
        for j, c in enumerate(channels):
            out[i, j, : len(c)] = c
            out[i, j, len(c) :] = c[-1] if len(c) else 0.0
    return torch.from_numpy(np.nan_to_num(out))


def _read_file(path: Path, split: str) -> SeriesSet:
    if split == "test":
        path = path.with_name(f"{path.stem}_TEST{path.suffix}")
    if not path.is_file():
        raise FileNotFoundError(f"no series file {path}")
    if path.suffix == ".npz":
        with np.load(path, allow_pickle=False) as data:
            if "series" not in data:
                raise ValueError(f"{path} has no array named 'series' (N, C, T) or (N, T)")
            x = torch.from_numpy(np.asarray(data["series"], dtype=np.float32))
            y = torch.from_numpy(np.asarray(data["labels"])).long() if "labels" in data else None
        x = x.unsqueeze(1) if x.dim() == 2 else x
        if x.dim() != 3:
            raise ValueError(f"{path}: 'series' must be (N, C, T) or (N, T), got {tuple(x.shape)}")
        labels = y if y is not None else torch.full((len(x),), -1, dtype=torch.long)
        classes = [str(c) for c in sorted(set(labels.tolist()) - {-1})]
        return SeriesSet(x, labels, classes, path.stem)
    if path.suffix == ".csv":
        try:
            table = np.loadtxt(path, delimiter=",", dtype=np.float32, ndmin=2)
        except ValueError as e:
            raise ValueError(f"{path}: {e} (rows are: label, then the values)") from None
        raw = table[:, 0].astype(np.int64)
        classes = sorted(set(raw.tolist()))
        labels = torch.tensor([classes.index(v) for v in raw.tolist()], dtype=torch.long)
        return SeriesSet(
            torch.from_numpy(table[:, 1:]).unsqueeze(1),
            labels,
            [str(c) for c in classes],
            path.stem,
        )
    raise ValueError(f"{path}: series files are .npz or .csv")
