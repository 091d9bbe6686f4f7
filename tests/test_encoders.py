"""``load_encoder`` opens what ``export`` writes, embeds exactly as the run did, and does it
without importing the training engine."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from contrastkit.cli import main
from contrastkit.encoders import Encoder, ExportError, load_encoder
from text.text_fakes import write_triplets_jsonl

IMAGE_RUN = [
    "--set", "data.max_samples=64", "--set", "optim.batch_size=32",
    "--set", "model.projection_hidden=16", "--set", "model.projection_dim=8",
    "--set", "model.backbone_options.width=4", "--set", "monitor.every=0",
    "--device", "cpu", "-q",
]  # fmt: skip


@pytest.fixture(scope="module")
def image_export(tmp_path_factory, fashion_mnist_available) -> tuple[Path, Path]:
    """A 2-step SimCLR run (channels-last small CNN), its embeddings of 20 test-like images
    written by ``embed``, and its export."""
    root = tmp_path_factory.mktemp("images")
    images = np.random.default_rng(0).integers(0, 256, (20, 1, 28, 28), dtype=np.uint8)
    np.savez(root / "twenty.npz", images=images)
    run = root / "run"
    assert (
        main(["train", "--data", "fashion-mnist", "--steps", "2", "--out", str(run), *IMAGE_RUN])
        == 0
    )
    embed = ["embed", "--run", str(run), "--data", f"npz:{root / 'twenty.npz'}", "--device", "cpu"]
    assert main([*embed, "--out", str(root / "emb.npy"), "-q"]) == 0
    assert main(["export", "--run", str(run), "--out", str(root / "export")]) == 0
    return root, root / "export"


@pytest.fixture(scope="module")
def text_export(tmp_path_factory, tiny_bert_dir) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("text")
    source = write_triplets_jsonl(root / "rows.jsonl")
    run = root / "run"
    train = ["train", "--method", "pairs", "--data", source, "--steps", "2", "--out", str(run)]
    options = [
        "--set",
        f"model.name={tiny_bert_dir}",
        "--set",
        "optim.batch_size=4",
        "--device",
        "cpu",
        "-q",
    ]
    assert main([*train, *options]) == 0
    assert (
        main(["embed", "--run", str(run), "--data", source, "--out", str(root / "emb.npy"), "-q"])
        == 0
    )
    assert main(["export", "--run", str(run), "--out", str(root / "export")]) == 0
    return root, root / "export"


def test_an_image_export_embeds_as_embed_did(image_export):
    root, export = image_export
    encoder = load_encoder(export)
    assert isinstance(encoder, Encoder) and encoder.inputs == "images" and encoder.dim == 256
    images = torch.from_numpy(np.load(root / "twenty.npz")["images"])
    ours = encoder.encode(images)
    np.testing.assert_allclose(ours.numpy(), np.load(root / "emb.npy"), rtol=0, atol=1e-6)
    # one image at a time, and images of another size (resized and centre-cropped)
    torch.testing.assert_close(encoder.encode(images[3]), ours[3:4], rtol=0, atol=1e-6)
    big = torch.nn.functional.interpolate(images.float() / 255, size=56, mode="nearest")
    assert encoder.encode(list(big[:2])).shape == (2, 256)
    card = json.loads((export / "card.json").read_text())
    assert card["format"] == "contrastkit-backbone/1" and card["task"] == "images"
    assert card["method"] == "simclr" and card["trained_steps"] == 2 and card["channels_last"]


def test_a_text_export_embeds_as_embed_did_and_loads_in_sentence_transformers(text_export):
    root, export = text_export
    encoder = load_encoder(export)
    assert encoder.inputs == "texts" and encoder.dim == 32
    texts = json.loads((root / "emb.ids.json").read_text())["texts"]
    np.testing.assert_allclose(
        encoder.encode(texts).numpy(), np.load(root / "emb.npy"), rtol=0, atol=1e-6
    )
    st = pytest.importorskip("sentence_transformers")
    theirs = st.SentenceTransformer(str(export), device="cpu").encode(texts, convert_to_numpy=True)
    np.testing.assert_allclose(theirs, np.load(root / "emb.npy"), rtol=0, atol=1e-5)


@pytest.mark.parametrize("kind", ["image", "text"])
def test_opening_an_export_imports_no_training_code(kind, request):
    _, export = request.getfixturevalue(f"{kind}_export")
    items = (
        "torch.zeros(2, 1, 28, 28, dtype=torch.uint8)" if kind == "image" else "['a man', 'a dog']"
    )
    code = (
        "import json, sys, torch, contrastkit\n"
        f"encoder = contrastkit.load_encoder({str(export)!r})\n"
        f"assert encoder.encode({items}).shape[0] == 2\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith('contrastkit.'))))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = json.loads(done.stdout.strip().splitlines()[-1])
    assert any(
        m.startswith("contrastkit.tasks.images" if kind == "image" else "contrastkit.text")
        for m in loaded
    )
    training = [m for m in loaded if m.split(".")[1] in ("engine", "methods", "losses", "cli")]
    assert training == [], training


def test_what_is_not_an_export_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        load_encoder(tmp_path / "nothing")
    with pytest.raises(ExportError, match=r"holds no card\.json"):
        load_encoder(tmp_path)
    (tmp_path / "card.json").write_text('{"format": "onnx/9"}')
    with pytest.raises(ExportError, match="format 'onnx/9'; this contrastkit reads"):
        load_encoder(tmp_path)
    (tmp_path / "card.json").write_text("{not json")
    with pytest.raises(ExportError, match="not valid JSON"):
        load_encoder(tmp_path)
