from __future__ import annotations

import struct
from collections.abc import Callable

import pytest

pytest.importorskip("matplotlib", reason="the report needs the [viz] extra (matplotlib)")


def _png_size(data: bytes) -> tuple[int, int]:
    """(width, height) from a PNG's IHDR chunk; fails on anything that is not a PNG."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return int(width), int(height)


@pytest.fixture
def png_size() -> Callable[[bytes], tuple[int, int]]:
    return _png_size
