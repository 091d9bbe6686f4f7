"""In-memory images (data/arrays.py): validation, subsets, the dataset view, and .npz files."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch.utils.data import DataLoader

from contrastkit.data import ArrayDataset, ImageArrays, load_npz


def images(n=4, c=1, h=5, w=6):
    return torch.randint(0, 256, (n, c, h, w), dtype=torch.uint8)


def test_basic_properties():
    data = ImageArrays(images(4, 3, 5, 6), torch.tensor([0, 1, 1, 0]), ["a", "b"])
    assert len(data) == 4 and data.num_channels == 3 and data.image_size == (5, 6)
    assert data.classes == ("a", "b")  # a list is stored as a tuple


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"images": images().float()},
            r"images must be a uint8 tensor \(N, C, H, W\), got torch.float32",
        ),
        ({"images": images()[0]}, r"got torch.uint8 of shape \(1, 5, 6\)"),
        ({"images": np.zeros((1, 1, 2, 2), np.uint8)}, "got ndarray"),
        ({"images": images(c=4)}, r"1 \(grayscale\) or 3 \(RGB\) channels"),
        ({"labels": torch.zeros(4, dtype=torch.int32)}, "labels must be an int64 tensor"),
        ({"labels": torch.zeros(3, dtype=torch.int64)}, "4 images but 3 labels"),
        ({"labels": torch.tensor([0, -1, 0, 0])}, "labels must be >= 0; use labels=None"),
        (
            {"labels": torch.tensor([0, 1, 2, 0]), "classes": ("a", "b")},
            "label 2 has no class name",
        ),
        ({"classes": ("a",)}, "classes were given without labels"),
    ],
)
def test_invalid_arrays_are_rejected(kwargs, message):
    with pytest.raises(ValueError, match=message):
        ImageArrays(**{"images": images(), **kwargs})


def test_subset_by_indices_and_by_mask():
    data = ImageArrays(images(4), torch.tensor([0, 1, 2, 3]), ("a", "b", "c", "d"))
    part = data.subset([3, 1])
    assert torch.equal(part.images, data.images[[3, 1]]) and part.labels.tolist() == [3, 1]
    assert part.classes == data.classes
    assert data.subset(torch.tensor([True, False, True, False])).labels.tolist() == [0, 2]
    assert len(ImageArrays(images(4)).subset(torch.arange(2))) == 2
    with pytest.raises(ValueError, match=r"indices must be integers or a boolean mask"):
        data.subset(torch.tensor([0.0]))


def test_array_dataset_items_and_transform():
    data = ImageArrays(images(3), torch.tensor([2, 0, 1]))
    image, label = ArrayDataset(data)[0]
    assert torch.equal(image, data.images[0]) and label == 2 and isinstance(label, int)
    assert ArrayDataset(ImageArrays(images(3)))[1][1] == -1  # unlabelled
    scaled = ArrayDataset(data, transform=lambda x: x.float() / 255)
    assert torch.allclose(scaled[1][0], data.images[1].float() / 255)
    batch, labels = next(iter(DataLoader(ArrayDataset(data), batch_size=3)))
    assert batch.shape == (3, 1, 5, 6) and labels.tolist() == [2, 0, 1]


# ---- .npz files


@pytest.mark.parametrize(
    ("stored", "to_nchw"),
    [
        (np.zeros((2, 7, 9), np.uint8), lambda a: a[:, None]),  # NHW
        (np.zeros((2, 7, 9, 3), np.uint8), lambda a: a.transpose(0, 3, 1, 2)),  # NHWC
        (np.zeros((2, 7, 9, 1), np.uint8), lambda a: a.transpose(0, 3, 1, 2)),
        (np.zeros((2, 3, 7, 9), np.uint8), lambda a: a),  # NCHW
        (np.zeros((2, 1, 7, 9), np.uint8), lambda a: a),
    ],
)
def test_npz_layouts(tmp_path, stored, to_nchw):
    stored = np.random.default_rng(0).integers(0, 256, stored.shape, dtype=np.uint8)
    np.savez(tmp_path / "d.npz", images=stored)
    data = load_npz(tmp_path / "d.npz")
    np.testing.assert_array_equal(data.images.numpy(), to_nchw(stored))
    assert data.images.is_contiguous() and data.labels is None and data.classes is None


@settings(max_examples=20)
@given(n=st.integers(1, 3), h=st.integers(4, 9), w=st.integers(4, 9), c=st.sampled_from([1, 3]))
def test_nhwc_and_nchw_files_of_the_same_images_load_equal(tmp_path_factory, n, h, w, c):
    folder = tmp_path_factory.mktemp("npz")
    nchw = np.random.default_rng(n * h * w).integers(0, 256, (n, c, h, w), dtype=np.uint8)
    np.savez(folder / "a.npz", x=nchw)
    np.savez(folder / "b.npz", x=nchw.transpose(0, 2, 3, 1))
    assert torch.equal(load_npz(folder / "a.npz").images, load_npz(folder / "b.npz").images)


def test_npz_float_images_in_unit_range_become_uint8(tmp_path):
    pixels = np.arange(256, dtype=np.uint8).reshape(1, 16, 16)
    np.savez(tmp_path / "f.npz", x=pixels.astype(np.float32) / 255, y=np.array([4]))
    data = load_npz(tmp_path / "f.npz")
    np.testing.assert_array_equal(data.images.numpy()[:, 0], pixels)
    assert data.labels.tolist() == [4] and data.labels.dtype == torch.int64


def test_npz_labels_and_classes(tmp_path):
    np.savez(
        tmp_path / "c.npz",
        images=np.zeros((3, 4, 4), np.uint8),
        labels=np.array([1, 0, 1], np.uint8),
        classes=np.array(["cat", "dog"]),
    )
    data = load_npz(tmp_path / "c.npz")
    assert data.labels.tolist() == [1, 0, 1] and data.classes == ("cat", "dog")


@pytest.mark.parametrize(
    ("arrays", "message"),
    [
        ({"pixels": np.zeros((1, 4, 4), np.uint8), "targets": np.zeros(1)},
         r"has no 'images' \(or 'x'\) array; found keys: pixels, targets"),
        ({"images": np.zeros((1, 4, 4), np.uint8), "x": np.zeros((1, 4, 4), np.uint8)},
         "holds both 'images' and 'x'; keep one"),
        ({"x": np.zeros((1, 4, 4, 4), np.uint8)}, r"C = 1 or 3, got shape \(1, 4, 4, 4\)"),
        ({"x": np.zeros((4, 4), np.uint8)}, r"got shape \(4, 4\)"),
        ({"x": np.full((1, 4, 4), 2.0)}, r"float images must be finite and in \[0, 1\]"),
        ({"x": np.full((1, 4, 4), np.nan)}, "must be finite"),
        ({"x": np.zeros((1, 4, 4), np.int64)}, r"images must be uint8 or float in \[0, 1\], got int64"),
        ({"x": np.zeros((2, 4, 4), np.uint8), "y": np.zeros(2, np.float32)}, "labels must be 1-D integers"),
        ({"x": np.zeros((2, 4, 4), np.uint8), "y": np.array([0, -1])}, "labels must be >= 0"),
        ({"x": np.zeros((2, 4, 4), np.uint8), "y": np.array([0])}, "2 images but 1 labels"),
    ],
)  # fmt: skip
def test_npz_errors(tmp_path, arrays, message):
    np.savez(tmp_path / "bad.npz", **arrays)
    with pytest.raises(ValueError, match=message):
        load_npz(tmp_path / "bad.npz")


def test_npz_pickled_objects_are_never_loaded(tmp_path):
    np.savez(tmp_path / "p.npz", images=np.array([{"evil": 1}], dtype=object))
    with pytest.raises(ValueError, match=r"pickled object arrays, which are never loaded"):
        load_npz(tmp_path / "p.npz")


def test_npz_not_an_npz_file(tmp_path):
    (tmp_path / "junk.npz").write_bytes(b"not a zip at all")
    with pytest.raises(ValueError, match=r"junk\.npz is not a readable \.npz file"):
        load_npz(tmp_path / "junk.npz")
    np.save(tmp_path / "single.npy", np.zeros((1, 4, 4), np.uint8))
    with pytest.raises(ValueError, match=r"holds a single array"):
        load_npz(tmp_path / "single.npy")


def test_npz_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"nope\.npz"):
        load_npz(tmp_path / "nope.npz")
