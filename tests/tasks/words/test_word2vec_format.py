"""word2vec text and binary files: round trips, and gensim reads ours (and we read its)."""

from __future__ import annotations

import pytest
import torch

from contrastkit.tasks.words import word2vec_format


def vectors(n: int = 7, d: int = 5) -> tuple[list[str], torch.Tensor]:
    torch.manual_seed(0)
    return [f"w{i}" for i in range(n - 1)] + ["naïve"], torch.randn(n, d)


@pytest.mark.parametrize("kind", ["text", "binary"])
def test_round_trip(tmp_path, kind):
    words, x = vectors()
    path = tmp_path / f"v.{kind}"
    getattr(word2vec_format, f"write_{kind}")(path, words, x)
    back_words, back = word2vec_format.read(path)
    assert back_words == words
    assert torch.allclose(back, x, atol=1e-5 if kind == "text" else 0)


@pytest.mark.parametrize("kind", ["text", "binary"])
def test_gensim_reads_ours_and_we_read_gensims(tmp_path, kind):
    gensim = pytest.importorskip("gensim")
    words, x = vectors()
    path = tmp_path / f"v.{kind}"
    getattr(word2vec_format, f"write_{kind}")(path, words, x)
    kv = gensim.models.KeyedVectors.load_word2vec_format(str(path), binary=kind == "binary")
    assert kv.index_to_key == words
    assert torch.allclose(torch.from_numpy(kv.vectors), x, atol=1e-5 if kind == "text" else 0)
    theirs = tmp_path / f"theirs.{kind}"
    kv.save_word2vec_format(str(theirs), binary=kind == "binary")
    read_words, read = word2vec_format.read(theirs)
    assert read_words == words and torch.allclose(read, x, atol=1e-5)


def test_what_is_not_a_word2vec_file_is_one_clear_error(tmp_path):
    (tmp_path / "x.txt").write_text("hello world\n")
    with pytest.raises(ValueError, match="not a word2vec file"):
        word2vec_format.read(tmp_path / "x.txt")
