"""Text tuples (data/text_rows.py): TextRows, and reading JSONL, CSV and TSV files."""

from __future__ import annotations

import json

import pytest

from contrastkit.data import TextRows, read_text_rows


def write_jsonl(path, records):
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


TRIPLETS = [
    {"query": "q1", "pos": "p1", "neg": "n1", "id": "a"},
    {"query": "q2", "pos": "p2", "neg": "n2", "id": "b"},
]


def test_text_rows_columns_and_select():
    rows = TextRows(("a", "b", "c"), [("1", "2", "3"), ("4", "5", "6")])
    assert len(rows) == 2 and rows.column(1) == ["2", "5"] and rows.column("c") == ["3", "6"]
    assert rows.column(-1) == rows.column("c")
    assert rows.select(["c", "a"]) == TextRows(("c", "a"), [("3", "1"), ("6", "4")])
    with pytest.raises(
        ValueError, match=r"unknown column\(s\) \['z'\]; available: \['a', 'b', 'c'\]"
    ):
        rows.column("z")
    with pytest.raises(IndexError):
        rows.column(3)


@pytest.mark.parametrize(
    ("columns", "rows", "message"),
    [
        ((), [], "at least one column"),
        (("a", "a"), [], r"column names must differ, got \['a', 'a'\]"),
        (("a", "b"), [("x",)], r"row 0 has 1 texts but there are 2 columns \['a', 'b'\]"),
    ],
)
def test_text_rows_validation(columns, rows, message):
    with pytest.raises(ValueError, match=message):
        TextRows(columns, rows)


def test_jsonl_default_columns_are_the_first_objects_keys(tmp_path):
    path = tmp_path / "t.jsonl"
    path.write_text(json.dumps(TRIPLETS[0]) + "\n\n" + json.dumps(TRIPLETS[1]) + "\n")
    rows = read_text_rows(path)
    assert rows.columns == ("query", "pos", "neg", "id")
    assert rows.rows == [("q1", "p1", "n1", "a"), ("q2", "p2", "n2", "b")]


def test_jsonl_columns_pick_and_order_fields(tmp_path):
    rows = read_text_rows(write_jsonl(tmp_path / "t.json", TRIPLETS), ["pos", "query"])
    assert rows.columns == ("pos", "query") and rows.rows == [("p1", "q1"), ("p2", "q2")]


def test_csv_with_quoted_commas_and_a_byte_order_mark(tmp_path):
    path = tmp_path / "pairs.csv"
    path.write_text(
        '\ufeffanchor,positive\n"Hi, there",Hello\n\nA,"He said ""B"""\n', encoding="utf-8"
    )
    rows = read_text_rows(path)
    assert rows.columns == ("anchor", "positive")
    assert rows.rows == [("Hi, there", "Hello"), ("A", 'He said "B"')]


@pytest.mark.parametrize("name", ["pairs.tsv", "pairs.txt"])
def test_tsv_keeps_quotes_verbatim(tmp_path, name):
    path = tmp_path / name
    path.write_text('a\tb\tc\n"open quote\tx, y\tz\n', encoding="utf-8")
    rows = read_text_rows(path, ["c", "a"])
    assert rows.rows == [("z", '"open quote')]


def test_explicit_format_overrides_the_suffix(tmp_path):
    path = write_jsonl(tmp_path / "data.log", TRIPLETS)
    assert len(read_text_rows(path, format="jsonl")) == 2


@pytest.mark.parametrize(
    ("text", "columns", "message"),
    [
        ('{"a": "x", "b": "y"}\n', ["a", "z"], r"unknown column\(s\) \['z'\]; available: \['a', 'b'\]"),
        ('{"a": "x", "b": "y"}\n{"a": "x"}\n', None, r"line 2 has no field 'b'"),
        ('{"a": "x", "b": "y"}\n\n{"a": "x", "b": " "}\n', None, r"line 3 field 'b' is empty"),
        ('{"a": "x", "b": ["n1", "n2"]}\n', None, r"line 1 field 'b' holds list, not a string; give each negative its own field"),
        ('{"a": "x", "b": 3}\n', None, r"line 1 field 'b' holds int, not a string\.$"),
        ('{"a": "x", "b": null}\n', None, r"line 1 field 'b' holds null"),
        ('["x", "y"]\n', None, r"line 1 holds a list, not an object"),
        ('{"a": "x"\n', None, r"line 1 is not JSON .*; write one object per line"),
        ("\n\n", None, r"holds no rows"),
        ('{"a": "x"}\n', [], r"name at least one column, as a list; available: \['a'\]"),
        ('{"a": "x"}\n', "a", r"name at least one column, as a list"),
        ('{"a": "x"}\n', ["a", "a"], r"columns name a column twice"),
    ],
)  # fmt: skip
def test_jsonl_errors(tmp_path, text, columns, message):
    path = tmp_path / "bad.jsonl"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match=message):
        read_text_rows(path, columns)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a,b\nx,y\nx\n", r"line 3 has 1 fields but the header has 2"),
        ("a,b\nx,y\nx,y,z\n", r"line 3 has 3 fields but the header has 2"),
        ("a,b\nx,\n", r"line 2 field 'b' is empty"),
        ("", r"has no header row"),
        (",\nx,y\n", r"has no header row"),
        ("a,a\nx,y\n", r"header names a column twice"),
        ("a,b\n", r"holds no rows"),
    ],
)
def test_csv_errors(tmp_path, text, message):
    path = tmp_path / "bad.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match=message):
        read_text_rows(path)


def test_csv_unknown_column_lists_the_header(tmp_path):
    path = tmp_path / "p.csv"
    path.write_text("anchor,positive\nx,y\n")
    with pytest.raises(ValueError, match=r"available: \['anchor', 'positive'\]"):
        read_text_rows(path, ["query"])


def test_file_and_format_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"absent.jsonl does not exist"):
        read_text_rows(tmp_path / "absent.jsonl")
    (tmp_path / "data.parquet").write_text("x")
    with pytest.raises(
        ValueError, match=r"cannot tell the format of data.parquet .* format='jsonl'"
    ):
        read_text_rows(tmp_path / "data.parquet")
    with pytest.raises(
        ValueError, match=r"format must be 'auto', 'jsonl', 'csv' or 'tsv', got 'xml'"
    ):
        read_text_rows(tmp_path / "data.parquet", format="xml")  # type: ignore[arg-type]


@pytest.mark.parametrize("suffix", [".jsonl", ".csv"])
def test_bytes_that_are_not_utf8_name_file_and_line(tmp_path, suffix):
    path = tmp_path / f"rows{suffix}"
    good = '{"a": "x", "b": "y"}\n' if suffix == ".jsonl" else "a,b\nx,y\n"
    path.write_bytes(good.encode() + b"caf\xe9 latin-1,z\n")
    with pytest.raises(
        ValueError, match=rf"{path.name} line \d is not UTF-8 \(byte 4 of the line is b'\\xe9'\)"
    ):
        read_text_rows(path)
