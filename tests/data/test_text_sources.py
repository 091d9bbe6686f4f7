"""Text-source strings (data/text_sources.py): stsb, stsb-pairs, news, files, and errors."""

from __future__ import annotations

import pytest
from data_fakes import write_fake_news_zip, write_fake_stsb

from contrastkit.data import TEXT_SOURCES, load_text_rows
from contrastkit.data import news as news_module
from contrastkit.data.shared import ENV_VAR as SHARED_ENV_VAR

PAIRS = [(4.0, "A dog runs.", "A dog is running."), (1.0, "A dog runs.", "It rains.")]


@pytest.fixture
def fake_shared(tmp_path, monkeypatch):
    write_fake_stsb(tmp_path / "stsbenchmark", {"train": PAIRS, "dev": PAIRS[:1]})
    monkeypatch.setenv(SHARED_ENV_VAR, str(tmp_path))


def test_stsb_is_one_column_of_distinct_sentences(fake_shared):
    rows = load_text_rows("stsb")
    assert rows.columns == ("sentence",)
    assert rows.column(0) == ["A dog runs.", "A dog is running.", "It rains."]
    assert len(load_text_rows("stsb", "dev")) == 2


def test_stsb_pairs(fake_shared):
    rows = load_text_rows("stsb-pairs")
    assert rows.columns == ("sentence1", "sentence2")
    assert rows.rows == [(s1, s2) for _, s1, s2 in PAIRS]
    assert load_text_rows("stsb-pairs", columns=["sentence2"]).rows == [(s2,) for _, _, s2 in PAIRS]


def test_news(tmp_path, monkeypatch):
    articles = [(f"T{i}", f"B{i}") for i in range(10)]
    monkeypatch.setenv(news_module.ENV_VAR, str(write_fake_news_zip(tmp_path / "n.zip", articles)))
    train, test, every = (load_text_rows("news", s) for s in ("train", "test", "all"))
    assert train.columns == ("title", "body") and (len(train), len(test), len(every)) == (8, 2, 10)
    assert load_text_rows("news", "all", ["body", "title"]).rows[0] == ("B0", "T0")


@pytest.mark.parametrize(
    ("kind", "name", "text"),
    [
        ("jsonl", "r.jsonl", '{"q": "a", "p": "b"}\n'),
        ("csv", "r.csv", "q,p\na,b\n"),
        ("tsv", "r.tsv", "q\tp\na\tb\n"),
        ("tsv", "r.data", "q\tp\na\tb\n"),  # the kind, not the suffix, sets the format
    ],
)
def test_files(tmp_path, kind, name, text):
    (tmp_path / name).write_text(text)
    rows = load_text_rows(f"{kind}:{tmp_path / name}", columns=["p", "q"])
    assert rows.columns == ("p", "q") and rows.rows == [("b", "a")]


@pytest.mark.parametrize("spec", ["sts", "json:/a", "Stsb", "parquet:/x", "", "news:"])
def test_unknown_source_lists_the_known_forms(spec):
    with pytest.raises(ValueError) as err:
        load_text_rows(spec)
    assert str(err.value) == (
        f"unknown text source {spec!r}; use stsb, stsb-pairs, news, jsonl:PATH, csv:PATH, tsv:PATH."
    )
    assert len(TEXT_SOURCES) == 6


@pytest.mark.parametrize(
    ("spec", "split", "message"),
    [
        ("stsb", "all", r"stsb has splits 'train', 'dev' and 'test', got 'all'"),
        ("stsb-pairs", "val", r"stsb-pairs has splits"),
        ("news", "dev", r"news has splits 'train', 'test' and 'all', got 'dev'"),
        ("csv:x.csv", "test", r"have one split, 'train', got 'test'; .* csv:HELD_OUT_PATH"),
    ],
)
def test_bad_splits(spec, split, message):
    with pytest.raises(ValueError, match=message):
        load_text_rows(spec, split)


def test_file_source_errors(tmp_path):
    with pytest.raises(ValueError, match=r"names no path; write jsonl:PATH"):
        load_text_rows("jsonl:")
    with pytest.raises(FileNotFoundError, match=r"absent.csv does not exist \(text source"):
        load_text_rows(f"csv:{tmp_path / 'absent.csv'}")
