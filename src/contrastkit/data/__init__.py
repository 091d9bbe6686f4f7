"""Datasets: built-in Fashion-MNIST, image folders, in-memory arrays, texts, and source strings.

``load_images(spec, split)`` is the entry point the CLI and engine use; each loader also works
alone. In-memory data is :class:`ImageArrays` (uint8 ``(N, C, H, W)``); folders are decoded
per item by :class:`ImageFolderDataset`. Both yield ``(uint8 (C, H, W), label)`` samples, with
label −1 when unlabelled.

Texts: ``load_text_rows(spec, split)`` gives :class:`TextRows` (named columns anchor,
positive, hard negatives...) from STS-B, the news title→body pairs or JSONL/CSV/TSV files;
:func:`load_stsb` keeps STS-B's gold scores for evaluation. Built-in text data is read from
the shared data folder (:func:`shared_data_dir`) or an installed package, never downloaded.
"""

from __future__ import annotations

from contrastkit.data.arrays import ArrayDataset, ImageArrays, load_npz
from contrastkit.data.download import DownloadError, download_verified
from contrastkit.data.errors import DatasetNotFoundError
from contrastkit.data.fashion_mnist import download_fashion_mnist, load_fashion_mnist
from contrastkit.data.idx import read_idx
from contrastkit.data.image_folder import IMAGE_EXTENSIONS, ImageFolderDataset
from contrastkit.data.news import load_news_pairs
from contrastkit.data.shared import shared_data_dir
from contrastkit.data.sources import load_images
from contrastkit.data.stsb import StsPairs, load_stsb, stsb_sentences
from contrastkit.data.text_rows import TextRows, read_text_rows
from contrastkit.data.text_sources import TEXT_SOURCES, load_text_rows

__all__ = [
    "IMAGE_EXTENSIONS",
    "TEXT_SOURCES",
    "ArrayDataset",
    "DatasetNotFoundError",
    "DownloadError",
    "ImageArrays",
    "ImageFolderDataset",
    "StsPairs",
    "TextRows",
    "download_fashion_mnist",
    "download_verified",
    "load_fashion_mnist",
    "load_images",
    "load_news_pairs",
    "load_npz",
    "load_stsb",
    "load_text_rows",
    "read_idx",
    "read_text_rows",
    "shared_data_dir",
    "stsb_sentences",
]
