"""STS Benchmark (data/stsb.py): parsing, extra fields, unique sentences, errors, real counts."""

from __future__ import annotations

import pytest
import torch
from data_fakes import write_fake_stsb

from contrastkit.data import DatasetNotFoundError, StsPairs, load_stsb, stsb_sentences
from contrastkit.data.shared import ENV_VAR

PAIRS = [
    (5.0, "A plane is taking off.", "An air plane is taking off."),
    (3.8, 'He said "hi', "A man is playing a flute."),  # an unbalanced quote stays verbatim
    (0.0, "A plane is taking off.", "A cat sleeps."),
]


def test_reads_scores_and_sentences_ignoring_extra_fields(tmp_path):
    pairs = load_stsb("dev", write_fake_stsb(tmp_path, {"dev": PAIRS}))
    assert isinstance(pairs, StsPairs) and len(pairs) == 3
    assert pairs.sentences1 == [p[1] for p in PAIRS] and pairs.sentences2 == [p[2] for p in PAIRS]
    assert pairs.scores.dtype == torch.float64 and pairs.scores.tolist() == [5.0, 3.8, 0.0]


def test_unique_sentences_in_first_seen_order(tmp_path):
    root = write_fake_stsb(tmp_path, {"train": PAIRS})
    assert stsb_sentences("train", root) == [
        "A plane is taking off.",
        "An air plane is taking off.",
        'He said "hi',
        "A man is playing a flute.",
        "A cat sleeps.",
    ]


def test_default_root_is_the_shared_data_folder(tmp_path, monkeypatch):
    write_fake_stsb(tmp_path / "stsbenchmark", {"test": PAIRS[:2]})
    monkeypatch.setenv(ENV_VAR, str(tmp_path))
    assert len(load_stsb("test")) == 2


def test_missing_file_says_what_to_do(tmp_path):
    with pytest.raises(
        DatasetNotFoundError, match=r"sts-dev.csv not found; pass root=.*CONTRASTKIT_SHARED_DATA"
    ):
        load_stsb("dev", tmp_path)


def test_unknown_split(tmp_path):
    with pytest.raises(ValueError, match=r"split must be 'train', 'dev' or 'test', got 'val'"):
        load_stsb("val", tmp_path)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("g\tf\t2016\t0001\t4.0\tonly one sentence", r"line 2 has 6 tab-separated fields"),
        ("g\tf\t2016\t0001\tfour\ta\tb", r"line 2 has score 'four', not a number"),
    ],
)
def test_malformed_lines_are_named(tmp_path, line, message):
    good = "g\tf\t2016\t0000\t1.0\ta\tb"
    (tmp_path / "sts-train.csv").write_text(f"{good}\n{line}\n", encoding="utf-8")
    with pytest.raises(ValueError, match=message):
        load_stsb("train", tmp_path)


def test_pairs_must_agree_in_length():
    with pytest.raises(ValueError, match=r"got 2, 1 and \(2,\)"):
        StsPairs(["a", "b"], ["c"], torch.zeros(2, dtype=torch.float64))


@pytest.fixture
def real_stsb():
    try:
        load_stsb("dev")
    except DatasetNotFoundError as err:
        pytest.skip(f"STS-B is not in the shared data folder: {err}")


@pytest.mark.parametrize(("split", "n"), [("train", 5749), ("dev", 1500), ("test", 1379)])
def test_real_split_sizes_and_score_range(real_stsb, split, n):
    pairs = load_stsb(split)
    assert len(pairs) == n and len(pairs.sentences2) == n
    assert float(pairs.scores.min()) >= 0.0 and float(pairs.scores.max()) <= 5.0
    assert all(s.strip() for s in pairs.sentences1 + pairs.sentences2)
