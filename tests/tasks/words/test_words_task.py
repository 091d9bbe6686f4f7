"""The words task through the CLI on a small text file: train, resume bit-identical,
evaluate on the word tests, embed the vocabulary, export, reopen, and gensim reads the
export with the same nearest neighbours."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from contrastkit.cli import main
from contrastkit.encoders import load_encoder
from contrastkit.engine.checkpoint import list_checkpoints, load_checkpoint

SMALL = [
    "--set", "data.min_count=2", "--set", "model.dim=16", "--set", "optim.batch_size=200",
    "--set", "checkpoint_every=4", "--set", "keep_checkpoints=4", "--device", "cpu", "-q",
]  # fmt: skip


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """Sentences over a small vocabulary where words of one topic occur together."""
    topics = [["king", "queen", "prince", "crown"], ["man", "woman", "boy", "girl"],
              ["paris", "france", "london", "england"]]  # fmt: skip
    rng = np.random.default_rng(0)
    lines = []
    for _ in range(600):
        words = topics[rng.integers(3)]
        lines.append(" ".join(rng.choice(words, size=8)) + " and the")
    path = tmp_path_factory.mktemp("corpus") / "corpus.txt"
    path.write_text("\n".join(lines) + "\n")
    return path


def _train(out, corpus, *extra: str) -> int:
    train = ["train", "--method", "word2vec", "--data", f"corpus:{corpus}", "--steps", "12"]
    return main([*train, "--out", str(out), *SMALL, *extra])


def test_trains_resumes_evaluates_exports_and_gensim_agrees(tmp_path, corpus, capsys):
    run, killed = tmp_path / "run", tmp_path / "killed"
    assert _train(run, corpus) == 0
    assert json.loads((run / "config.json").read_text())["task"] == "words"
    assert _train(killed, corpus) == 0
    for path in list_checkpoints(killed / "checkpoints"):
        if load_checkpoint(path)["step"] > 4:
            path.unlink()
    assert _train(killed, corpus, "--resume", "auto") == 0
    final = [load_checkpoint(list_checkpoints(d / "checkpoints")[-1]) for d in (run, killed)]
    for key, value in final[0]["model"].items():
        assert torch.equal(value.to_dense(), final[1]["model"][key].to_dense()), key

    capsys.readouterr()
    assert main(["eval", "--run", str(run)]) == 0
    assert "WordSim353 Spearman" in capsys.readouterr().out
    scores = json.loads((run / "eval.json").read_text())
    assert (
        scores["wordsim353_pairs"] >= 1 and scores["analogy_questions"] >= 1
    )  # king/queen/man/woman…

    emb = tmp_path / "emb.npy"
    assert main(["embed", "--run", str(run), "--out", str(emb), "-q"]) == 0
    assert main(["export", "--run", str(run), "--out", str(tmp_path / "export")]) == 0
    vectors = load_encoder(tmp_path / "export")
    words = json.loads((tmp_path / "emb.ids.json").read_text())["ids"]
    np.testing.assert_allclose(vectors.encode(words).numpy(), np.load(emb), atol=1e-6)
    assert vectors.nearest("king", 3)[0][0] in ("queen", "prince", "crown")  # it learned topics

    gensim = pytest.importorskip("gensim")
    for name, binary in (("vectors.bin", True), ("vectors.txt", False)):
        kv = gensim.models.KeyedVectors.load_word2vec_format(
            str(tmp_path / "export" / name), binary=binary
        )
        assert kv.index_to_key == vectors.words
        ours = [w for w, _ in vectors.nearest("paris", 5)]
        assert [w for w, _ in kv.most_similar("paris", topn=5)] == ours


def test_a_missing_corpus_is_one_line(tmp_path, capsys):
    code = main(["train", "--method", "word2vec", "--data", "corpus:/nowhere.txt",
                 "--out", str(tmp_path / "r"), "--steps", "1", "-q"])  # fmt: skip
    err = capsys.readouterr().err
    assert code != 0 and "nowhere.txt" in err and "Traceback" not in err
