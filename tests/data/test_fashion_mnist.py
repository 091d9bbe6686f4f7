"""Fashion-MNIST (data/fashion_mnist.py): lookup order, checks, and the download fallback."""

from __future__ import annotations

import gzip
import struct
from pathlib import Path

import numpy as np
import pytest
import torch
from data_fakes import write_fake_fashion_mnist, write_idx

from contrastkit.data import DatasetNotFoundError, download_fashion_mnist, load_fashion_mnist
from contrastkit.data import fashion_mnist as fm

INSTALLED = Path("/usr/share/datasets/fashion-mnist")
needs_installed = pytest.mark.skipif(
    not (INSTALLED / "t10k-images-idx3-ubyte.gz").is_file(),
    reason="Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist)",
)


@needs_installed
@pytest.mark.parametrize(("split", "n"), [("train", 60_000), ("test", 10_000)])
def test_installed_copy_loads_with_the_documented_shapes(split, n):
    data = load_fashion_mnist(split, INSTALLED)
    assert data.images.shape == (n, 1, 28, 28) and data.images.dtype == torch.uint8
    assert data.labels is not None and data.labels.dtype == torch.int64
    assert data.labels.min() == 0 and data.labels.max() == 9
    assert torch.equal(data.labels.bincount(), torch.full((10,), n // 10))  # balanced classes
    assert data.classes == fm.CLASSES and len(data.classes) == 10
    assert abs(data.images.float().mean().item() / 255 - 0.286) < 0.002  # the known pixel mean


def test_root_argument_is_searched_first(tmp_path, monkeypatch):
    monkeypatch.setenv(fm.ENV_VAR, str(write_fake_fashion_mnist(tmp_path / "env", n_train=5)))
    data = load_fashion_mnist("train", write_fake_fashion_mnist(tmp_path / "arg", n_train=7))
    assert len(data) == 7 and data.num_channels == 1 and data.image_size == (28, 28)
    assert len(load_fashion_mnist("train")) == 5  # then the environment variable
    assert load_fashion_mnist("test").labels.tolist() == [0, 1, 2, 3]


def test_search_order(tmp_path, monkeypatch):
    monkeypatch.setenv(fm.ENV_VAR, "/env/folder")
    monkeypatch.setenv("XDG_CACHE_HOME", "/cache")
    assert fm.search_roots("/arg") == [
        Path("/arg"),
        Path("/env/folder"),
        Path("/usr/share/datasets/fashion-mnist"),
        Path("/cache/contrastkit/fashion-mnist"),
    ]


def test_uncompressed_files_are_found_too(tmp_path):
    folder = write_fake_fashion_mnist(tmp_path / "fm")
    for gz in folder.glob("*.gz"):
        gz.with_suffix("").write_bytes(gzip.decompress(gz.read_bytes()))
        gz.unlink()
    assert len(load_fashion_mnist("test", folder)) == 4


def test_image_and_label_counts_must_match(tmp_path):
    folder = write_fake_fashion_mnist(tmp_path / "fm")
    write_idx(folder / "t10k-labels-idx1-ubyte.gz", np.zeros(3, np.uint8))
    with pytest.raises(ValueError, match=r"holds 4 images but .*t10k-labels.* 3 labels"):
        load_fashion_mnist("test", folder)


def test_labels_file_in_place_of_images_is_rejected(tmp_path):
    folder = write_fake_fashion_mnist(tmp_path / "fm")
    write_idx(folder / "t10k-images-idx3-ubyte.gz", np.zeros(4, np.uint8))
    with pytest.raises(ValueError, match=r"t10k-images-idx3-ubyte.gz is not an idx image file"):
        load_fashion_mnist("test", folder)


def test_corrupt_file_names_itself(tmp_path):
    folder = write_fake_fashion_mnist(tmp_path / "fm")
    path = folder / "train-images-idx3-ubyte.gz"
    path.write_bytes(path.read_bytes()[:100])
    with pytest.raises(ValueError, match=r"train-images-idx3-ubyte.gz is a truncated or corrupt"):
        load_fashion_mnist("train", folder)


def test_unknown_split(tmp_path):
    with pytest.raises(ValueError, match=r"split must be 'train' or 'test', got 'val'"):
        load_fashion_mnist("val", tmp_path)  # type: ignore[arg-type]


def test_nowhere_and_no_download_says_what_to_install(tmp_path, no_installed_fashion_mnist):
    mirror = (tmp_path / "empty-mirror").as_uri()
    with pytest.raises(DatasetNotFoundError) as err:
        load_fashion_mnist("test", tmp_path / "nothing-here", mirrors=[mirror])
    message = str(err.value)
    assert isinstance(err.value, FileNotFoundError)
    assert message.startswith(f"Fashion-MNIST not found in {tmp_path / 'nothing-here'}, ")
    assert "could not download" in message and mirror in message
    assert message.endswith(
        "install the Debian package dataset-fashion-mnist (apt-get install "
        "dataset-fashion-mnist) or set CONTRASTKIT_FASHION_MNIST to a folder with the idx "
        ".gz files."
    )
    assert not any(no_installed_fashion_mnist.iterdir())  # nothing partial in the cache


def test_download_false_never_downloads(no_installed_fashion_mnist):
    with pytest.raises(DatasetNotFoundError, match=r"\(download disabled\)"):
        load_fashion_mnist("train", download=False, mirrors=["file:///must/not/be/used"])
    assert not no_installed_fashion_mnist.exists()


def test_wrong_checksum_downloads_nothing(tmp_path, no_installed_fashion_mnist):
    mirror = write_fake_fashion_mnist(tmp_path / "mirror")  # valid idx files, wrong digests
    with pytest.raises(DatasetNotFoundError, match=r"SHA-256 is [0-9a-f]{64}, expected"):
        load_fashion_mnist("test", mirrors=[mirror.as_uri()])
    assert list(no_installed_fashion_mnist.iterdir()) == []


# The Debian package re-gzips the official files without their name and time stamp; putting
# them back rebuilds the exact files the canonical mirror serves (time stamps found by search).
OFFICIAL_MTIME = {"train": 1504176606, "t10k": 1504176627}


def official_gz(name: str) -> bytes:
    debian = (INSTALLED / name).read_bytes()
    assert debian[:4] == b"\x1f\x8b\x08\x00"  # gzip, deflate, no flags
    mtime = struct.pack("<I", OFFICIAL_MTIME[name.split("-")[0]])
    return (
        b"\x1f\x8b\x08\x08"
        + mtime
        + debian[8:10]
        + name.removesuffix(".gz").encode()
        + b"\x00"
        + debian[10:]
    )


@needs_installed
def test_download_verifies_the_pinned_official_checksums(tmp_path, no_installed_fashion_mnist):
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    for name in fm.SHA256:
        (mirror / name).write_bytes(official_gz(name))
    data = load_fashion_mnist("test", mirrors=[mirror.as_uri()])
    assert sorted(p.name for p in no_installed_fashion_mnist.iterdir()) == sorted(fm.SHA256)
    assert torch.equal(data.images, load_fashion_mnist("test", INSTALLED).images)
    # now cached: no mirror needed
    assert len(load_fashion_mnist("train", download=False)) == 60_000
    assert download_fashion_mnist(mirrors=["file:///unused"]) == no_installed_fashion_mnist
