"""SimCLRRecipe (augment/recipe.py): validation, presets, per-channel statistics."""

from __future__ import annotations

import dataclasses
import math

import pytest

from contrastkit.augment import (
    CIFAR10_MEAN,
    FASHION_MNIST_MEAN,
    FASHION_MNIST_STD,
    IMAGENET_STD,
    SimCLRRecipe,
)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("size", 0),
        ("size", -3),
        ("size", 2.5),
        ("size", True),
        ("crop_scale", (0.0, 1.0)),
        ("crop_scale", (0.5, 0.2)),
        ("crop_scale", (0.1, 1.5)),
        ("crop_scale", (0.1,)),
        ("crop_scale", 0.5),
        ("flip_p", -0.1),
        ("flip_p", 1.1),
        ("jitter_p", math.nan),
        ("grayscale_p", 2.0),
        ("blur_p", -1.0),
        ("jitter_strength", -0.5),
        ("jitter_strength", 3.0),
        ("blur_sigma", (0.0, 2.0)),
        ("blur_sigma", (2.0, 1.0)),
        ("blur_sigma", (0.1, math.inf)),
        ("mean", ()),
        ("mean", 0.5),
        ("mean", (0.5, 0.5)),  # std has one entry
        ("mean", (math.nan,)),
        ("std", (0.0,)),
        ("std", (-1.0,)),
    ],
)
def test_rejects_invalid_values_with_one_clear_sentence(field, value):
    with pytest.raises(ValueError, match=r"^[^\n]+\.$"):
        SimCLRRecipe(**{"size": 32, field: value})


def test_defaults_follow_simclr():
    r = SimCLRRecipe(size=32)
    assert r.crop_scale == (0.08, 1.0) and r.flip_p == 0.5
    assert (r.jitter_strength, r.jitter_p, r.grayscale_p, r.blur_p) == (0.5, 0.8, 0.2, 0.0)
    assert (r.brightness, r.contrast, r.saturation, r.hue) == pytest.approx((0.4, 0.4, 0.4, 0.1))


def test_is_frozen_hashable_and_stores_tuples():
    r = SimCLRRecipe(size=8, crop_scale=[0.2, 1], mean=[0.1, 0.2, 0.3], std=[1, 1, 1])
    assert r.crop_scale == (0.2, 1.0) and r.mean == (0.1, 0.2, 0.3) and r.std == (1.0, 1.0, 1.0)
    assert hash(r) == hash(
        SimCLRRecipe(size=8, crop_scale=(0.2, 1.0), mean=(0.1, 0.2, 0.3), std=(1, 1, 1))
    )
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.size = 9  # type: ignore[misc]


@pytest.mark.parametrize(("size", "kernel"), [(224, 23), (96, 9), (32, 3), (28, 3), (8, 1)])
def test_blur_kernel_is_odd_and_about_a_tenth_of_the_size(size, kernel):
    assert SimCLRRecipe(size=size).blur_kernel_size == kernel


def test_presets():
    fm = SimCLRRecipe.for_fashion_mnist()
    assert (fm.size, fm.crop_scale, fm.blur_p) == (28, (0.2, 1.0), 0.0)
    assert (fm.mean, fm.std) == (FASHION_MNIST_MEAN, FASHION_MNIST_STD) == ((0.2860,), (0.3530,))
    cifar = SimCLRRecipe.for_cifar()
    assert (cifar.size, cifar.jitter_strength, cifar.blur_p, cifar.mean) == (
        32,
        0.5,
        0.0,
        CIFAR10_MEAN,
    )
    assert SimCLRRecipe.for_cifar(size=64).size == 64
    inet = SimCLRRecipe.for_imagenet()
    assert (inet.size, inet.jitter_strength, inet.blur_p, inet.std) == (224, 1.0, 0.5, IMAGENET_STD)
    assert inet.blur_sigma == (0.1, 2.0) and SimCLRRecipe.for_imagenet(size=96).size == 96


def test_channel_stats_repeat_a_single_entry_and_reject_a_mismatch():
    assert SimCLRRecipe(size=8, mean=(0.5,), std=(0.25,)).channel_stats(3) == (
        (0.5,) * 3,
        (0.25,) * 3,
    )
    cifar = SimCLRRecipe.for_cifar()
    assert cifar.channel_stats(3) == (cifar.mean, cifar.std)
    with pytest.raises(ValueError, match="3 channels but the images have 1"):
        cifar.channel_stats(1)
