"""The evaluation transform rebuilt from a run's checkpoint, and whole-set embedding."""

from __future__ import annotations

import pytest
import torch

from contrastkit.data import ImageArrays
from contrastkit.tasks.images.embed import embed_images, eval_transform


@pytest.mark.parametrize(
    ("channels", "mean", "std"),
    [
        (1, [0.286], [0.353]),
        (3, [0.4914, 0.4822, 0.4465], [0.247, 0.2435, 0.2616]),
        (3, [0.5], [0.5]),
    ],
)
def test_eval_transform_scales_and_normalises_as_training_did(channels, mean, std):
    info = {"channels": channels, "image_size": 8, "mean": mean, "std": std}
    images = torch.randint(0, 256, (4, channels, 8, 8), dtype=torch.uint8)
    m, s = torch.tensor(mean).view(1, -1, 1, 1), torch.tensor(std).view(1, -1, 1, 1)
    expected = (images.float() / 255 - m) / s  # (4, C, 8, 8)
    out = eval_transform(info, torch.device("cpu"))(images)
    assert out.dtype == torch.float32
    torch.testing.assert_close(out, expected, rtol=0, atol=1e-6)


def test_embed_images_keeps_order_and_marks_unlabelled_rows():
    images = torch.arange(5 * 4, dtype=torch.uint8).view(5, 1, 2, 2)
    prepare = eval_transform(
        {"channels": 1, "image_size": 2, "mean": [0.0], "std": [1.0]}, torch.device("cpu")
    )
    feats, labels = embed_images(
        lambda x: x.flatten(1),
        ImageArrays(images, None),
        prepare,
        device=torch.device("cpu"),
        batch_size=2,
        progress=False,
    )
    torch.testing.assert_close(feats, images.flatten(1).float() / 255)
    assert labels.tolist() == [-1] * 5
