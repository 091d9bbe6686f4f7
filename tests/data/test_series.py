"""Series sources: aeon's bundled UCR/UEA files read without aeon, and the user's NPZ/CSV."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from contrastkit.data.series import load_series, ucr_names

pytest.importorskip("aeon", reason="the UCR/UEA files come with aeon (pip install --no-deps aeon)")


def test_the_bundled_sets_have_their_published_shapes():
    assert {"GunPoint", "BasicMotions", "ArrowHead", "JapaneseVowels"} <= set(ucr_names())
    train, test = load_series("ucr:GunPoint", "train"), load_series("ucr:GunPoint", "test")
    assert tuple(train.series.shape) == (50, 1, 150) and tuple(test.series.shape) == (150, 1, 150)
    assert train.classes == ["1", "2"] and train.labels.bincount().tolist() == [24, 26]
    motions = load_series("ucr:BasicMotions", "test")
    assert tuple(motions.series.shape) == (40, 6, 100) and len(motions.classes) == 4


def test_unequal_lengths_are_padded_with_each_channels_last_value():
    vowels = load_series("ucr:JapaneseVowels", "train")
    assert tuple(vowels.series.shape) == (270, 12, 26)
    x = vowels.series
    # some utterance is shorter than the longest: its tail repeats its last value exactly
    flat_tail = (x[:, :, -1:] == x[:, :, -2:-1]).all(dim=(1, 2))
    assert 0 < int(flat_tail.sum()) < len(x)


def test_npz_and_csv_files_with_a_test_file_beside_them(tmp_path):
    rng = np.random.default_rng(0)
    np.savez(
        tmp_path / "mine.npz", series=rng.normal(size=(5, 40)), labels=np.array([0, 1, 0, 1, 1])
    )
    np.savez(tmp_path / "mine_TEST.npz", series=rng.normal(size=(3, 2, 40)))
    train, test = (
        load_series(f"series:{tmp_path / 'mine.npz'}"),
        load_series(f"series:{tmp_path / 'mine.npz'}", "test"),
    )
    assert tuple(train.series.shape) == (5, 1, 40) and train.labels.tolist() == [0, 1, 0, 1, 1]
    assert tuple(test.series.shape) == (3, 2, 40) and test.labels.tolist() == [-1, -1, -1]
    rows = np.column_stack([[3, 7, 3], rng.normal(size=(3, 20))])
    np.savetxt(tmp_path / "ucr.csv", rows, delimiter=",")
    csv = load_series(f"series:{tmp_path / 'ucr.csv'}")
    assert csv.classes == ["3", "7"] and csv.labels.tolist() == [0, 1, 0]
    torch.testing.assert_close(csv.series[:, 0], torch.tensor(rows[:, 1:], dtype=torch.float32))


def test_a_csv_that_is_not_numbers_names_the_file(tmp_path):
    (tmp_path / "bad.csv").write_text("label,value\n1,2\n")
    with pytest.raises(ValueError, match=r"bad\.csv: could not convert .*label, then the values"):
        load_series(f"series:{tmp_path / 'bad.csv'}")


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("ucr:NoSuchSet", "aeon ships no 'NoSuchSet' classification set; it has ACSF1"),
        ("wav:x", "unknown series source 'wav:x'"),
        ("series:/nonexistent.npz", "no series file"),
    ],
)
def test_bad_sources_are_one_sentence(source, message):
    with pytest.raises((ValueError, FileNotFoundError), match=message):
        load_series(source)
