"""tasks/images/build.py + views.py: the stream delivers the dataset's labels on both
augmentation paths, and small crops (multi-crop) only when the settings ask for them."""

from __future__ import annotations

import pytest
import torch

from contrastkit.augment import SimCLRRecipe
from contrastkit.data import ArrayDataset, ImageArrays
from contrastkit.engine.sampler import EpochBatches
from contrastkit.tasks import load_config
from contrastkit.tasks.images.build import ImageData, build_stream

N, B = 24, 8


def image_data(labels: bool = True, folder_like: bool = False) -> ImageData:
    images = torch.randint(0, 256, (N, 1, 28, 28), dtype=torch.uint8)
    arrays = ImageArrays(images, torch.arange(N) * 7 % 5 if labels else None)
    train = ArrayDataset(arrays) if folder_like else arrays
    return ImageData(train, 1, 28, SimCLRRecipe.for_fashion_mnist())


def first_epoch(method: str, data: ImageData, *settings: str):
    cfg = load_config(None, [f"method={method}", f"optim.batch_size={B}", *settings])
    stream = build_stream(cfg, data, torch.device("cpu"))
    return list(stream.epoch(0)), EpochBatches(N, B, seed=cfg.seed).epoch(0)


@pytest.mark.parametrize(
    ("augment", "folder_like"),
    [("batched", False), ("batched", True), ("per_sample", False)],
    ids=["batched-in-memory", "batched-dataloader", "per-sample"],
)
def test_views_carry_the_labels_of_their_samples(augment, folder_like):
    data = image_data(folder_like=folder_like)
    labels = data.train.arrays.labels if folder_like else data.train.labels
    views, batches = first_epoch("supcon", data, f"data.augment={augment}")
    assert len(views) == N // B
    for v, idx in zip(views, batches, strict=True):
        assert torch.equal(v.labels, labels[idx]) and v.crops == ()


def test_unlabelled_samples_arrive_as_minus_one():
    views, _ = first_epoch("simclr", image_data(labels=False))
    assert all(bool((v.labels == -1).all()) for v in views)


@pytest.mark.parametrize("method", ["swav", "dino"])
def test_multi_crop_methods_get_their_small_crops(method):
    settings = ["data.small_crops=3", "data.small_crop_size=10"]
    views, _ = first_epoch(method, image_data(), *settings)
    for v in views:
        assert v.first.shape == v.second.shape == (B, 1, 28, 28)
        assert len(v.crops) == 3 and all(c.shape == (B, 1, 10, 10) for c in v.crops)


def test_small_crop_size_defaults_to_three_sevenths_of_the_views():
    views, _ = first_epoch("swav", image_data(), "data.small_crops=1")
    assert views[0].crops[0].shape == (B, 1, 12, 12)


def test_no_small_crops_by_default():
    views, _ = first_epoch("swav", image_data())
    assert all(v.crops == () for v in views)
