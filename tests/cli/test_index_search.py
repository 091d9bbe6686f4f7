"""``contrastkit index`` and ``contrastkit search`` on real exports: an image index answers
kNN exactly as ``eval`` scores it, a text index finds its own texts, and a query is never
embedded by another encoder than the one that built the index."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from contrastkit.cli import main
from contrastkit.search.open import open_searcher

IMAGE_RUN = [
    "--set", "data.max_samples=256", "--set", "optim.batch_size=32",
    "--set", "model.projection_hidden=16", "--set", "model.projection_dim=8",
    "--set", "model.backbone_options.width=8", "--set", "monitor.every=0",
    "--set", "eval.max_train=512", "--device", "cpu", "-q",
]  # fmt: skip


@pytest.fixture(scope="module")
def image_export(tmp_path_factory, fashion_mnist_available):
    from contrastkit.data import load_fashion_mnist

    root = tmp_path_factory.mktemp("fm")
    run = root / "run"
    assert (
        main(["train", "--data", "fashion-mnist", "--steps", "3", "--out", str(run), *IMAGE_RUN])
        == 0
    )
    assert main(["export", "--run", str(run), "--out", str(root / "export")]) == 0
    bank = load_fashion_mnist("train").subset(torch.arange(512))  # eval's bank (eval.max_train)
    np.savez(root / "bank.npz", images=bank.images.numpy(), labels=bank.labels.numpy())
    return root


def test_an_image_index_votes_as_eval_scores_knn(image_export, capsys):
    from contrastkit.data import load_fashion_mnist

    root = image_export
    args = ["index", "--model", str(root / "export"), "--data", f"npz:{root / 'bank.npz'}"]
    assert main([*args, "--out", str(root / "index"), "-q", "--device", "cpu"]) == 0
    assert "indexed 512 items" in capsys.readouterr().out
    assert main(["eval", "--run", str(root / "run"), "--knn-k", "10", "--no-probe", "-q"]) == 0
    reported = json.loads((root / "run" / "eval.json").read_text())["knn_accuracy"]
    capsys.readouterr()

    searcher = open_searcher(root / "index", corpus=True)
    test = load_fashion_mnist("test")
    hits = searcher.index.search(searcher.encoder.encode(test.images), k=10)
    label_of = dict(zip(searcher.corpus.ids, searcher.corpus.columns["labels"], strict=True))
    found = torch.tensor([[label_of[i] for i in row] for row in hits.ids])  # (10000, 10)
    sims = torch.tensor(hits.scores)
    weights = ((sims - sims[:, :1]) / 0.1).exp()  # eval's vote: e^{s/τ}, k = 10, τ = 0.1
    votes = torch.zeros(len(test), 10).scatter_add_(1, found, weights)
    accuracy = (votes.argmax(1) == test.labels).float().mean().item()
    assert accuracy == pytest.approx(reported, abs=2e-4)  # the same neighbours, the same vote
    # and the CLI: an image of the bank finds itself first
    image = root / "one.png"
    from PIL import Image

    Image.fromarray(np.load(root / "bank.npz")["images"][7, 0]).save(image)
    assert main(["search", str(root / "index"), "--image", str(image), "-k", "3", "--json"]) == 0
    results = json.loads(capsys.readouterr().out)["results"]
    assert results[0]["id"] == f"npz:{root / 'bank.npz'}:train:7" and results[0]["score"] > 0.99
    assert "image" in searcher.preview(results[0]["id"])


@pytest.fixture(scope="module")
def text_index(text_corpus):
    """tests/conftest.py's pairs run over the tiny BERT: its export and index, and the source."""
    return text_corpus["index"].parent, text_corpus["source"]


def test_a_text_index_finds_its_own_text_first(text_index, capsys):
    root, source = text_index
    capsys.readouterr()
    assert main(["search", str(root / "index"), "--query", "a man playing a guitar", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["results"][0] == {
        "rank": 1,
        "id": f"{source}:train:0",
        "score": pytest.approx(1.0, abs=1e-5),
    }
    assert len(out["results"]) == 10
    assert (
        main(["search", str(root / "index"), "--query", "a man playing a guitar", "-k", "2"]) == 0
    )
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 2 and lines[0].split()[0] == "1"


def test_a_query_from_another_encoder_is_refused(text_index, image_export, capsys):
    root, _ = text_index
    other = image_export / "export"
    capsys.readouterr()
    assert main(["search", str(root / "index"), "--query", "x", "--model", str(other)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "is not the encoder that built" in err[0]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--image", "README.md"], "embeds texts; send a string"),
        ([], "give one of --query TEXT or --image PATH"),
        (["--query", "x", "-k", "0"], "-k"),
    ],
)
def test_bad_searches_are_one_line(text_index, capsys, args, message):
    root, _ = text_index
    capsys.readouterr()
    assert main(["search", str(root / "index"), *args]) != 0
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0]


def test_a_faiss_index_takes_its_parameters(text_index, tmp_path, capsys):
    pytest.importorskip("faiss", reason="FAISS indexes need the [search] extra")
    root, source = text_index
    args = ["index", "--model", str(root / "export"), "--data", source, "-q"]
    out = tmp_path / "hnsw"
    assert (
        main(
            [
                *args,
                "--out",
                str(out),
                "--kind",
                "hnsw",
                "--option",
                "hnsw_m=8",
                "--option",
                "ef_search=32",
            ]
        )
        == 0
    )
    card = json.loads((out / "index.json").read_text())
    assert (
        card["kind"] == "faiss" and card["structure"] == "hnsw" and card["options"]["hnsw_m"] == 8
    )
    capsys.readouterr()
    assert main(["search", str(out), "--query", "a man playing a guitar", "-k", "1", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["results"][0]["id"] == f"{source}:train:0"
    assert main([*args, "--out", str(tmp_path / "x"), "--option", "hnsw_m=8"]) != 0
    assert "the exact index has none" in capsys.readouterr().err
    assert main([*args, "--out", str(tmp_path / "y"), "--kind", "hnsw", "--option", "nlist=3"]) != 0
    assert "unknown hnsw options ['nlist']" in capsys.readouterr().err
