"""Image folders (data/image_folder.py) as untrusted input: symlinks out of the root are never
opened, corrupt files are skipped and counted or raised with their path, pixels are capped."""

from __future__ import annotations

import logging
import os
import struct
import zlib
from pathlib import Path

import numpy as np
import PIL.Image
import pytest
import torch
from torch.utils.data import DataLoader

from contrastkit.data import ImageArrays, ImageFolderDataset

RED, GREEN, BLUE = (255, 0, 0), (0, 255, 0), (0, 0, 255)


def save(path: Path, size=(20, 20), color=RED, mode="RGB") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    PIL.Image.new(mode, size, color if mode == "RGB" else 128).save(path)
    return path


@pytest.fixture
def tree(tmp_path):
    """root/{cat,dog}/ with 4 good images, 1 corrupt one, 1 symlink inside the root (followed),
    a symlinked file and a symlinked folder leading outside, a hidden file and a text file."""
    outside = tmp_path / "outside"
    save(outside / "secret.png")
    save(outside / "dir" / "other.png")
    root = tmp_path / "root"
    save(root / "cat" / "a.png", color=RED)
    save(root / "cat" / "b.jpg", size=(30, 20), color=GREEN)
    save(root / "dog" / "c.png", size=(24, 24), mode="L")
    save(root / "dog" / "d.bmp", color=BLUE)
    (root / "dog" / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n" + os.urandom(64))
    (root / "dog" / "alias.png").symlink_to(root / "cat" / "a.png")
    (root / "cat" / "escape.png").symlink_to(outside / "secret.png")
    (root / "linked").symlink_to(outside / "dir", target_is_directory=True)
    save(root / "dog" / ".hidden.png")
    (root / "dog" / "notes.txt").write_text("not an image")
    return root, outside


@pytest.fixture
def opened(monkeypatch):
    """Every path handed to PIL.Image.open or os.open while the test runs."""
    paths: list[str] = []
    real_image_open, real_os_open = PIL.Image.open, os.open

    def image_open(fp, *args, **kwargs):
        paths.append(str(getattr(fp, "name", fp)))
        return real_image_open(fp, *args, **kwargs)

    def os_open(path, *args, **kwargs):
        paths.append(os.fsdecode(path))
        return real_os_open(path, *args, **kwargs)

    monkeypatch.setattr(PIL.Image, "open", image_open)
    monkeypatch.setattr(os, "open", os_open)
    return paths


def test_skip_counts_the_corrupt_file_and_never_opens_outside_the_root(tree, opened, caplog):
    root, outside = tree
    with caplog.at_level(logging.WARNING, logger="contrastkit.data.image_folder"):
        data = ImageFolderDataset(root, image_size=8, on_error="skip")
    assert data.skipped == 1 and data.skipped_paths == [root / "dog" / "broken.png"]
    assert data.escaped == 2
    assert data.escaped_paths == [root / "cat" / "escape.png", root / "linked"]
    assert data.classes == ("cat", "dog")
    names = [p.relative_to(root).as_posix() for p in data.paths]
    assert names == ["cat/a.png", "cat/b.jpg", "dog/alias.png", "dog/c.png", "dog/d.bmp"]
    assert data.labels.tolist() == [0, 0, 1, 1, 1] and data.labels.dtype == torch.int64
    [record] = caplog.records  # one summary line
    assert "skipped 1 unreadable" in record.getMessage()
    assert "ignored 2 symlink(s) leading outside" in record.getMessage()

    for i in range(len(data)):
        data[i]
    data.to_arrays(progress=False)
    assert opened, "the recorder saw nothing"
    assert not [p for p in opened if Path(p).resolve().is_relative_to(outside.resolve())]


def test_symlink_inside_the_root_is_followed(tree):
    root, _ = tree
    data = ImageFolderDataset(root, image_size=8, on_error="skip")
    alias = data.paths.index(root / "dog" / "alias.png")
    image, label = data[alias]
    assert label == data.classes.index("dog")
    assert torch.equal(image, data[data.paths.index(root / "cat" / "a.png")][0])


def test_raise_names_the_corrupt_file(tree):
    root, _ = tree
    with pytest.raises(ValueError, match=r"cannot read image .*dog/broken\.png .*on_error='skip'"):
        ImageFolderDataset(root)


def test_items_are_uint8_squares_of_the_requested_size(tree):
    root, _ = tree
    data = ImageFolderDataset(root, image_size=12, on_error="skip")
    image, label = data[0]
    assert image.shape == (3, 12, 12) and image.dtype == torch.uint8 and label == 0
    assert data.num_channels == 3 and data.image_size == (12, 12) and len(data) == 5
    assert torch.equal(image[:, 6, 6], torch.tensor(RED, dtype=torch.uint8))
    gray = ImageFolderDataset(root, image_size=12, on_error="skip", channels=1)
    assert gray[0][0].shape == (1, 12, 12) and gray.num_channels == 1
    assert int(gray[data.paths.index(root / "dog" / "c.png")][0].float().mean()) == 128


@pytest.mark.parametrize("size", [(60, 20), (20, 60)])
def test_shorter_side_is_resized_then_center_cropped(tmp_path, size):
    image = PIL.Image.new("RGB", size, RED)
    long = max(size)
    for start, color in ((long // 3, GREEN), (2 * long // 3, BLUE)):
        box = (start, 0, long, 20) if size[0] > size[1] else (0, start, 20, long)
        image.paste(color, box)
    image.save(tmp_path / "stripes.png")
    out = ImageFolderDataset(tmp_path, image_size=10)[0][0].float()  # (3, 10, 10)
    assert torch.equal(out[:, 5, 5], torch.tensor(GREEN, dtype=torch.float32))
    means = out.mean(dim=(1, 2))
    assert means[1] > 230 and means[0] < 25 and means[2] < 25  # only the middle third is kept


def test_flat_folder_is_unlabelled(tmp_path):
    for name in ("x.png", "y.jpeg", "z.GIF"):
        save(tmp_path / name)
    data = ImageFolderDataset(tmp_path, image_size=4)
    assert data.classes is None and data.labels.tolist() == [-1, -1, -1]
    assert data[2][1] == -1 and data.to_arrays(progress=False).labels is None


def test_images_nested_below_class_folders_take_the_top_folder_as_class(tmp_path):
    save(tmp_path / "b" / "deep" / "er" / "1.png")
    save(tmp_path / "a" / "2.png")
    data = ImageFolderDataset(tmp_path, image_size=4)
    assert data.classes == ("a", "b") and data.labels.tolist() == [0, 1]


def test_images_both_in_root_and_sub_folders_are_unlabelled(tmp_path, caplog):
    save(tmp_path / "top.png")
    save(tmp_path / "cls" / "1.png")
    with caplog.at_level(logging.WARNING):
        data = ImageFolderDataset(tmp_path, image_size=4)
    assert data.classes is None and data.labels.tolist() == [-1, -1]
    assert "both directly and in sub-folders" in caplog.text


def test_symlink_loop_inside_the_root_ends(tmp_path):
    save(tmp_path / "cls" / "1.png")
    (tmp_path / "cls" / "loop").symlink_to(tmp_path, target_is_directory=True)
    data = ImageFolderDataset(tmp_path, image_size=4)
    assert len(data) == 1 and data.escaped == 0


def test_broken_symlink_is_an_unreadable_file(tmp_path):
    save(tmp_path / "cls" / "1.png")
    (tmp_path / "cls" / "ghost.png").symlink_to(tmp_path / "cls" / "gone.png")
    assert ImageFolderDataset(tmp_path, image_size=4, on_error="skip").skipped == 1
    with pytest.raises(ValueError, match=r"ghost\.png"):
        ImageFolderDataset(tmp_path, image_size=4)


def png_claiming_size(width: int, height: int) -> bytes:
    """A 1×1 PNG whose header claims width × height (the pixel data stays 1×1)."""
    import io

    buffer = io.BytesIO()
    PIL.Image.new("L", (1, 1)).save(buffer, format="PNG")
    data = bytearray(buffer.getvalue())
    ihdr = b"IHDR" + struct.pack(">II", width, height) + bytes(data[24:29])
    data[12:29] = ihdr
    data[29:33] = struct.pack(">I", zlib.crc32(ihdr))
    return bytes(data)


def test_pixel_cap_is_checked_from_the_header_before_decoding(tmp_path):
    (tmp_path / "bomb.png").write_bytes(png_claiming_size(5000, 4000))
    save(tmp_path / "fine.png", size=(10, 10))
    with pytest.raises(
        ValueError,
        match=r"bomb\.png \(5000×4000 = 20,000,000 pixels is over max_pixels=1,000,000\)",
    ):
        ImageFolderDataset(tmp_path, max_pixels=1_000_000)
    data = ImageFolderDataset(tmp_path, max_pixels=1_000_000, on_error="skip", image_size=4)
    assert data.skipped == 1 and data.skipped_paths == [tmp_path / "bomb.png"] and len(data) == 1


def test_pixel_cap_also_rejects_real_images(tmp_path):
    save(tmp_path / "big.png", size=(30, 20))
    with pytest.raises(ValueError, match=r"600 pixels is over max_pixels=599"):
        ImageFolderDataset(tmp_path, max_pixels=599)
    assert len(ImageFolderDataset(tmp_path, max_pixels=600, image_size=4)) == 1


def test_a_file_that_is_not_the_image_its_name_says_is_unreadable(tmp_path):
    (tmp_path / "fake.jpg").write_text("%!PS-Adobe-3.0 EPSF-3.0\n")  # never handed to Ghostscript
    save(tmp_path / "real.png")
    assert ImageFolderDataset(tmp_path, image_size=4, on_error="skip").skipped == 1


def test_empty_folder(tmp_path):
    (tmp_path / "cls").mkdir()
    (tmp_path / "readme.txt").write_text("no images")
    with pytest.raises(ValueError, match=f"no images found under {tmp_path}; expected image files"):
        ImageFolderDataset(tmp_path)


def test_every_file_unreadable(tmp_path):
    (tmp_path / "a.png").write_bytes(b"junk")
    with pytest.raises(
        ValueError, match=r"no readable images under .*all 1 image files were skipped"
    ):
        ImageFolderDataset(tmp_path, on_error="skip")


def test_missing_root_and_a_file_as_root(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"image folder .*nope does not exist"):
        ImageFolderDataset(tmp_path / "nope")
    with pytest.raises(ValueError, match=r"is not a folder"):
        ImageFolderDataset(save(tmp_path / "one.png"))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"image_size": 0}, "image_size must be a positive integer"),
        ({"on_error": "ignore"}, "on_error must be 'raise' or 'skip'"),
        ({"max_pixels": 0}, "max_pixels must be a positive integer"),
        ({"channels": 4}, r"channels must be 1 \(grayscale\) or 3 \(RGB\)"),
    ],
)
def test_invalid_settings(tmp_path, kwargs, message):
    with pytest.raises(ValueError, match=message):
        ImageFolderDataset(tmp_path, **kwargs)


def test_transform_subset_loader_and_to_arrays_agree(tree):
    root, _ = tree
    data = ImageFolderDataset(root, image_size=8, on_error="skip")
    arrays = data.to_arrays(progress=False)
    assert isinstance(arrays, ImageArrays) and arrays.images.shape == (5, 3, 8, 8)
    assert torch.equal(arrays.images, torch.stack([data[i][0] for i in range(5)]))
    assert torch.equal(arrays.labels, data.labels) and arrays.classes == data.classes
    images, labels = next(iter(DataLoader(data, batch_size=5)))
    assert torch.equal(images, arrays.images) and torch.equal(labels, data.labels)
    part = data.subset([4, 0])
    assert part.paths == [data.paths[4], data.paths[0]] and part.labels.tolist() == [1, 0]
    assert torch.equal(part[0][0], data[4][0]) and len(data) == 5
    flipped = ImageFolderDataset(
        root, image_size=8, on_error="skip", transform=lambda x: x.flip(-1)
    )
    assert torch.equal(flipped[1][0], data[1][0].flip(-1))
    assert np.array_equal(flipped.labels.numpy(), data.labels.numpy())


def test_exif_orientation_is_applied(tmp_path):
    image = PIL.Image.new("RGB", (40, 20), RED)
    image.paste(BLUE, (20, 0, 40, 20))  # left half red, right half blue
    exif = PIL.Image.Exif()
    exif[0x0112] = 6  # Orientation: shown rotated 90° clockwise, so red ends up on top
    image.save(tmp_path / "rotated.jpg", exif=exif, quality=95)
    out = ImageFolderDataset(tmp_path, image_size=10)[0][0].int()  # (3, 10, 10)
    top, bottom = out[:, 1].float().mean(dim=1), out[:, -2].float().mean(dim=1)
    assert top[0] > 200 and top[2] < 60 and bottom[2] > 200 and bottom[0] < 60
