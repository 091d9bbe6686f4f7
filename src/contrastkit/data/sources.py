"""Turn a data-source string (``--data``, ``data.source``) into images.

Sources:

* ``fashion-mnist`` — the built-in dataset, splits ``train`` and ``test`` (28×28, ``image_size``
  does not apply).
* ``folder:PATH`` — an :class:`ImageFolderDataset` decoded to ``image_size``.
* ``npz:PATH`` — an ``.npz`` file read by :func:`load_npz` (its own image size).
* ``video:PATH[,PATH…]`` — every frame of the videos (:mod:`contrastkit.data.video`), labelled
  by video, with ids ``NAME#FRAME``.

Folders and ``.npz`` files have a single split, ``train``: to evaluate on held-out images,
name them as another source (``--eval-data folder:OTHER`` / ``data.eval_source``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from contrastkit.data.arrays import ImageArrays, load_npz
from contrastkit.data.fashion_mnist import load_fashion_mnist
from contrastkit.data.image_folder import ImageFolderDataset
from contrastkit.data.video import VideoFrames, load_video
from contrastkit.types import Items

SOURCES = ("fashion-mnist", "folder:PATH", "npz:PATH", "video:PATH")


def load_images(
    spec: str,
    split: str = "train",
    *,
    image_size: int = 64,
    on_error: Literal["raise", "skip"] = "raise",
) -> ImageArrays | ImageFolderDataset:
    """The images named by ``spec`` (see the module docstring).

    ``on_error`` applies to folders: ``"raise"`` on an unreadable image file, or ``"skip"`` it
    (see :class:`ImageFolderDataset`).

    Raises ``ValueError`` for an unknown source or split, and ``FileNotFoundError`` naming
    the path when a folder or file does not exist (``DatasetNotFoundError``, a subclass, when
    Fashion-MNIST is not installed).

    Example:
        >>> train = load_images("fashion-mnist", "train")  # ImageArrays (60000, 1, 28, 28)
        >>> photos = load_images("folder:~/photos", image_size=96)  # ImageFolderDataset
    """
    if spec == "fashion-mnist":
        if split not in ("train", "test"):
            raise ValueError(f"fashion-mnist has splits 'train' and 'test', got {split!r}.")
        return load_fashion_mnist("train" if split == "train" else "test")
    kind, sep, rest = spec.partition(":")
    if not sep or kind not in ("folder", "npz", "video"):
        raise ValueError(
            f"unknown data source {spec!r}; use fashion-mnist, folder:PATH, npz:PATH or video:PATH"
        )
    if not rest:
        raise ValueError(f"data source {spec!r} names no path; write {kind}:PATH.")
    if split != "train":
        raise ValueError(
            f"{kind}:PATH sources have one split, 'train', got {split!r}; name held-out "
            "images as another source (e.g. --eval-data folder:OTHER)."
        )
    if kind == "video":
        return _arrays(load_video(spec, size=image_size))
    path = Path(rest).expanduser()
    if not path.exists():
        raise FileNotFoundError(f"{path} does not exist (data source {spec!r}).")
    if kind == "folder":
        return ImageFolderDataset(path, image_size=image_size, on_error=on_error)
    return load_npz(path)


def image_items(
    spec: str,
    split: str = "train",
    *,
    image_size: int = 64,
    on_error: Literal["raise", "skip"] = "raise",
) -> Items:
    """The images of ``spec`` as :class:`~contrastkit.types.Items`: ids (a folder's file
    paths, a video frame's ``NAME#FRAME``, else ``SOURCE:SPLIT:I``), the images, and their ``labels`` (−1 when unlabelled).
    A file a folder skips (``on_error="skip"``) has no row and no id."""
    if spec.startswith("video:") and split == "train":
        frames = load_video(spec, size=image_size)
        return Items(frames.ids(), _arrays(frames), {"labels": frames.video.tolist()})
    images = load_images(spec, split, image_size=image_size, on_error=on_error)
    n = len(images)
    if isinstance(images, ImageFolderDataset):
        ids = [str(p) for p in images.paths]
    else:
        ids = [f"{spec}:{split}:{i}" for i in range(n)]
    labels = images.labels.tolist() if images.labels is not None else [-1] * n
    return Items(ids, images, {"labels": labels})


def _arrays(frames: VideoFrames) -> ImageArrays:
    return ImageArrays(frames.frames, frames.video, tuple(frames.names))
