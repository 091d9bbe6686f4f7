"""Text tuples (anchor, positive, hard negatives...) and a reader for JSONL, CSV and TSV files.

Every text dataset — STS-B sentences, news title→body pairs, a user's triplets — loads into
one type, :class:`TextRows`: named columns and a list of equal-length string tuples. Column 0
is the anchor, column 1 its positive, any further columns hard negatives.

File formats read by :func:`read_text_rows`:

* JSONL (``.jsonl``, ``.json``): one JSON object per line, string values; blank lines skipped.
  A list-valued field (several negatives) is rejected: give each negative its own field.
* CSV (``.csv``): a header row, then RFC 4180 rows (quoted fields may hold commas).
* TSV (``.tsv``, ``.txt``): a header row, then tab-separated rows with no quoting at all —
  a ``"`` is an ordinary character, as in STS-B and most TSV corpora.

Files are read as UTF-8 (a leading byte-order mark is ignored).
"""

from __future__ import annotations

import codecs
import csv
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

TextFormat = Literal["auto", "jsonl", "csv", "tsv"]
SUFFIX_FORMATS = {".jsonl": "jsonl", ".json": "jsonl", ".csv": "csv", ".tsv": "tsv", ".txt": "tsv"}


@dataclass(frozen=True)
class TextRows:
    """Rows of texts under named columns: anchor, positive, then hard negatives.

    Attributes:
        columns: the column names, in order (at least one, all different).
        rows: one tuple of ``len(columns)`` strings per example.

    Example:
        >>> pairs = TextRows(("title", "body"), [("Rain due", "It will rain."), ("Hi", "Hello.")])
        >>> len(pairs), pairs.column("title")
        (2, ['Rain due', 'Hi'])
    """

    columns: tuple[str, ...]
    rows: list[tuple[str, ...]]

    def __post_init__(self) -> None:
        object.__setattr__(self, "columns", tuple(self.columns))
        if not self.columns:
            raise ValueError("TextRows needs at least one column.")
        if len(set(self.columns)) != len(self.columns):
            raise ValueError(f"column names must differ, got {list(self.columns)}.")
        for i, row in enumerate(self.rows):
            if len(row) != len(self.columns):
                raise ValueError(
                    f"row {i} has {len(row)} texts but there are {len(self.columns)} columns "
                    f"{list(self.columns)}."
                )

    def __len__(self) -> int:
        return len(self.rows)

    def column(self, i: int | str) -> list[str]:
        """The texts of column ``i`` (a position or a name)."""
        names = self.columns
        j = names.index(_check_names([i], names)[0]) if isinstance(i, str) else range(len(names))[i]
        return [row[j] for row in self.rows]

    def select(self, columns: Sequence[str]) -> TextRows:
        """These columns only, in this order; ``ValueError`` lists the available ones."""
        names = _check_names(columns, self.columns)
        picks = [self.columns.index(name) for name in names]
        return TextRows(names, [tuple(row[j] for j in picks) for row in self.rows])


def read_text_rows(
    path: str | Path,
    columns: Sequence[str] | None = None,
    *,
    format: TextFormat = "auto",
) -> TextRows:
    """The rows of a JSONL, CSV or TSV file (see the module docstring).

    Args:
        path: the file.
        columns: the fields to take, in order (anchor, positive, negatives...); default all
            fields, in the order of the header (CSV/TSV) or of the first object (JSONL).
            Other fields are ignored.
        format: ``"jsonl"``, ``"csv"``, ``"tsv"``, or ``"auto"`` to go by the file's suffix.

    Raises ``FileNotFoundError`` when the file does not exist, and ``ValueError`` for an unknown
    format or column (listing the available ones), and for a row with a missing, empty or
    non-string field (naming its line).

    Example:
        >>> triplets = read_text_rows("train.jsonl", ["query", "pos", "neg"])
        >>> triplets.columns, triplets.rows[0]
        (('query', 'pos', 'neg'), ('what is ...', 'It is ...', 'Unrelated ...'))
    """
    path = Path(path).expanduser()
    if not path.is_file():
        raise FileNotFoundError(f"{path} does not exist or is not a file.")
    kind = _format_of(path, format)
    lines = _utf8_lines(path)
    if kind == "jsonl":
        names, rows = _read_jsonl(lines, columns, path)
    else:
        names, rows = _read_table(lines, columns, path, tab=kind == "tsv")
    if not rows:
        raise ValueError(f"{path} holds no rows.")
    return TextRows(names, rows)


def _utf8_lines(path: Path) -> Iterator[str]:
    """The file's lines decoded as UTF-8 (a leading byte-order mark dropped), line endings
    kept for the csv module; bytes that are not UTF-8 name their file and line."""
    with path.open("rb") as f:
        for number, raw in enumerate(f, start=1):
            if number == 1 and raw.startswith(codecs.BOM_UTF8):
                raw = raw[len(codecs.BOM_UTF8) :]
            try:
                yield raw.decode("utf-8")
            except UnicodeDecodeError as e:
                raise ValueError(
                    f"{path} line {number} is not UTF-8 (byte {e.start + 1} of the line is "
                    f"{raw[e.start : e.start + 1]!r}); save the file as UTF-8."
                ) from None


def _format_of(path: Path, format: str) -> str:
    if format in ("jsonl", "csv", "tsv"):
        return format
    if format != "auto":
        raise ValueError(f"format must be 'auto', 'jsonl', 'csv' or 'tsv', got {format!r}.")
    kind = SUFFIX_FORMATS.get(path.suffix.lower())
    if kind is None:
        raise ValueError(
            f"cannot tell the format of {path.name} from its suffix; name it .jsonl, .csv or "
            ".tsv, or pass format='jsonl', 'csv' or 'tsv'."
        )
    return kind


def _read_jsonl(
    lines: Iterator[str], columns: Sequence[str] | None, path: Path
) -> tuple[tuple[str, ...], list[tuple[str, ...]]]:
    names: tuple[str, ...] | None = None
    rows = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as err:
            raise ValueError(
                f"{path} line {number} is not JSON ({err.msg}); write one object per line."
            ) from None
        if not isinstance(record, dict):
            raise ValueError(
                f"{path} line {number} holds a {type(record).__name__}, not an object; write "
                "one JSON object per line."
            )
        if names is None:
            names = _check_names(list(record) if columns is None else columns, tuple(record))
        missing = [name for name in names if name not in record]
        if missing:
            raise ValueError(f"{path} line {number} has no field {missing[0]!r}.")
        rows.append(tuple(_text(record[name], name, number, path) for name in names))
    return names or (), rows


def _read_table(
    lines: Iterator[str], columns: Sequence[str] | None, path: Path, *, tab: bool
) -> tuple[tuple[str, ...], list[tuple[str, ...]]]:
    reader = csv.reader(lines, delimiter="\t", quoting=csv.QUOTE_NONE) if tab else csv.reader(lines)
    header = next(reader, None)
    if not header or not any(h.strip() for h in header):
        raise ValueError(f"{path} has no header row; its first line must name the columns.")
    if len(set(header)) != len(header):
        raise ValueError(f"{path} header names a column twice: {header}.")
    names = _check_names(header if columns is None else columns, tuple(header))
    picks = [header.index(name) for name in names]
    rows = []
    for fields in reader:
        if not fields:
            continue  # a blank line
        if len(fields) != len(header):
            raise ValueError(
                f"{path} line {reader.line_num} has {len(fields)} fields but the header has "
                f"{len(header)}."
            )
        rows.append(tuple(_text(fields[j], header[j], reader.line_num, path) for j in picks))
    return names, rows


def _check_names(columns: Sequence[str], available: tuple[str, ...]) -> tuple[str, ...]:
    names = tuple(columns)
    if isinstance(columns, str) or not names:
        raise ValueError(f"name at least one column, as a list; available: {list(available)}.")
    if len(set(names)) != len(names):
        raise ValueError(f"columns name a column twice: {list(names)}.")
    unknown = [name for name in names if name not in available]
    if unknown:
        raise ValueError(f"unknown column(s) {unknown}; available: {list(available)}.")
    return names


def _text(value: object, name: str, line: int, path: Path) -> str:
    if not isinstance(value, str):
        kind = "null" if value is None else type(value).__name__
        hint = "; give each negative its own field" if isinstance(value, list) else ""
        raise ValueError(f"{path} line {line} field {name!r} holds {kind}, not a string{hint}.")
    if not value.strip():
        raise ValueError(f"{path} line {line} field {name!r} is empty.")
    return value
