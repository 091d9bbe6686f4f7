"""Images held in memory as one uint8 tensor, with optional labels: the fast path for training.

Built-in datasets and ``.npz`` files load into :class:`ImageArrays`; the training loop indexes
its ``images`` tensor directly (no per-sample Python), and :class:`ArrayDataset` wraps it for a
``DataLoader`` when a per-sample transform is wanted.
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch.utils.data import Dataset

IMAGE_KEYS = ("images", "x")
LABEL_KEYS = ("labels", "y")


@dataclass(frozen=True, eq=False)
class ImageArrays:
    """N images of one size, uint8 and channels first, with optional class labels.

    Attributes:
        images: uint8 ``(N, C, H, W)``, C = 1 (grayscale) or 3 (RGB).
        labels: int64 ``(N,)`` with values ≥ 0 (and < ``len(classes)`` when classes are
            given), or ``None`` for unlabelled images.
        classes: class names indexed by label, or ``None``.

    Example:
        >>> data = ImageArrays(torch.zeros(4, 1, 28, 28, dtype=torch.uint8), torch.arange(4))
        >>> len(data), data.num_channels, data.image_size
        (4, 1, (28, 28))
    """

    images: torch.Tensor
    labels: torch.Tensor | None = None
    classes: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        images, labels = self.images, self.labels
        if not isinstance(images, torch.Tensor) or images.dtype != torch.uint8 or images.dim() != 4:
            raise ValueError(
                f"images must be a uint8 tensor (N, C, H, W), got {_describe(images)}."
            )
        if images.shape[1] not in (1, 3):
            raise ValueError(
                f"images must have 1 (grayscale) or 3 (RGB) channels, got shape {tuple(images.shape)}."
            )
        if self.classes is not None:
            object.__setattr__(self, "classes", tuple(str(c) for c in self.classes))
            if labels is None:
                raise ValueError("classes were given without labels; pass labels too, or neither.")
        if labels is None:
            return
        if not isinstance(labels, torch.Tensor) or labels.dtype != torch.int64 or labels.dim() != 1:
            raise ValueError(f"labels must be an int64 tensor (N,), got {_describe(labels)}.")
        if len(labels) != len(images):
            raise ValueError(f"there are {len(images)} images but {len(labels)} labels.")
        if len(labels) and int(labels.min()) < 0:
            raise ValueError("labels must be >= 0; use labels=None for unlabelled images.")
        if self.classes is not None and len(labels) and int(labels.max()) >= len(self.classes):
            raise ValueError(
                f"label {int(labels.max())} has no class name; there are {len(self.classes)} classes."
            )

    def __len__(self) -> int:
        return int(self.images.shape[0])

    @property
    def num_channels(self) -> int:
        return int(self.images.shape[1])

    @property
    def image_size(self) -> tuple[int, int]:
        """``(H, W)``."""
        return int(self.images.shape[2]), int(self.images.shape[3])

    def subset(self, indices: torch.Tensor | Sequence[int]) -> ImageArrays:
        """The images at ``indices`` (integer indices, or a boolean mask of length N)."""
        idx = torch.as_tensor(indices)
        if idx.dtype != torch.bool:
            if idx.is_floating_point() or idx.is_complex():
                raise ValueError(f"indices must be integers or a boolean mask, got {idx.dtype}.")
            idx = idx.long()
        labels = self.labels[idx] if self.labels is not None else None
        return ImageArrays(self.images[idx], labels, self.classes)


class ArrayDataset(Dataset[tuple[Any, int]]):
    """A map-style dataset over :class:`ImageArrays`: item i is ``(image, label)``.

    ``image`` is the uint8 ``(C, H, W)`` tensor, passed through ``transform`` when given;
    ``label`` is an ``int``, −1 for unlabelled images.
    """

    def __init__(
        self, arrays: ImageArrays, transform: Callable[[torch.Tensor], Any] | None = None
    ) -> None:
        self.arrays, self.transform = arrays, transform

    def __len__(self) -> int:
        return len(self.arrays)

    def __getitem__(self, i: int) -> tuple[Any, int]:
        image = self.arrays.images[i]  # (C, H, W) uint8
        label = int(self.arrays.labels[i]) if self.arrays.labels is not None else -1
        return (self.transform(image) if self.transform is not None else image), label


def load_npz(path: str | Path) -> ImageArrays:
    """Images (and labels) from a ``.npz`` file written by ``np.savez``.

    Keys: ``images`` (or ``x``); optional ``labels`` (or ``y``, integers ≥ 0) and ``classes``
    (strings). Images may be ``(N, H, W)`` grayscale, ``(N, H, W, C)`` or ``(N, C, H, W)`` with
    C = 1 or 3 (when both axes 1 and 3 could be channels, NCHW is assumed), and uint8 or float
    in [0, 1] (scaled by 255 and rounded). Pickled objects are never loaded.

    Raises ``FileNotFoundError`` for a missing file and ``ValueError`` naming the problem (and
    the keys found) for anything else.
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"npz file {path} does not exist.")
    try:
        npz = np.load(path, allow_pickle=False)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as err:
        raise ValueError(f"{path} is not a readable .npz file ({err}).") from err
    if not isinstance(npz, np.lib.npyio.NpzFile):
        raise ValueError(
            f"{path} holds a single array; save images with np.savez(path, images=...)."
        )
    with npz:
        keys = sorted(npz.files)
        try:
            images = _one_of(npz, IMAGE_KEYS, path, keys, required=True)
            labels = _one_of(npz, LABEL_KEYS, path, keys, required=False)
            classes = npz["classes"] if "classes" in keys else None
        except ValueError as err:
            if "allow_pickle" in str(err):  # numpy's message for object arrays
                raise ValueError(
                    f"{path} holds pickled object arrays, which are never loaded."
                ) from err
            raise
    assert images is not None
    tensor = torch.from_numpy(_to_nchw_uint8(images, path))
    label_tensor = None if labels is None else torch.from_numpy(_to_int64_labels(labels, path))
    names = None if classes is None else tuple(str(c) for c in np.asarray(classes).ravel())
    return ImageArrays(tensor, label_tensor, names)


def _one_of(
    npz: Any, names: tuple[str, ...], path: Path, keys: list[str], *, required: bool
) -> np.ndarray | None:
    present = [n for n in names if n in keys]
    if len(present) > 1:
        raise ValueError(f"{path} holds both {present[0]!r} and {present[1]!r}; keep one of them.")
    if not present:
        if required:
            raise ValueError(
                f"{path} has no {names[0]!r} (or {names[1]!r}) array; found keys: "
                f"{', '.join(keys) or 'none'}."
            )
        return None
    return np.asarray(npz[present[0]])


def _to_nchw_uint8(images: np.ndarray, path: Path) -> np.ndarray:
    if images.ndim == 3:  # (N, H, W)
        images = images[:, None]
    elif images.ndim == 4 and images.shape[1] not in (1, 3) and images.shape[3] in (1, 3):
        images = images.transpose(0, 3, 1, 2)  # (N, H, W, C) → (N, C, H, W)
    elif images.ndim != 4 or images.shape[1] not in (1, 3):
        raise ValueError(
            f"{path}: images must be (N, H, W), (N, H, W, C) or (N, C, H, W) with C = 1 or 3, "
            f"got shape {images.shape}."
        )
    if images.dtype == np.uint8:
        return np.ascontiguousarray(images)
    if not np.issubdtype(images.dtype, np.floating):
        raise ValueError(f"{path}: images must be uint8 or float in [0, 1], got {images.dtype}.")
    if images.size and not (np.isfinite(images).all() and images.min() >= 0 and images.max() <= 1):
        raise ValueError(
            f"{path}: float images must be finite and in [0, 1], found values in "
            f"[{images.min()}, {images.max()}]; divide by 255 or save uint8."
        )
    return np.ascontiguousarray(np.rint(images.astype(np.float32) * 255).astype(np.uint8))


def _to_int64_labels(labels: np.ndarray, path: Path) -> np.ndarray:
    if labels.ndim != 1 or not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(
            f"{path}: labels must be 1-D integers, got {labels.dtype} of shape {labels.shape}."
        )
    return labels.astype(np.int64)


def _describe(x: object) -> str:
    if isinstance(x, torch.Tensor):
        return f"{x.dtype} of shape {tuple(x.shape)}"
    return type(x).__name__
