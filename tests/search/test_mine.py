"""Hard negatives mined through an index (search/mine.py, ``contrastkit mine``): never the
positive, never within the margin of its score, best first; and the rows train ``pairs``."""

from __future__ import annotations

import json

import pytest

from contrastkit.cli import main
from contrastkit.data.text_sources import load_text_rows
from contrastkit.search.mine import mine_hard_negatives
from contrastkit.search.open import open_searcher
from text.text_fakes import TRIPLETS


@pytest.fixture(scope="module")
def searcher(text_corpus):
    return open_searcher(text_corpus["index"], corpus=True)


@pytest.mark.parametrize("margin", [0.0, 0.05, 0.5])
def test_negatives_are_not_the_positive_nor_within_the_margin(searcher, margin):
    queries = [t[0] for t in TRIPLETS]
    positives = queries[::-1]  # any pairing: the index holds the queries, so each positive is in it
    mined = mine_hard_negatives(
        searcher, queries, positives, negatives=3, margin=margin, progress=False
    )
    assert len(mined.negatives) == len(queries)
    for positive, found, scores, own in zip(
        positives, mined.negatives, mined.scores, mined.positive_scores, strict=True
    ):
        assert positive not in found and len(found) == len(scores) <= 3
        assert all(s <= (1 - margin) * own + 1e-6 for s in scores)
        assert scores == sorted(scores, reverse=True)
    if margin == 0.5:
        assert mined.skipped_as_false_negatives > 0


def test_the_cli_writes_rows_pairs_trains_on(
    searcher, text_corpus, tmp_path, tiny_bert_dir, capsys
):
    pairs = tmp_path / "pairs.jsonl"
    pairs.write_text("".join(json.dumps({"query": q, "doc": p}) + "\n" for q, p, _ in TRIPLETS))
    out = tmp_path / "mined.jsonl"
    args = [
        "mine",
        "--index",
        str(text_corpus["index"]),
        "--data",
        f"jsonl:{pairs}",
        "--out",
        str(out),
    ]
    assert main([*args, "--negatives", "2", "--margin", "0", "-q"]) == 0
    assert "hard negative(s)" in capsys.readouterr().out
    rows = load_text_rows(f"jsonl:{out}")
    assert rows.columns == ("query", "doc", "negative_1", "negative_2") and len(rows) == len(
        TRIPLETS
    )
    assert all(r[1] not in r[2:] for r in rows.rows)
    train = [
        "train",
        "--method",
        "pairs",
        "--data",
        f"jsonl:{out}",
        "--steps",
        "2",
        "--out",
        str(tmp_path / "run"),
    ]
    assert (
        main([*train, "--set", f"model.name={tiny_bert_dir}", "--set", "optim.batch_size=4", "-q"])
        == 0
    )


def test_mining_an_image_index_is_refused_in_one_line(image_corpus, tmp_path, capsys):
    pairs = tmp_path / "pairs.jsonl"
    pairs.write_text(json.dumps({"q": "a", "p": "b"}) + "\n")
    args = [
        "mine",
        "--index",
        str(image_corpus["index"]),
        "--data",
        f"jsonl:{pairs}",
        "--out",
        str(tmp_path / "o"),
    ]
    assert main(args) != 0
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "does not index texts" in err[0]
