"""The deterministic evaluation transform (augment/eval.py)."""

from __future__ import annotations

import pytest
import torch
from augment_cases import random_images

from contrastkit.augment import EvalTransform, SimCLRRecipe


def test_scales_and_normalises_per_channel():
    recipe = SimCLRRecipe(size=12, mean=(0.1, 0.5, 0.9), std=(0.5, 0.25, 0.125))
    images = random_images(3, 3)
    mean, std = (
        torch.tensor(recipe.mean).view(1, 3, 1, 1),
        torch.tensor(recipe.std).view(1, 3, 1, 1),
    )
    out = EvalTransform(recipe, 3)(images)
    assert out.dtype == torch.float32
    torch.testing.assert_close(out, (images.float() / 255 - mean) / std)


def test_one_image_or_a_batch_and_float_input():
    prepare = EvalTransform(SimCLRRecipe.for_fashion_mnist(), 1)
    images = random_images(3, 1, 28)
    batch = prepare(images)
    torch.testing.assert_close(prepare(images[1]), batch[1])
    as_float = prepare(images.double() / 255)
    assert as_float.dtype == torch.float64
    torch.testing.assert_close(as_float.float(), batch)


def test_other_sizes_are_resized_then_centre_cropped():
    prepare = EvalTransform(SimCLRRecipe(size=8), 1)
    tall = torch.zeros(1, 1, 40, 16)
    tall[..., 8:32, :] = 1.0  # white middle, black top and bottom bands
    out = prepare(tall)  # resized to 20×8, rows 6..13 kept (rows 12..27 of the original)
    assert out.shape == (1, 1, 8, 8)
    torch.testing.assert_close(out, torch.ones(1, 1, 8, 8))  # (1 − 0.5) / 0.5: all white


def test_rejects_mismatched_channels():
    with pytest.raises(ValueError, match="3 channels but the transform was built for 1"):
        EvalTransform(SimCLRRecipe(size=8), 1)(random_images(2, 3, 8))
