from __future__ import annotations

import pytest


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
