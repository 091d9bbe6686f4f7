"""What the image report reads from a run: seeded image samples, two-view pairs, query choice."""

from __future__ import annotations

import torch
from torch import nn

from contrastkit.data import ImageArrays
from contrastkit.tasks.images.collect import labels_of, sample_images, view_pairs
from contrastkit.tasks.images.report import pick_queries
from contrastkit.types import StepOutput, Views


class _Method(nn.Module):
    """A stand-in method: h = flattened pixels, z = 2h."""

    def __init__(self) -> None:
        super().__init__()
        self.encoder = nn.Flatten()

    def training_step(self, views: Views) -> StepOutput:
        z1, z2 = 2 * self.encoder(views.first), 2 * self.encoder(views.second)
        return StepOutput((z1 - z2).pow(2).mean(), z1, z2)


def _noisy_views(images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    x = images.float() / 255
    return x + torch.randn_like(x), x + torch.randn_like(x)


def test_sample_is_seeded_random_and_in_index_order():
    data = ImageArrays(
        torch.arange(50, dtype=torch.uint8).view(50, 1, 1, 1).repeat(1, 1, 2, 2),
        torch.arange(50) % 5,
    )
    a, b = sample_images(data, 10, seed=3), sample_images(data, 10, seed=3)
    picked = a.images[:, 0, 0, 0].tolist()
    assert picked == b.images[:, 0, 0, 0].tolist() == sorted(picked)
    assert picked != list(range(10))  # not simply the first ten
    assert torch.equal(labels_of(a), torch.tensor(picked) % 5)
    assert sample_images(data, None) is data and len(sample_images(data, 99)) == 50


def test_unlabelled_images_get_label_minus_one():
    data = ImageArrays(torch.zeros(3, 1, 2, 2, dtype=torch.uint8))
    assert labels_of(data).tolist() == [-1, -1, -1]


def test_view_pairs_batch_the_images_and_leave_the_callers_rng_alone():
    images = torch.randint(0, 256, (10, 1, 4, 4), dtype=torch.uint8)
    state = torch.get_rng_state()
    args = (_Method(), images, torch.zeros(10, dtype=torch.int64), _noisy_views)
    pairs = view_pairs(*args, device=torch.device("cpu"), batch_size=4, seed=1)
    assert torch.equal(torch.get_rng_state(), state)
    assert pairs.z1.shape == (10, 16) and pairs.h2.shape == (10, 16)
    torch.testing.assert_close(pairs.z1, 2 * pairs.h1)
    again = view_pairs(*args, device=torch.device("cpu"), batch_size=4, seed=1)
    torch.testing.assert_close(again.z2, pairs.z2)  # the same seed draws the same views
    assert not torch.equal(pairs.h1, pairs.h2)  # and the two views differ


def test_queries_take_the_classes_in_turn():
    labels = torch.tensor([2, 2, 0, 2, 1, 0])
    assert pick_queries(labels, 5).tolist() == [0, 2, 4, 1, 5]
    assert pick_queries(labels, 10).tolist() == [0, 2, 4, 1, 5, 3]
