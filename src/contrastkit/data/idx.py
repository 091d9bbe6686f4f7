"""Read idx files, the format of MNIST and Fashion-MNIST, gzipped or not, into numpy arrays.

Layout: two zero bytes, a type code, the rank d, then d big-endian uint32 sizes, then the data
in C order, big-endian. Magic numbers: 0x00000803 for (N, H, W) uint8 images, 0x00000801 for
(N,) uint8 labels. Reference: http://yann.lecun.com/exdb/mnist/ ("file formats").
"""

from __future__ import annotations

import gzip
import math
import struct
import zlib
from pathlib import Path

import numpy as np

TYPE_CODES: dict[int, np.dtype] = {
    0x08: np.dtype(np.uint8),
    0x09: np.dtype(np.int8),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}


def read_idx(path: str | Path) -> np.ndarray:
    """The array stored in an idx file, writable and in native byte order.

    Gzip is recognised from the first bytes, not the file name. Raises ``ValueError`` naming
    the file when the magic number is wrong or the file is truncated or corrupt.
    """
    path = Path(path)
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError, zlib.error) as err:  # BadGzipFile is an OSError
            raise ValueError(f"{path} is a truncated or corrupt gzip file ({err}).") from err
    return parse_idx(raw, str(path))


def parse_idx(raw: bytes, name: str = "idx data") -> np.ndarray:
    """Decode the bytes of an (uncompressed) idx file; ``name`` is used in error messages."""
    if len(raw) < 4 or raw[:2] != b"\x00\x00" or raw[2] not in TYPE_CODES:
        raise ValueError(
            f"{name} is not an idx file: it starts with 0x{raw[:4].hex()}, expected two zero "
            "bytes, a type code and a rank (e.g. 0x00000803 for images)."
        )
    dtype, rank = TYPE_CODES[raw[2]], raw[3]
    header = 4 + 4 * rank
    if len(raw) < header:
        raise ValueError(f"{name} is truncated: its header needs {header} bytes, found {len(raw)}.")
    shape = struct.unpack(f">{rank}I", raw[4:header])
    count = math.prod(shape)
    found = len(raw) - header
    if found != count * dtype.itemsize:
        raise ValueError(
            f"{name} is truncated or corrupt: shape {shape} needs {count * dtype.itemsize} "
            f"bytes of data, found {found}."
        )
    data = np.frombuffer(raw, dtype=dtype, count=count, offset=header).reshape(shape)
    return data.astype(dtype.newbyteorder("="), copy=True)
