"""Decode one untrusted image file into a uint8 tensor, defensively.

Shared by image folders (:mod:`contrastkit.data.image_folder`) and by whatever hands us image
bytes (an upload to the search service). Only the formats of ``FORMATS`` are tried, whatever
the bytes claim to be; width × height is read from the header and checked against
``max_pixels`` before anything is decoded (Pillow's own ``Image.MAX_IMAGE_PIXELS`` bomb check
applies too); the image is turned upright per its EXIF orientation, converted to 1 or 3
channels, resized so its shorter side is ``size`` and centre-cropped to a square.
"""

from __future__ import annotations

import struct
import zlib
from typing import IO, Any

import numpy as np
import torch

FORMATS = ("BMP", "GIF", "JPEG", "PNG", "TIFF", "WEBP")  # Pillow's names
MODES = {1: "L", 3: "RGB"}
MAX_PIXELS = 64_000_000
# what a broken file makes Pillow raise (SyntaxError is Pillow's "not a valid X file")
_DECODE_ERRORS: tuple[type[BaseException], ...] = (
    OSError,
    SyntaxError,
    ValueError,
    EOFError,
    IndexError,
    TypeError,
    struct.error,
    zlib.error,
)


class TooManyPixels(ValueError):
    """An image whose header declares more pixels than allowed (a decompression bomb)."""


def pillow() -> tuple[tuple[str, ...], tuple[type[BaseException], ...]]:
    """The Pillow formats we open, and the errors a broken or oversized file raises."""
    try:
        from PIL import Image
    except ImportError as err:
        raise ImportError(
            "reading images needs Pillow; install it with pip install 'contrastkit[vision]'."
        ) from err
    Image.init()
    formats = tuple(f for f in FORMATS if f in Image.OPEN)  # WEBP needs Pillow built with it
    return formats, (*_DECODE_ERRORS, Image.DecompressionBombError)


def check_pixels(width: int, height: int, max_pixels: int) -> None:
    if width * height > max_pixels:
        raise TooManyPixels(
            f"{width}×{height} = {width * height:,} pixels is over max_pixels={max_pixels:,}"
        )


def _open(f: IO[bytes]) -> Any:
    """``Image.open`` on our formats; Pillow's own bomb check (over twice its
    ``MAX_IMAGE_PIXELS``) becomes :class:`TooManyPixels` like ours."""
    from PIL import Image

    formats, _ = pillow()
    try:
        return Image.open(f, formats=formats)
    except Image.DecompressionBombError as e:
        raise TooManyPixels(str(e)) from None


def verify_image(f: IO[bytes], *, max_pixels: int = MAX_PIXELS) -> None:
    """Check the header (format, pixel count) and the file's structure without decoding."""
    with _open(f) as im:
        width, height = im.size  # from the header, before any decoding
        check_pixels(width, height, max_pixels)
        im.verify()


def decode_image(
    f: IO[bytes], *, channels: int, size: int, max_pixels: int = MAX_PIXELS
) -> torch.Tensor:
    """uint8 ``(channels, size, size)`` from an open image file (see the module docstring).

    Raises :class:`TooManyPixels` for an oversized header, and Pillow's errors (listed by
    :func:`pillow`) for anything it cannot decode.
    """
    from PIL import Image, ImageOps

    mode = MODES[channels]
    with _open(f) as im:
        width, height = im.size
        check_pixels(width, height, max_pixels)
        im.draft(mode, (size, size))  # JPEG: decode at the smallest scale still ≥ size
        im.load()
        ImageOps.exif_transpose(im, in_place=True)
        converted = im.convert(mode)
        w, h = converted.size
        side = min(w, h)
        box = ((w - side) / 2, (h - side) / 2, (w + side) / 2, (h + side) / 2)
        # resizing the centered square == shorter side to size, then center crop
        square = converted.resize((size, size), Image.Resampling.BICUBIC, box=box)
        pixels = np.array(square, dtype=np.uint8)  # (S, S) or (S, S, 3)
    if pixels.ndim == 2:
        pixels = pixels[:, :, None]
    return torch.from_numpy(pixels).permute(2, 0, 1).contiguous()  # (C, S, S)
