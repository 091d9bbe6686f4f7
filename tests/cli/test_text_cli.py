"""A text run through ``cli.main`` in-process: train, eval, export (tiny BERT, CPU)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from contrastkit.api import open_run
from contrastkit.cli import main
from text.text_fakes import SENTENCES, write_triplets_jsonl


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> str:
    return write_triplets_jsonl(tmp_path_factory.mktemp("data") / "rows.jsonl")


def _train(out: Path, model: Path, source: str, *extra: str) -> int:
    return main(
        [
            "train", "--method", "pairs", "--data", source, "--steps", "2", "--out", str(out),
            "--set", f"model.name={model}", "--set", "optim.batch_size=4",
            "--set", "eval.sts_split=null", "--device", "cpu", "-q", *extra,
        ]
    )  # fmt: skip


@pytest.fixture(scope="module")
def run(tiny_bert_dir: Path, source: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("runs") / "pairs"
    assert _train(out, tiny_bert_dir, source) == 0
    return out


def test_train_writes_a_text_run(run):
    assert json.loads((run / "config.json").read_text())["method"] == "pairs"
    assert (run / "checkpoints").is_dir()


def test_eval_scores_retrieval_on_the_given_pairs(run, source):
    assert main(["eval", "--run", str(run), "--data", source, "--device", "cpu", "-q"]) == 0
    scores = json.loads((run / "eval.json").read_text())
    assert scores["step"] == 2
    names = {"mrr@10", "ndcg@10", "recall@1", "recall@5", "recall@10"}
    assert names <= scores.keys()
    assert all(0 <= scores[k] <= 1 for k in names)
    assert not any(k.startswith("sts_") for k in scores)  # eval.sts_split=null


def test_export_loads_in_sentence_transformers_and_embeds_alike(run, tmp_path):
    st = pytest.importorskip("sentence_transformers")
    out = tmp_path / "st"
    assert main(["export", "--run", str(run), "--out", str(out)]) == 0
    model = st.SentenceTransformer(str(out), device="cpu")
    theirs = model.encode(list(SENTENCES), convert_to_tensor=True)
    ours = open_run(run).encoder().encode(list(SENTENCES))
    assert theirs.shape == ours.shape
    assert float((theirs.cpu() - ours).abs().max()) < 1e-5


def test_export_as_backbone_is_refused_for_a_text_run(run, tmp_path, capsys):
    code = main(["export", "--run", str(run), "--out", str(tmp_path / "b"), "--format", "backbone"])
    assert code != 0
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "text run" in err
    assert not (tmp_path / "b").exists()


def test_cached_run_trains(tiny_bert_dir, source, tmp_path):
    assert (
        _train(tmp_path, tiny_bert_dir, source, "--set", "cache_batch=2", "--set", "log_every=1")
        == 0
    )
    rows = [json.loads(r) for r in (tmp_path / "metrics.jsonl").read_text().splitlines()]
    assert [r["step"] for r in rows] == [1, 2]
    assert all(torch.isfinite(torch.tensor(r["loss"])) for r in rows)


def test_embed_writes_the_first_column_of_the_source(run, source, tmp_path):
    import numpy as np

    from contrastkit.data.text_sources import load_text_rows

    out = tmp_path / "emb.npy"
    assert main(["embed", "--run", str(run), "--data", source, "--out", str(out), "-q"]) == 0
    texts = load_text_rows(source).column(0)
    saved = json.loads((tmp_path / "emb.ids.json").read_text())
    assert saved["texts"] == texts and len(saved["ids"]) == len(texts)
    expected = open_run(run).encoder().encode(texts)
    torch.testing.assert_close(torch.from_numpy(np.load(out)), expected, rtol=0, atol=1e-6)


def test_report_on_a_text_run_draws_its_curves(run, tmp_path, capsys):
    pytest.importorskip("matplotlib", reason="the report needs the [viz] extra (matplotlib)")
    assert main(["report", "--run", str(run), "--out", str(tmp_path / "r"), "-q"]) == 0
    assert "report.html" in capsys.readouterr().out
    assert {p.name for p in (tmp_path / "r").glob("*.png")} == {"curves.png", "plane.png"}
    summary = json.loads((tmp_path / "r" / "report.json").read_text())
    assert summary["task"] == "text" and summary["method"] == "pairs" and summary["steps"] == 2


def test_image_only_eval_options_are_refused_in_one_line(run, capsys):
    assert main(["eval", "--run", str(run), "--knn-k", "3", "-q"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "unknown setting 'eval.knn_k'" in err[0]
