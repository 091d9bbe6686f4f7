"""The video task through the CLI on the two real videos: train with a window, resume
bit-identical, evaluate by temporal retrieval, embed, export, reopen as a frame encoder."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from PIL import Image

from contrastkit.cli import main
from contrastkit.data.video import load_video
from contrastkit.encoders import load_encoder
from contrastkit.engine.checkpoint import list_checkpoints, load_checkpoint

pytest.importorskip("cv2", reason="the [video] extra (opencv-python-headless)")

SOURCE = "video:vtest.avi,Megamind.avi"
SMALL = [
    "--set", "data.image_size=16", "--set", "data.frame_step=10",
    "--set", "model.backbone_options={width: 4, dim: 16}",
    "--set", "model.projection_hidden=16", "--set", "model.projection_dim=8",
    "--set", "optim.batch_size=8", "--set", "negatives.exclusion_window=25",
    "--set", "checkpoint_every=3", "--set", "keep_checkpoints=3", "--device", "cpu", "-q",
]  # fmt: skip


def _train(out, *extra: str) -> int:
    train = ["train", "--method", "frame_contrast", "--data", SOURCE, "--steps", "6"]
    return main([*train, "--out", str(out), *SMALL, *extra])


def test_trains_resumes_evaluates_embeds_and_exports(tmp_path, capsys):
    run, killed = tmp_path / "run", tmp_path / "killed"
    assert _train(run) == 0
    config = json.loads((run / "config.json").read_text())
    assert config["task"] == "video" and config["negatives"]["exclusion_window"] == 25
    assert _train(killed) == 0
    for path in list_checkpoints(killed / "checkpoints"):
        if load_checkpoint(path)["step"] > 3:
            path.unlink()
    assert _train(killed, "--resume", "auto") == 0
    final = [load_checkpoint(list_checkpoints(d / "checkpoints")[-1]) for d in (run, killed)]
    for key, value in final[0]["model"].items():
        assert torch.equal(value, final[1]["model"][key]), key

    capsys.readouterr()
    assert main(["eval", "--run", str(run), "--device", "cpu"]) == 0
    assert "temporal retrieval" in capsys.readouterr().out
    scores = json.loads((run / "eval.json").read_text())
    assert scores["n_queries"] + scores["n_database"] == 80 + 27  # every 10th frame
    assert 0 <= scores["retrieval_augmented"] <= scores["retrieval"] <= 1

    emb = tmp_path / "emb.npy"
    assert main(["embed", "--run", str(run), "--out", str(emb), "-q"]) == 0
    assert main(["export", "--run", str(run), "--out", str(tmp_path / "export")]) == 0
    card = json.loads((tmp_path / "export" / "card.json").read_text())
    assert card["task"] == "video" and card["format"] == "contrastkit-backbone/1"
    encoder = load_encoder(tmp_path / "export")
    frames = load_video(SOURCE, size=16, frame_step=10).frames
    np.testing.assert_allclose(encoder.encode(frames).numpy(), np.load(emb), atol=1e-5)
    ids = json.loads((tmp_path / "emb.ids.json").read_text())
    assert ids["ids"][:2] == ["vtest.avi#0", "vtest.avi#10"]

    # the frame encoder indexes a video's frames, and a frame finds itself
    index = tmp_path / "frames"
    export = str(tmp_path / "export")
    assert (
        main(
            ["index", "--model", export, "--data", "video:Megamind.avi", "--out", str(index), "-q"]
        )
        == 0
    )
    frame = load_video("video:Megamind.avi", size=16).frames[100]
    Image.fromarray(frame.permute(1, 2, 0).numpy()).save(tmp_path / "frame.png")
    capsys.readouterr()
    assert (
        main(["search", str(index), "--image", str(tmp_path / "frame.png"), "-k", "1", "--json"])
        == 0
    )
    hits = json.loads(capsys.readouterr().out)
    assert "Megamind.avi#100" in json.dumps(hits)


def test_a_bad_video_source_is_one_line(tmp_path, capsys):
    code = main(["train", "--method", "frame_contrast", "--data", "video:nowhere.avi",
                 "--out", str(tmp_path / "r"), "--steps", "1", "-q"])  # fmt: skip
    err = capsys.readouterr().err
    assert code != 0 and "nowhere.avi" in err and "Traceback" not in err
    assert not (tmp_path / "r").exists()
