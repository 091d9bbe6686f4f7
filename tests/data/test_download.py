"""Verified atomic downloads (data/download.py) from local ``file://`` mirrors: no network."""

from __future__ import annotations

import hashlib

import pytest

from contrastkit.data import DownloadError, download_verified

PAYLOAD = b"contrastkit" * 1000
SHA = hashlib.sha256(PAYLOAD).hexdigest()


@pytest.fixture
def mirror(tmp_path):
    folder = tmp_path / "mirror"
    folder.mkdir()
    (folder / "file.bin").write_bytes(PAYLOAD)
    return folder


def leftovers(folder):
    return sorted(p.name for p in folder.iterdir())


def test_downloads_and_verifies(tmp_path, mirror):
    dest = tmp_path / "out" / "file.bin"
    assert download_verified([(mirror / "file.bin").as_uri()], dest, SHA) == dest
    assert dest.read_bytes() == PAYLOAD
    assert leftovers(dest.parent) == ["file.bin"]


def test_wrong_checksum_raises_and_leaves_no_file(tmp_path, mirror):
    dest = tmp_path / "out" / "file.bin"
    with pytest.raises(DownloadError, match=f"SHA-256 is {SHA}, expected {'0' * 64}"):
        download_verified([(mirror / "file.bin").as_uri()], dest, "0" * 64)
    assert leftovers(dest.parent) == []


def test_unreachable_source_raises_and_leaves_no_file(tmp_path, mirror):
    dest = tmp_path / "out" / "file.bin"
    with pytest.raises(DownloadError, match=r"could not download file.bin"):
        download_verified([(mirror / "missing.bin").as_uri()], dest, SHA)
    assert isinstance(DownloadError("x"), OSError)
    assert leftovers(dest.parent) == []


def test_too_long_a_stream_is_refused(tmp_path, mirror):
    dest = tmp_path / "out" / "file.bin"
    with pytest.raises(DownloadError, match=r"larger than max_bytes=100"):
        download_verified([(mirror / "file.bin").as_uri()], dest, SHA, max_bytes=100)
    assert leftovers(dest.parent) == []


def test_falls_back_to_the_next_mirror(tmp_path, mirror):
    (mirror / "bad.bin").write_bytes(b"tampered")
    dest = tmp_path / "file.bin"
    urls = [(mirror / "missing.bin").as_uri(), (mirror / "bad.bin").as_uri()]
    download_verified([*urls, (mirror / "file.bin").as_uri()], dest, SHA)
    assert dest.read_bytes() == PAYLOAD


def test_a_failed_download_keeps_the_previous_file(tmp_path, mirror):
    dest = tmp_path / "file.bin"
    dest.write_bytes(b"previous")
    with pytest.raises(DownloadError):
        download_verified([(mirror / "file.bin").as_uri()], dest, "1" * 64)
    assert dest.read_bytes() == b"previous" and leftovers(tmp_path) == ["file.bin", "mirror"]
