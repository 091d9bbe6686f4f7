"""Data-source strings (data/sources.py): fashion-mnist, folder:PATH, npz:PATH, and errors."""

from __future__ import annotations

import numpy as np
import PIL.Image
import pytest
from data_fakes import write_fake_fashion_mnist

from contrastkit.data import DatasetNotFoundError, ImageArrays, ImageFolderDataset, load_images
from contrastkit.data import fashion_mnist as fm


def test_fashion_mnist_both_splits(tmp_path, monkeypatch):
    monkeypatch.setenv(fm.ENV_VAR, str(write_fake_fashion_mnist(tmp_path, n_train=6, n_test=4)))
    train, test = load_images("fashion-mnist"), load_images("fashion-mnist", "test")
    assert isinstance(train, ImageArrays) and (len(train), len(test)) == (6, 4)
    assert train.image_size == (28, 28)  # image_size does not apply to built-in data
    with pytest.raises(ValueError, match=r"fashion-mnist has splits 'train' and 'test', got 'val'"):
        load_images("fashion-mnist", "val")


def test_fashion_mnist_missing_is_dataset_not_found(
    no_installed_fashion_mnist, tmp_path, monkeypatch
):
    monkeypatch.setattr(fm, "MIRRORS", ((tmp_path / "void").as_uri(),))  # no network
    with pytest.raises(DatasetNotFoundError, match=r"apt-get install dataset-fashion-mnist"):
        load_images("fashion-mnist", "test")


def test_folder(tmp_path):
    PIL.Image.new("RGB", (20, 30)).save(tmp_path / "a.png")
    data = load_images(f"folder:{tmp_path}", image_size=16)
    assert isinstance(data, ImageFolderDataset) and data[0][0].shape == (3, 16, 16)


def test_npz(tmp_path):
    np.savez(tmp_path / "d.npz", x=np.zeros((3, 8, 8, 3), np.uint8), y=np.array([0, 1, 0]))
    data = load_images(f"npz:{tmp_path / 'd.npz'}")
    assert isinstance(data, ImageArrays) and data.images.shape == (3, 3, 8, 8)


@pytest.mark.parametrize("spec", ["mnist", "cifar10", "Folder:x", "zip:/a", "fashion_mnist", ""])
def test_unknown_source(spec):
    with pytest.raises(ValueError) as err:
        load_images(spec)
    assert str(err.value) == (
        f"unknown data source {spec!r}; use fashion-mnist, folder:PATH, npz:PATH or video:PATH"
    )


@pytest.mark.parametrize("kind", ["folder", "npz"])
def test_missing_path_names_it(tmp_path, kind):
    with pytest.raises(FileNotFoundError, match=f"{tmp_path / 'absent'} does not exist"):
        load_images(f"{kind}:{tmp_path / 'absent'}")


@pytest.mark.parametrize("kind", ["folder", "npz"])
def test_folder_and_npz_have_one_split(tmp_path, kind):
    with pytest.raises(ValueError, match=r"have one split, 'train', got 'test'.*--eval-data"):
        load_images(f"{kind}:{tmp_path}", "test")


def test_empty_path():
    with pytest.raises(ValueError, match=r"names no path; write folder:PATH"):
        load_images("folder:")
