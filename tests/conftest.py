from __future__ import annotations

import sys
import zlib
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import settings

# tests import the slow reference implementations as `reference` (tests/reference/)
if str(Path(__file__).parent) not in sys.path:
    sys.path.insert(0, str(Path(__file__).parent))

# property tests run torch on a shared CPU: wall-clock deadlines only make them flaky
settings.register_profile("contrastkit", deadline=None)
settings.load_profile("contrastkit")

# Test tensors are small: with one intra-op thread torch skips the OpenMP fork/join that
# dominates small ops, and a test run does not fight other processes for the 2 cores
# (tests/methods: 41 s with 2 threads under load, 4.5 s with 1).
torch.set_num_threads(1)


@pytest.fixture(autouse=True)
def _seed_torch(request: pytest.FixtureRequest) -> None:
    """Every test starts from its own fixed torch seed (stable across runs and orderings)."""
    torch.manual_seed(zlib.crc32(request.node.nodeid.encode()))


@pytest.fixture(scope="session")
def tiny_bert_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A Hugging Face model directory: random 2-layer BERT (hidden 32, 64 positions) with a
    WordPiece tokenizer trained here, so text tests run in seconds and offline."""
    from text.text_fakes import make_tiny_bert  # tests/text

    return make_tiny_bert(tmp_path_factory.mktemp("tiny-bert"))


@pytest.fixture(scope="session")
def fashion_mnist_available() -> None:
    """Skip (with the reason) where the Debian package dataset-fashion-mnist is missing."""
    from contrastkit.data import DatasetNotFoundError, load_fashion_mnist

    try:
        load_fashion_mnist("test")
    except DatasetNotFoundError as e:
        pytest.skip(f"Fashion-MNIST is not installed: {e}")


@pytest.fixture(scope="session")
def text_corpus(tmp_path_factory, tiny_bert_dir) -> dict[str, Any]:
    """A pairs run over the tiny BERT, exported, and the index of its 21 queries."""
    from contrastkit.cli import main
    from text.text_fakes import write_triplets_jsonl

    root = tmp_path_factory.mktemp("text-service")
    source = write_triplets_jsonl(root / "rows.jsonl")
    train = [
        "train",
        "--method",
        "pairs",
        "--data",
        source,
        "--steps",
        "2",
        "--out",
        str(root / "run"),
    ]
    assert (
        main([*train, "--set", f"model.name={tiny_bert_dir}", "--set", "optim.batch_size=4", "-q"])
        == 0
    )
    assert main(["export", "--run", str(root / "run"), "--out", str(root / "export")]) == 0
    index = [
        "index",
        "--model",
        str(root / "export"),
        "--data",
        source,
        "--out",
        str(root / "index"),
        "-q",
    ]
    assert main(index) == 0
    return {"export": root / "export", "index": root / "index", "source": source}


@pytest.fixture(scope="session")
def image_corpus(tmp_path_factory, fashion_mnist_available) -> dict[str, Any]:
    """A tiny SimCLR run on Fashion-MNIST, exported, and the index of 400 test images."""
    from contrastkit.cli import main
    from contrastkit.data import load_fashion_mnist

    root = tmp_path_factory.mktemp("image-service")
    settings = [
        "--set", "data.max_samples=256", "--set", "optim.batch_size=32",
        "--set", "model.backbone_options.width=8", "--set", "monitor.every=0", "-q",
    ]  # fmt: skip
    train = ["train", "--data", "fashion-mnist", "--steps", "2", "--out", str(root / "run")]
    assert main([*train, *settings, "--device", "cpu"]) == 0
    assert main(["export", "--run", str(root / "run"), "--out", str(root / "export")]) == 0
    test = load_fashion_mnist("test")
    np.savez(
        root / "images.npz", images=test.images[:400].numpy(), labels=test.labels[:400].numpy()
    )
    index = ["index", "--model", str(root / "export"), "--data", f"npz:{root / 'images.npz'}"]
    assert main([*index, "--out", str(root / "index"), "-q", "--device", "cpu"]) == 0
    return {"export": root / "export", "index": root / "index", "images": test.images[:400]}


@pytest.fixture(scope="session")
def tiny_npz_source(tmp_path_factory: pytest.TempPathFactory) -> str:
    """48 labelled random 28×28 images (4 classes) as an ``npz:`` source: 3 batches of 16."""
    path = tmp_path_factory.mktemp("npz") / "tiny.npz"
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (48, 1, 28, 28), dtype=np.uint8)
    np.savez(path, images=images, labels=np.arange(48) % 4)
    return f"npz:{path}"
