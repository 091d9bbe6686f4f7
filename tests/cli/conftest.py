from __future__ import annotations

from pathlib import Path

import pytest

FASHION_MNIST = Path("/usr/share/datasets/fashion-mnist")


@pytest.fixture
def fashion_mnist_available() -> None:
    from contrastkit.data import DatasetNotFoundError, load_fashion_mnist

    try:
        load_fashion_mnist("test")
    except DatasetNotFoundError as e:
        pytest.skip(f"Fashion-MNIST is not installed: {e}")


@pytest.fixture(scope="session")
def tiny() -> list[str]:
    """Options for a tiny but real SimCLR run: 256 Fashion-MNIST images, batch 32."""
    return TINY


TINY = [
    "--set", "data.max_samples=256",
    "--set", "optim.batch_size=32",
    "--set", "model.projection_hidden=64",
    "--set", "model.projection_dim=32",
    "--set", "eval.max_train=512",
    "--set", "eval.knn_k=10",
    "--set", "eval.probe_epochs=2",
    "--set", "log_every=1",
    "--device", "cpu",
    "--quiet",
]  # fmt: skip
