"""Batched views with kornia (augment/batched.py): per-sample parameters, in one call.

The central property: a batch of B identical images must come out as B different views,
because every sample draws its own crop, flip and jitter. torchvision v2 applied to the same
batch tensor draws ONE set of parameters and returns B identical views — the reason the
batched path is kornia (DESIGN.md).
"""

from __future__ import annotations

import pytest
import torch
from augment_cases import IDENTITY, identity_with, random_images, unnormalize

from contrastkit.augment import BatchedAugment, EvalTransform, SimCLRRecipe, per_sample_transform

B = 32


def identical_batch(channels: int = 3) -> torch.Tensor:
    return random_images(1, channels, 16).expand(B, -1, -1, -1).contiguous()  # (B, C, 16, 16)


@pytest.mark.parametrize("channels", [1, 3])
def test_identical_images_get_different_parameters_and_views(channels):
    augment = BatchedAugment(SimCLRRecipe(size=12, blur_p=0.5), channels)
    out = augment(identical_batch(channels))  # (B, C, 12, 12)
    steps = augment.steps
    # crop corners are whole pixels, so on a 16×16 image two samples may draw the same box
    boxes = steps.crop._params["src"]  # (B, 4, 2) crop corners, one box per sample
    assert torch.unique(boxes.flatten(1), dim=0).shape[0] > B // 2
    flips = steps.flip._params["batch_prob"]  # (B,) 1 where the sample was flipped
    assert 0 < flips.sum() < B
    assert torch.unique(steps.jitter._params["brightness_factor"]).numel() > B // 2  # (B,)
    assert torch.unique(steps.blur._params["sigma"]).numel() > B // 2  # (B,)
    assert torch.unique(out.flatten(1), dim=0).shape[0] > B // 2  # many different views


def test_torchvision_v2_on_a_batch_shares_one_set_of_parameters():
    # Documents why the batched path is not torchvision: the very pipeline of the per-sample
    # path, handed the whole batch, gives every sample the same crop, flip and colour.
    pipeline = per_sample_transform(SimCLRRecipe(size=12), 3).pipeline  # type: ignore[attr-defined]
    for _ in range(3):
        out = pipeline(identical_batch(3))  # (B, 3, 12, 12)
        assert out.shape == (B, 3, 12, 12)
        assert all(torch.equal(out[i], out[0]) for i in range(B))


def test_identity_recipe_is_exactly_the_eval_normalisation():
    images = random_images(6, 3)
    expected = EvalTransform(IDENTITY, 3)(images)
    torch.testing.assert_close(BatchedAugment(IDENTITY, 3)(images), expected, atol=1e-4, rtol=0)
    flipped = BatchedAugment(identity_with(flip_p=1.0), 3)(images)
    torch.testing.assert_close(flipped, expected.flip(-1), atol=1e-4, rtol=0)
    gray = BatchedAugment(identity_with(grayscale_p=1.0), 3)(images)
    assert torch.equal(gray[:, 0], gray[:, 1]) and torch.equal(gray[:, 0], gray[:, 2])


def test_normalisation_uses_the_per_channel_statistics():
    recipe = identity_with(mean=(0.1, 0.5, 0.9), std=(0.5, 0.25, 0.125))
    images = random_images(2, 3)
    mean, std = (
        torch.tensor(recipe.mean).view(1, 3, 1, 1),
        torch.tensor(recipe.std).view(1, 3, 1, 1),
    )
    expected = (images.float() / 255 - mean) / std
    torch.testing.assert_close(BatchedAugment(recipe, 3)(images), expected, atol=1e-4, rtol=0)


def test_grayscale_images_get_per_sample_brightness_and_contrast_only():
    recipe = identity_with(jitter_p=1.0, jitter_strength=0.5)
    augment = BatchedAugment(recipe, 1)
    assert "grayscale" not in augment.steps._modules
    out = unnormalize(augment(torch.full((B, 1, 12, 12), 100, dtype=torch.uint8)), recipe)
    assert out.shape == (B, 1, 12, 12)
    per_sample = out[:, 0, 0, 0]  # constant images stay constant: brightness scales them
    assert torch.allclose(out, per_sample.view(B, 1, 1, 1).expand_as(out), atol=1e-6)
    factors = per_sample / (100 / 255)
    assert factors.min() >= 0.6 - 1e-4 and factors.max() <= 1.4 + 1e-4
    assert torch.unique(factors).numel() == B


def test_crop_boxes_respect_the_scale_and_aspect_ratio():
    augment = BatchedAugment(SimCLRRecipe(size=12, crop_scale=(0.2, 0.5)), 3)
    augment(random_images(64, 3, 40))
    src = augment.steps.crop._params["src"]  # (B, 4, 2): (x, y) of TL, TR, BR, BL
    w = src[:, 1, 0] - src[:, 0, 0] + 1
    h = src[:, 3, 1] - src[:, 0, 1] + 1
    area = w * h / 40**2
    assert area.min() >= 0.2 - 0.01 and area.max() <= 0.5 + 0.02
    assert (w / h).min() >= 0.7 and (w / h).max() <= 1.4
    assert src.min() >= 0 and src.max() <= 39


@pytest.mark.parametrize(
    ("dtype", "expected"),
    [(torch.uint8, torch.float32), (torch.float32, torch.float32), (torch.float64, torch.float64)],
)
def test_dtype_device_and_finiteness(dtype, expected):
    augment = BatchedAugment(SimCLRRecipe.for_imagenet(size=10), 3)
    images = random_images(4, 3, 14)
    images = images if dtype == torch.uint8 else images.to(dtype) / 255
    before = images.clone()
    out = augment(images)
    assert out.shape == (4, 3, 10, 10) and out.dtype == expected and out.device == images.device
    assert torch.isfinite(out).all()
    assert torch.equal(images, before)  # the input is not modified


def test_two_views_are_independent_and_reseeding_reproduces_them():
    augment = BatchedAugment(SimCLRRecipe.for_fashion_mnist(), 1)
    images = random_images(4, 1, 28)
    torch.manual_seed(3)
    v1, v2 = augment.two_views(images)
    assert v1.shape == v2.shape == (4, 1, 28, 28) and not torch.equal(v1, v2)
    torch.manual_seed(3)
    w1, w2 = augment.two_views(images)
    assert torch.equal(v1, w1) and torch.equal(v2, w2)


def test_has_no_parameters_or_state():
    augment = BatchedAugment(SimCLRRecipe.for_cifar(), 3)
    assert list(augment.parameters()) == [] and augment.state_dict() == {}


def test_rejects_wrong_shapes_channels_and_dtypes():
    augment = BatchedAugment(SimCLRRecipe(size=12), 3)
    with pytest.raises(ValueError, match=r"\(B, C, H, W\)"):
        augment(random_images(1, 3)[0])
    with pytest.raises(ValueError, match="1 channels but the transform was built for 3"):
        augment.two_views(random_images(2, 1))
    with pytest.raises(ValueError, match="uint8"):
        augment(torch.zeros(2, 3, 12, 12, dtype=torch.int64))
    with pytest.raises(ValueError, match="channels must be 1"):
        BatchedAugment(SimCLRRecipe(size=12), 4)
