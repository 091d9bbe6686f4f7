"""The image task's kNN check in the loop (tasks/images/monitor.py)."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from contrastkit.data import ImageArrays
from contrastkit.tasks.images.monitor import KnnCheck


class PixelEncoder(nn.Module):
    @property
    def encoder(self) -> nn.Module:
        return nn.Flatten()


def test_knn_check_on_separable_images_is_perfect_and_restores_training_mode():
    labels = torch.arange(40) % 4
    images = torch.zeros(40, 1, 2, 2, dtype=torch.uint8)
    images[torch.arange(40), 0, labels // 2, labels % 2] = 255  # one lit pixel per class
    check = KnnCheck(
        ImageArrays(images, labels),
        lambda x: x.float(),
        samples=40,
        k=5,
        temperature=0.1,
        device=torch.device("cpu"),
        seed=0,
    )
    encoder = PixelEncoder().train()
    assert check(encoder) == 1.0 and encoder.training


def test_knn_check_refuses_unlabelled_validation_images():
    images = torch.zeros(8, 1, 2, 2, dtype=torch.uint8)
    check = KnnCheck(
        ImageArrays(images, None),
        lambda x: x.float(),
        samples=8,
        k=3,
        temperature=0.1,
        device=torch.device("cpu"),
        seed=0,
    )
    with pytest.raises(ValueError, match="labelled"):
        check(PixelEncoder())
