"""Per-sample views with torchvision v2 (augment/per_sample.py)."""

from __future__ import annotations

import pickle

import pytest
import torch
from augment_cases import IDENTITY, identity_with, random_images, unnormalize

from contrastkit.augment import EvalTransform, SimCLRRecipe, TwoViews, per_sample_transform


@pytest.mark.parametrize("channels", [1, 3])
def test_shape_dtype_and_finite(channels):
    recipe = SimCLRRecipe(size=16, blur_p=0.5)  # every step on
    view = per_sample_transform(recipe, channels)
    for image in (
        random_images(1, channels, 20)[0],
        torch.rand(channels, 24, 20, dtype=torch.float64),
    ):
        out = view(image)
        assert out.shape == (channels, 16, 16) and out.dtype == torch.float32
        assert torch.isfinite(out).all()


def test_identity_recipe_is_exactly_the_eval_normalisation():
    images = random_images(4, 3)
    view, reference = per_sample_transform(IDENTITY, 3), EvalTransform(IDENTITY, 3)
    for image in images:
        torch.testing.assert_close(view(image), reference(image), atol=1e-5, rtol=0)


def test_normalisation_uses_the_per_channel_statistics():
    recipe = identity_with(mean=(0.1, 0.5, 0.9), std=(0.5, 0.25, 0.125))
    image = random_images(1, 3)[0]
    expected = (image.float() / 255 - torch.tensor(recipe.mean)[:, None, None]) / torch.tensor(
        recipe.std
    )[:, None, None]
    torch.testing.assert_close(per_sample_transform(recipe, 3)(image), expected, atol=1e-5, rtol=0)


def test_flip_and_grayscale_steps():
    image = random_images(1, 3)[0]
    flat = EvalTransform(IDENTITY, 3)(image)
    torch.testing.assert_close(
        per_sample_transform(identity_with(flip_p=1.0), 3)(image), flat.flip(-1), atol=1e-5, rtol=0
    )
    gray = per_sample_transform(identity_with(grayscale_p=1.0), 3)(image)
    assert (
        gray.shape == (3, 12, 12)
        and torch.equal(gray[0], gray[1])
        and torch.equal(gray[0], gray[2])
    )


def test_grayscale_images_get_brightness_and_contrast_jitter_only():
    # a constant image: contrast (a blend with the mean) changes nothing, brightness scales it
    # by b ∈ [1 − 0.8s, 1 + 0.8s]; saturation/hue would need three channels and raise
    recipe = identity_with(jitter_p=1.0, jitter_strength=0.5)
    view = per_sample_transform(recipe, 1)
    image = torch.full((1, 12, 12), 100, dtype=torch.uint8)
    factors = []
    for _ in range(20):
        out = unnormalize(view(image), recipe)
        assert out.shape == (1, 12, 12)
        assert torch.allclose(out, out[0, 0, 0])  # still constant
        factors.append(out[0, 0, 0].item() / (100 / 255))
    assert min(factors) >= 0.6 - 1e-4 and max(factors) <= 1.4 + 1e-4
    assert len({round(f, 4) for f in factors}) > 10  # drawn afresh every call


def test_two_calls_give_different_views():
    view = per_sample_transform(SimCLRRecipe(size=12), 3)
    image = random_images(1, 3)[0]
    assert not torch.equal(view(image), view(image))


def test_reseeding_reproduces_the_view():
    view = per_sample_transform(SimCLRRecipe(size=12, blur_p=0.5), 3)
    image = random_images(1, 3)[0]
    torch.manual_seed(7)
    first = view(image)
    torch.manual_seed(7)
    assert torch.equal(first, view(image))


def test_rejects_batches_wrong_channels_and_dtypes():
    view = per_sample_transform(SimCLRRecipe(size=12), 3)
    with pytest.raises(ValueError, match="BatchedAugment"):
        view(random_images(2, 3))
    with pytest.raises(ValueError, match="1 channels but the transform was built for 3"):
        view(random_images(1, 1)[0])
    with pytest.raises(ValueError, match="uint8"):
        view(torch.zeros(3, 12, 12, dtype=torch.int32))
    with pytest.raises(ValueError, match="channels must be 1"):
        per_sample_transform(SimCLRRecipe(size=12), 2)
    with pytest.raises(ValueError, match="3 channels but the images have 1"):
        per_sample_transform(SimCLRRecipe.for_cifar(), 1)


def test_two_views_survives_pickling_for_dataloader_workers():
    two = pickle.loads(pickle.dumps(TwoViews(per_sample_transform(SimCLRRecipe(size=10), 1))))
    v1, v2 = two(random_images(1, 1, 14)[0])
    assert v1.shape == v2.shape == (1, 10, 10)
    assert not torch.equal(v1, v2)
