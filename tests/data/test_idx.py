"""idx parsing (data/idx.py) on tiny files written here: round trips, magic numbers, truncation."""

from __future__ import annotations

import gzip

import numpy as np
import pytest
from data_fakes import idx_bytes, write_idx

from contrastkit.data import read_idx


@pytest.mark.parametrize("compress", [True, False])
@pytest.mark.parametrize(
    "array",
    [
        np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4),
        np.array([3, 1, 4, 1, 5], dtype=np.uint8),
        np.array([[-70000, 1], [2, 2**30]], dtype=">i4"),
        np.array([-1, 0, 1], dtype=np.int8),
    ],
)
def test_round_trip(tmp_path, array, compress):
    got = read_idx(write_idx(tmp_path / "a.idx", array, compress=compress))
    np.testing.assert_array_equal(got, array)
    assert got.dtype == array.dtype.newbyteorder("=") and got.flags.writeable


def test_magic_numbers_of_the_mnist_files(tmp_path):
    images = np.zeros((2, 28, 28), np.uint8)
    assert idx_bytes(images)[:4] == bytes.fromhex("00000803")
    assert idx_bytes(np.zeros(2, np.uint8))[:4] == bytes.fromhex("00000801")


@pytest.mark.parametrize("head", [b"\x01\x00\x08\x01", b"\x00\x00\x42\x01", b"\x00\x00"])
def test_wrong_magic_number_is_a_value_error_naming_the_file(tmp_path, head):
    path = tmp_path / "bad.idx"
    path.write_bytes(head + b"\x00\x00\x00\x01\x07")
    with pytest.raises(ValueError, match=r"bad\.idx is not an idx file"):
        read_idx(path)


def test_truncated_data_is_a_value_error(tmp_path):
    path = tmp_path / "short.idx"
    path.write_bytes(idx_bytes(np.zeros((3, 4, 4), np.uint8))[:-5])
    with pytest.raises(ValueError, match=r"short\.idx is truncated or corrupt: .*needs 48 bytes"):
        read_idx(path)


def test_truncated_header_is_a_value_error(tmp_path):
    path = tmp_path / "head.idx"
    path.write_bytes(bytes([0, 0, 8, 3]) + b"\x00\x00\x00\x02")
    with pytest.raises(ValueError, match=r"head\.idx is truncated: its header needs 16 bytes"):
        read_idx(path)


def test_truncated_gzip_is_a_value_error_naming_the_file(tmp_path):
    data = gzip.compress(idx_bytes(np.arange(1000, dtype=np.uint8) % 7))
    path = tmp_path / "cut.gz"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match=r"cut\.gz is a truncated or corrupt gzip file"):
        read_idx(path)


def test_missing_file_is_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        read_idx(tmp_path / "nothing.gz")
