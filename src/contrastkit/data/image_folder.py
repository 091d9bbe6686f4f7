"""A folder of image files as a dataset, read defensively: the folder is untrusted input.

Layout: images directly in ``root`` (unlabelled, label −1), or in class sub-folders
``root/<class>/**/<image>`` (labels = index of the class in the sorted folder names). Files and
folders whose names start with "." are ignored.

Safety (DESIGN.md, "Inputs we do not trust"):

* A symlink — to a file or a folder — whose target lies outside ``root`` is never followed and
  never opened; it is counted in ``escaped``. Symlinks that stay inside are followed (each
  folder is walked once, so loops end).
* Width × height is read from the file header and checked against ``max_pixels`` before any
  decoding (Pillow's own ``Image.MAX_IMAGE_PIXELS`` bomb check applies too). Only the formats
  of :data:`IMAGE_EXTENSIONS` are tried, whatever a file's bytes claim to be.
* Every file is opened and ``verify()``-ed at construction. A bad one raises ``ValueError``
  naming it (``on_error="raise"``), or is skipped and counted in ``skipped`` (``"skip"``).
  ``verify()`` does not decode everything: a file that still fails to decode later raises
  ``ValueError`` naming it.
* A file is opened by its resolved path with ``O_NOFOLLOW`` after re-checking that the path is
  still inside ``root``; this narrows, but cannot close, the window for a file swapped for a
  symlink after the scan.
"""

from __future__ import annotations

import copy
import logging
import multiprocessing
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO, Any, Literal

import torch
from torch.utils.data import Dataset
from tqdm.auto import tqdm

from contrastkit.data.arrays import ImageArrays
from contrastkit.data.decode import MODES, decode_image, pillow, verify_image

IMAGE_EXTENSIONS = (".bmp", ".gif", ".jpeg", ".jpg", ".png", ".tif", ".tiff", ".webp")

log = logging.getLogger(__name__)


class ImageFolderDataset(Dataset[tuple[Any, int]]):
    """Images under ``root``, decoded on access to uint8 ``(C, image_size, image_size)``.

    Each image is converted to ``channels`` (1 → grayscale "L", 3 → "RGB"; alpha is dropped),
    turned upright per its EXIF orientation, resized so its shorter side is ``image_size`` and
    center-cropped to a square. Item i is ``(image, label)``, the image passed through
    ``transform`` when given; ``label`` is −1 for an unlabelled folder.

    Args:
        root: the folder (see the module docstring for the layout and safety rules).
        image_size: side of the square images returned.
        on_error: ``"raise"`` (default) a ``ValueError`` naming an unreadable or too-large
            file, or ``"skip"`` it (counted in ``skipped``, one warning logged).
        max_pixels: largest width × height accepted.
        channels: 1 or 3.
        transform: applied to the uint8 ``(C, H, W)`` tensor of each item.

    Attributes:
        classes: sorted class-folder names, or None when unlabelled.
        labels: int64 ``(N,)``, −1 when unlabelled.
        paths: each image's path as found under ``root`` (symlinks not resolved).
        skipped, skipped_paths: files left out by ``on_error="skip"``.
        escaped, escaped_paths: symlinks ignored because they lead outside ``root``.

    Example:
        >>> data = ImageFolderDataset("photos/", image_size=96, on_error="skip")
        >>> image, label = data[0]  # uint8 (3, 96, 96), int
    """

    def __init__(
        self,
        root: str | Path,
        *,
        image_size: int = 64,
        on_error: Literal["raise", "skip"] = "raise",
        max_pixels: int = 64_000_000,
        channels: int = 3,
        transform: Callable[[torch.Tensor], Any] | None = None,
    ) -> None:
        if not (isinstance(image_size, int) and image_size >= 1):
            raise ValueError(f"image_size must be a positive integer, got {image_size!r}.")
        if on_error not in ("raise", "skip"):
            raise ValueError(f"on_error must be 'raise' or 'skip', got {on_error!r}.")
        if not (isinstance(max_pixels, int) and max_pixels >= 1):
            raise ValueError(f"max_pixels must be a positive integer, got {max_pixels!r}.")
        if channels not in MODES:
            raise ValueError(f"channels must be 1 (grayscale) or 3 (RGB), got {channels!r}.")
        self.root = Path(root)
        if not self.root.exists():
            raise FileNotFoundError(f"image folder {self.root} does not exist.")
        if not self.root.is_dir():
            raise ValueError(f"{self.root} is not a folder; give the folder that holds the images.")
        self.size, self.channels, self.transform = image_size, channels, transform
        self.on_error, self.max_pixels = on_error, max_pixels
        self._real_root = Path(os.path.realpath(self.root))
        _, self._errors = pillow()
        self._failures = multiprocessing.Value("i", 0)  # shared with DataLoader workers
        self._failed: set[int] = set()

        found, self.escaped_paths = _scan(self.root, self._real_root)
        self.escaped = len(self.escaped_paths)
        if not found:
            raise ValueError(
                f"no images found under {self.root}; expected image files "
                f"({' '.join(IMAGE_EXTENSIONS)}) or class sub-folders of them."
            )
        self.classes, class_of = _classes(self.root, [shown for shown, _ in found])

        self.paths: list[Path] = []
        self._files: list[Path] = []  # resolved paths, the only ones ever opened
        labels: list[int] = []
        self.skipped_paths: list[Path] = []
        reasons: list[str] = []
        for shown, real in found:
            try:
                self._verify(real)
            except self._errors as err:
                if on_error == "raise":
                    raise ValueError(
                        f"cannot read image {shown} ({err}); fix or remove it, or pass "
                        "on_error='skip' (CLI: --set data.on_error=skip) to leave unreadable "
                        "files out."
                    ) from err
                self.skipped_paths.append(shown)
                reasons.append(f"{shown}: {err}")
                continue
            self.paths.append(shown)
            self._files.append(real)
            labels.append(class_of(shown))
        self.skipped = len(self.skipped_paths)
        self.labels = torch.tensor(labels, dtype=torch.int64)  # (N,)
        self._warn_once(reasons)
        if not self._files:
            raise ValueError(
                f"no readable images under {self.root}; all {self.skipped} image files were "
                f"skipped as unreadable (first: {reasons[0]})."
            )

    def __len__(self) -> int:
        return len(self._files)

    def __getitem__(self, i: int) -> tuple[Any, int]:
        image, label = self._decoded(i)  # (C, S, S) uint8, its class
        return (self.transform(image) if self.transform is not None else image), label

    @property
    def decode_failures(self) -> int:
        """Files that passed the scan but failed to decode since this folder was opened
        (``on_error="skip"``: each stood in for by the next file that decodes), counted
        across DataLoader worker processes."""
        return int(self._failures.value)

    def _decoded(self, i: int) -> tuple[torch.Tensor, int]:
        """Image i, or with ``on_error="skip"`` the next one (in folder order, wrapping) that
        decodes: always the same stand-in for the same file, so a resumed run sees what an
        uninterrupted one saw."""
        for k in [i, *((i + j) % len(self) for j in range(1, len(self)))]:
            try:
                return self._decode(k), int(self.labels[k])
            except ValueError as err:
                if self.on_error == "raise":
                    raise
                self._note_failure(k, err)
        raise ValueError(f"no image under {self.root} can be decoded")

    def _note_failure(self, k: int, err: Exception) -> None:
        if k in self._failed:  # said and counted once per file (per process)
            return
        self._failed.add(k)
        with self._failures.get_lock():
            self._failures.value += 1
        log.warning("%s; the next image that decodes stands in for it (data.on_error=skip)", err)

    @property
    def num_channels(self) -> int:
        return self.channels

    @property
    def image_size(self) -> tuple[int, int]:
        """``(H, W)`` of the images returned: ``(image_size, image_size)``."""
        return self.size, self.size

    def subset(self, indices: torch.Tensor | Sequence[int]) -> ImageFolderDataset:
        """The images at ``indices`` (integer indices, or a boolean mask of length N)."""
        idx = torch.arange(len(self))[torch.as_tensor(indices)].tolist()
        part = copy.copy(self)
        part.paths = [self.paths[i] for i in idx]
        part._files = [self._files[i] for i in idx]
        part.labels = self.labels[idx]
        return part

    def to_arrays(self, progress: bool = True) -> ImageArrays:
        """Decode every image into memory (without ``transform``), with a progress bar.

        For folders small enough to hold as uint8 ``(N, C, S, S)``: training then indexes the
        tensor directly instead of decoding files every epoch.
        """
        images = torch.empty((len(self), self.channels, self.size, self.size), dtype=torch.uint8)
        for i in tqdm(
            range(len(self)), desc=f"decoding {self.root}", unit="img", disable=not progress
        ):
            images[i] = self._decoded(i)[0]
        labels = self.labels.clone() if self.classes is not None else None
        return ImageArrays(images, labels, self.classes)

    def _open(self, real: Path) -> IO[bytes]:
        # the file may have been swapped for a symlink since the scan: check again
        if not Path(os.path.realpath(real)).is_relative_to(self._real_root):
            raise OSError(f"it now leads outside {self.root}")
        return open(real, "rb", opener=_open_no_follow)  # the caller closes it

    def _verify(self, real: Path) -> None:
        with self._open(real) as f:
            verify_image(f, max_pixels=self.max_pixels)

    def _decode(self, i: int) -> torch.Tensor:
        try:
            with self._open(self._files[i]) as f:
                return decode_image(
                    f, channels=self.channels, size=self.size, max_pixels=self.max_pixels
                )
        except self._errors as err:
            raise ValueError(
                f"cannot decode image {self.paths[i]} ({err}); fix or remove it, or set "
                "data.on_error=skip to train on without it"
            ) from err

    def _warn_once(self, reasons: list[str]) -> None:
        parts = []
        if self.skipped:
            parts.append(f"skipped {self.skipped} unreadable image file(s) (first: {reasons[0]})")
        if self.escaped:
            parts.append(
                f"ignored {self.escaped} symlink(s) leading outside the folder "
                f"(first: {self.escaped_paths[0]})"
            )
        if parts:
            log.warning("image folder %s: %s", self.root, "; ".join(parts))


def _scan(root: Path, real_root: Path) -> tuple[list[tuple[Path, Path]], list[Path]]:
    """Image files under ``root`` as (path as found, resolved path), and escaping symlinks."""
    found: list[tuple[Path, Path]] = []
    escaped: list[Path] = []
    visited = {real_root}

    def walk(shown_dir: Path, real_dir: Path) -> None:
        with os.scandir(real_dir) as it:
            entries = sorted(it, key=lambda e: e.name)
        for entry in entries:
            if entry.name.startswith("."):
                continue
            shown = shown_dir / entry.name
            if entry.is_symlink():
                real = Path(os.path.realpath(entry.path))  # never opens the target
                if not real.is_relative_to(real_root):
                    escaped.append(shown)
                    continue
                is_dir = real.is_dir()
            else:
                real = Path(entry.path)
                is_dir = entry.is_dir(follow_symlinks=False)
            if is_dir:
                if real not in visited:
                    visited.add(real)
                    walk(shown, real)
            elif entry.name.lower().endswith(IMAGE_EXTENSIONS):
                found.append((shown, real))  # a broken link is found here and fails to open

    walk(root, real_root)
    return found, escaped


def _classes(root: Path, paths: list[Path]) -> tuple[tuple[str, ...] | None, Callable[[Path], int]]:
    """Class names (None when unlabelled) and the label of each path."""
    tops = [p.relative_to(root).parts for p in paths]
    if any(len(parts) == 1 for parts in tops):
        if any(len(parts) > 1 for parts in tops):
            log.warning(
                "image folder %s holds images both directly and in sub-folders; "
                "treating it as unlabelled (label -1)",
                root,
            )
        return None, lambda p: -1
    classes = tuple(sorted({parts[0] for parts in tops}))
    index = {name: i for i, name in enumerate(classes)}
    return classes, lambda p: index[p.relative_to(root).parts[0]]


def _open_no_follow(path: str, flags: int) -> int:
    return os.open(path, flags | getattr(os, "O_NOFOLLOW", 0))
