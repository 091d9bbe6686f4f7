from __future__ import annotations

import pytest


@pytest.fixture
def fashion_mnist_available() -> None:
    from contrastkit.data import DatasetNotFoundError, load_fashion_mnist

    try:
        load_fashion_mnist("test")
    except DatasetNotFoundError as e:
        pytest.skip(f"Fashion-MNIST is not installed: {e}")
