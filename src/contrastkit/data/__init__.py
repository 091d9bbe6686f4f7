"""Datasets: built-in Fashion-MNIST, image folders, in-memory arrays, and source strings.

``load_images(spec, split)`` is the entry point the CLI and engine use; each loader also works
alone. In-memory data is :class:`ImageArrays` (uint8 ``(N, C, H, W)``); folders are decoded
per item by :class:`ImageFolderDataset`. Both yield ``(uint8 (C, H, W), label)`` samples, with
label −1 when unlabelled.
"""

from __future__ import annotations

from contrastkit.data.arrays import ArrayDataset, ImageArrays, load_npz
from contrastkit.data.download import DownloadError, download_verified
from contrastkit.data.errors import DatasetNotFoundError
from contrastkit.data.fashion_mnist import download_fashion_mnist, load_fashion_mnist
from contrastkit.data.idx import read_idx
from contrastkit.data.image_folder import IMAGE_EXTENSIONS, ImageFolderDataset
from contrastkit.data.sources import load_images

__all__ = [
    "IMAGE_EXTENSIONS",
    "ArrayDataset",
    "DatasetNotFoundError",
    "DownloadError",
    "ImageArrays",
    "ImageFolderDataset",
    "download_fashion_mnist",
    "download_verified",
    "load_fashion_mnist",
    "load_images",
    "load_npz",
    "read_idx",
]
