"""Fashion-MNIST: 70,000 grayscale 28×28 images of Zalando articles in 10 classes (60k/10k).

Xiao, Rasul & Vollgraf, 2017, https://arxiv.org/abs/1708.07747,
https://github.com/zalandoresearch/fashion-mnist.

The four idx files (``.gz`` or uncompressed) are looked for, in order, in: the ``root``
argument, ``$CONTRASTKIT_FASHION_MNIST``, ``/usr/share/datasets/fashion-mnist`` (the Debian
package ``dataset-fashion-mnist``) and the cache ``$XDG_CACHE_HOME/contrastkit/fashion-mnist``
(``~/.cache/...``). When none has them, they are downloaded into the cache from the canonical
mirror and their SHA-256 verified.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

import numpy as np
import torch

from contrastkit.data.arrays import ImageArrays
from contrastkit.data.download import DownloadError, download_verified
from contrastkit.data.errors import DatasetNotFoundError
from contrastkit.data.idx import read_idx

CLASSES = (
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)
ENV_VAR = "CONTRASTKIT_FASHION_MNIST"
SYSTEM_ROOT = Path("/usr/share/datasets/fashion-mnist")  # Debian: dataset-fashion-mnist
MIRRORS = (
    "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",  # canonical (HTTP only)
    "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/",
)
FILES = {
    "train": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
    "test": ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"),
}
# SHA-256 of the .gz files the mirrors serve, from tensorflow/datasets
# (url_checksums/fashion_mnist.txt); the same files as torchvision's MD5s. The Debian package
# holds the same data re-gzipped without the original name and time stamp, so its .gz files
# hash differently; putting the header back reproduces these digests exactly.
SHA256 = {
    "train-images-idx3-ubyte.gz": "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
    "train-labels-idx1-ubyte.gz": "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
    "t10k-images-idx3-ubyte.gz": "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
    "t10k-labels-idx1-ubyte.gz": "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
}


def load_fashion_mnist(
    split: Literal["train", "test"],
    root: str | Path | None = None,
    *,
    download: bool = True,
    mirrors: Sequence[str] | None = None,
) -> ImageArrays:
    """One split of Fashion-MNIST in memory.

    Args:
        split: ``"train"`` (60,000 images) or ``"test"`` (10,000).
        root: a folder with the idx files, searched first.
        download: when no folder has the files, fetch all four into the cache.
        mirrors: base URLs to download from, tried in order (``file://`` works too);
            default :data:`MIRRORS`.

    Returns :class:`ImageArrays` with images uint8 ``(N, 1, 28, 28)``, labels int64 ``(N,)``
    in 0..9 and the 10 class names. Raises :class:`DatasetNotFoundError` saying what to install
    when the files are nowhere and cannot be downloaded, and ``ValueError`` naming the file
    when one is truncated or corrupt.
    """
    if split not in FILES:
        raise ValueError(f"Fashion-MNIST split must be 'train' or 'test', got {split!r}.")
    roots = search_roots(root)
    for folder in roots:
        found = _find_split(folder, split)
        if found is not None:
            return _load(*found)
    if not download:
        reason = "download disabled"
    else:
        try:
            download_fashion_mnist(cache_root(), mirrors=mirrors)
        except (DownloadError, OSError) as err:
            reason = str(err)
        else:
            found = _find_split(cache_root(), split)
            assert found is not None
            return _load(*found)
    where = ", ".join(str(r) for r in roots)
    raise DatasetNotFoundError(
        f"Fashion-MNIST not found in {where} ({reason}); install the Debian package "
        f"dataset-fashion-mnist (apt-get install dataset-fashion-mnist) or set {ENV_VAR} to "
        "a folder with the idx .gz files."
    )


def download_fashion_mnist(
    dest: str | Path | None = None, *, mirrors: Sequence[str] | None = None
) -> Path:
    """Download the four ``.gz`` files into ``dest`` (default: the cache), SHA-256 verified.

    Files already there are kept. Each file is written atomically, so an interrupted or failed
    download leaves nothing partial. Returns the folder; raises ``DownloadError``.
    """
    folder = Path(dest) if dest is not None else cache_root()
    bases = MIRRORS if mirrors is None else mirrors
    for name, digest in SHA256.items():
        if not (folder / name).is_file():
            download_verified([b.rstrip("/") + "/" + name for b in bases], folder / name, digest)
    return folder


def search_roots(root: str | Path | None = None) -> list[Path]:
    """The folders searched for the idx files, in order."""
    roots = [Path(root).expanduser()] if root is not None else []
    if os.environ.get(ENV_VAR):
        roots.append(Path(os.environ[ENV_VAR]).expanduser())
    return [*roots, SYSTEM_ROOT, cache_root()]


def cache_root() -> Path:
    """``$XDG_CACHE_HOME/contrastkit/fashion-mnist``, or ``~/.cache/contrastkit/fashion-mnist``."""
    base = os.environ.get("XDG_CACHE_HOME", "")
    cache = Path(base) if os.path.isabs(base) else Path.home() / ".cache"
    return cache / "contrastkit" / "fashion-mnist"


def _find_split(folder: Path, split: str) -> tuple[Path, Path] | None:
    """The (images, labels) files of ``split`` in ``folder``, gzipped or not, or None."""
    found = []
    for name in FILES[split]:
        candidates = [folder / name, folder / name.removesuffix(".gz")]
        path = next((p for p in candidates if p.is_file()), None)
        if path is None:
            return None
        found.append(path)
    return found[0], found[1]


def _load(images_path: Path, labels_path: Path) -> ImageArrays:
    images, labels = read_idx(images_path), read_idx(labels_path)
    if images.dtype != np.uint8 or images.ndim != 3:
        raise ValueError(
            f"{images_path} is not an idx image file: expected uint8 (N, H, W), "
            f"got {images.dtype} {images.shape}."
        )
    if labels.dtype != np.uint8 or labels.ndim != 1:
        raise ValueError(
            f"{labels_path} is not an idx label file: expected uint8 (N,), "
            f"got {labels.dtype} {labels.shape}."
        )
    if len(images) != len(labels):
        raise ValueError(
            f"{images_path} holds {len(images)} images but {labels_path} {len(labels)} labels."
        )
    if len(labels) and int(labels.max()) >= len(CLASSES):
        raise ValueError(f"{labels_path} holds label {int(labels.max())}; Fashion-MNIST has 0..9.")
    return ImageArrays(
        torch.from_numpy(images).unsqueeze(1),  # (N, 1, 28, 28)
        torch.from_numpy(labels.astype(np.int64)),
        CLASSES,
    )
