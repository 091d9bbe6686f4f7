"""Multi-crop (augment/multi_crop.py): 2 large + V small views, every one drawn per sample."""

from __future__ import annotations

import pytest
import torch
from augment_cases import IDENTITY, identity_with, random_images

from contrastkit.augment import BatchedAugment, MultiCropAugment, SimCLRRecipe
from contrastkit.augment.multi_crop import small_crop_size

B = 32


@pytest.mark.parametrize(("channels", "n_small"), [(1, 0), (1, 2), (3, 4)])
def test_shapes_two_large_then_n_small(channels, n_small):
    augment = MultiCropAugment(SimCLRRecipe(size=28), channels, n_small=n_small, small_size=12)
    views = augment(random_images(5, channels, 32))
    assert len(views) == 2 + n_small
    assert all(v.shape == (5, channels, 28, 28) and v.dtype == torch.float32 for v in views[:2])
    assert all(v.shape == (5, channels, 12, 12) for v in views[2:])


def test_small_size_defaults_to_swavs_ratio():
    assert small_crop_size(224) == 96 and small_crop_size(28) == 12
    views = MultiCropAugment(SimCLRRecipe.for_fashion_mnist(), 1, n_small=1)(
        random_images(2, 1, 28)
    )
    assert views[2].shape == (2, 1, 12, 12)


def test_every_sample_and_every_crop_draws_its_own_parameters():
    # B identical images: the small crops differ across samples AND across the V crops
    image = random_images(1, 3, 32).expand(B, -1, -1, -1).contiguous()
    augment = MultiCropAugment(SimCLRRecipe(size=16), 3, n_small=3, small_size=8)
    views = augment(image)
    for v in views:
        assert torch.unique(v.flatten(1), dim=0).shape[0] > B // 2
    small = torch.stack(views[2:])  # (V, B, 3, 8, 8)
    assert not torch.equal(small[0], small[1]) and not torch.equal(small[1], small[2])
    boxes = augment.small.steps.crop._params["src"]  # the last small crop's (B, 4, 2) boxes
    assert torch.unique(boxes.flatten(1), dim=0).shape[0] > B // 2


def test_small_crops_use_the_small_scale_and_the_rest_of_the_recipe():
    augment = MultiCropAugment(
        identity_with(size=12), 3, n_small=1, small_size=6, small_scale=(0.25, 0.25)
    )
    assert augment.small.recipe.crop_scale == (0.25, 0.25) and augment.small.recipe.size == 6
    assert augment.large.recipe == identity_with(size=12)
    augment(random_images(4, 3, 12))
    boxes = augment.small.steps.crop._params["src"]  # (B, 4, 2) corners (x, y)
    width = boxes[:, 1, 0] - boxes[:, 0, 0] + 1
    height = boxes[:, 2, 1] - boxes[:, 1, 1] + 1
    area = width * height / 144
    assert ((area > 0.15) & (area < 0.4)).all()  # a quarter of the image, up to pixel rounding


def test_large_views_are_what_batched_augment_gives():
    images = random_images(4, 3, 12)
    views = MultiCropAugment(IDENTITY, 3, n_small=2, small_size=6)(images)
    expected = BatchedAugment(IDENTITY, 3)(images)
    torch.testing.assert_close(views[0], expected)
    torch.testing.assert_close(views[1], expected)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"n_small": -1}, "n_small"),
        ({"n_small": 2, "small_size": 0}, "size"),
        ({"n_small": 2, "small_scale": (0.5, 0.1)}, "crop_scale"),
    ],
)
def test_rejects_bad_settings(kwargs, match):
    with pytest.raises(ValueError, match=match):
        MultiCropAugment(SimCLRRecipe(size=16), 3, **kwargs)


def test_rejects_images_of_the_wrong_channel_count():
    with pytest.raises(ValueError, match="channels"):
        MultiCropAugment(SimCLRRecipe(size=16), 3, n_small=1)(random_images(2, 1, 16))
