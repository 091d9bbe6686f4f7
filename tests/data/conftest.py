"""Fixtures shared by the data tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from contrastkit.data import fashion_mnist


@pytest.fixture
def no_installed_fashion_mnist(tmp_path, monkeypatch) -> Path:
    """Hide every place Fashion-MNIST may be installed; returns the (empty) cache folder."""
    monkeypatch.delenv(fashion_mnist.ENV_VAR, raising=False)
    monkeypatch.setattr(fashion_mnist, "SYSTEM_ROOT", tmp_path / "no-system-copy")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path / "cache" / "contrastkit" / "fashion-mnist"


@pytest.fixture(autouse=True)
def _no_network_mirrors(monkeypatch) -> None:
    """A test that falls through to a download by mistake fails fast instead of downloading."""
    monkeypatch.setattr(fashion_mnist, "MIRRORS", ("file:///nonexistent/contrastkit-mirror/",))
