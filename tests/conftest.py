from __future__ import annotations

import sys
import zlib
from pathlib import Path

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
