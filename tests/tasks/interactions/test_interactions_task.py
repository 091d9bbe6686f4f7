"""The interactions task through the CLI on a CSV: train (streaming logQ), resume
bit-identical, evaluate by full ranking, export, reopen, recommend unseen items."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from contrastkit.cli import main
from contrastkit.data.errors import DatasetNotFoundError
from contrastkit.data.interactions import load_interactions
from contrastkit.encoders import load_encoder
from contrastkit.engine.checkpoint import list_checkpoints, load_checkpoint

SMALL = [
    "--set", "model.dim=8", "--set", "optim.batch_size=32", "--set", "model.correction=streaming",
    "--set", "checkpoint_every=5", "--set", "keep_checkpoints=4", "--device", "cpu", "-q",
]  # fmt: skip


@pytest.fixture(scope="module")
def csv_file(tmp_path_factory):
    """40 users in 4 groups, each group drawing 6 interactions from its own 10 items."""
    rng = np.random.default_rng(0)
    rows = ["user,item,time"]
    for user in range(40):
        group = user % 4
        for t, item in enumerate(rng.choice(10, size=6, replace=False) + 10 * group):
            rows.append(f"u{user},m{item},{t}")
    path = tmp_path_factory.mktemp("interactions") / "log.csv"
    path.write_text("\n".join(rows) + "\n")
    return path


def _train(out, csv_file, *extra: str) -> int:
    train = [
        "train",
        "--method",
        "two_tower",
        "--data",
        f"interactions:{csv_file}",
        "--steps",
        "10",
    ]
    return main([*train, "--out", str(out), *SMALL, *extra])


def test_trains_resumes_evaluates_exports_and_recommends(tmp_path, csv_file, capsys):
    run, killed = tmp_path / "run", tmp_path / "killed"
    assert _train(run, csv_file) == 0
    assert _train(killed, csv_file) == 0
    for path in list_checkpoints(killed / "checkpoints"):
        if load_checkpoint(path)["step"] > 5:
            path.unlink()
    assert _train(killed, csv_file, "--resume", "auto") == 0
    final = [load_checkpoint(list_checkpoints(d / "checkpoints")[-1]) for d in (run, killed)]
    for key, value in final[0]["model"].items():
        assert torch.equal(value, final[1]["model"][key]), key  # the frequency estimate too

    capsys.readouterr()
    assert main(["eval", "--run", str(run)]) == 0
    assert "Recall@10" in capsys.readouterr().out
    scores = json.loads((run / "eval.json").read_text())
    assert (
        scores["users"] == 40
        and scores["items"] == 40
        and 0 <= scores["ndcg@10"] <= scores["recall@10"] <= 1
    )

    export = tmp_path / "export"
    assert main(["export", "--run", str(run), "--out", str(export)]) == 0
    recommender = load_encoder(export)
    assert recommender.encode(["m0", "m5"]).shape == (2, 8)
    emb = tmp_path / "items.npy"
    assert main(["embed", "--run", str(run), "--out", str(emb), "-q"]) == 0
    ids = json.loads((tmp_path / "items.ids.json").read_text())["ids"]
    np.testing.assert_allclose(np.load(emb), recommender.encode(ids).numpy(), atol=1e-6)
    capsys.readouterr()
    assert main(["recommend", "--model", str(export), "--user", "u3", "-k", "40", "--json"]) == 0
    items = [r["item"] for r in json.loads(capsys.readouterr().out)["results"]]
    data = load_interactions(f"interactions:{csv_file}")
    mine = data.item[data.user == data.users.index("u3")].tolist()
    latest = data.items[mine[-1]]  # held out: recommendable
    seen = {data.items[i] for i in mine[:-1]}
    assert len(items) == 40 - len(seen) and not seen & set(items) and latest in items
    assert main(["recommend", "--model", str(export), "--user", "nobody"]) != 0


def test_movielens_reads_as_grouplens_small_ships_it():
    try:
        data = load_interactions("movielens")
    except (DatasetNotFoundError, ImportError) as e:
        pytest.skip(str(e))
    assert (len(data), len(data.users), len(data.items)) == (100_004, 671, 9_066)
    assert data.item_features is not None and data.item_features.shape == (9_066, 19)
    assert data.item_titles[data.items.index("1")] == "Toy Story"
