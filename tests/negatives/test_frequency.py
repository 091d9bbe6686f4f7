"""Sampling probabilities: exact from counts, and the streaming estimate's bias."""

from __future__ import annotations

import torch

from contrastkit.negatives.frequency import StreamingFrequency, exact_log_q


def test_exact_log_q_is_the_chance_of_appearing_in_a_batch():
    items = torch.tensor([0] * 50 + [1] * 30 + [2] * 20)
    got = exact_log_q(items, 4, batch=8).exp()
    p = torch.tensor([0.5, 0.3, 0.2, 0.005])  # an unseen item: half a count
    assert torch.allclose(got, (1 - (1 - p) ** 8).float(), atol=1e-6)


def test_the_streaming_estimate_converges_to_the_true_inclusion_probability():
    torch.manual_seed(0)
    p = torch.tensor([0.30, 0.15, 0.05, 0.01, 0.49])
    batch = 16
    truth = 1 - (1 - p) ** batch  # P(item in a batch of 16 i.i.d. draws)
    estimate = StreamingFrequency(buckets=5, alpha=0.01)
    for _ in range(20_000):
        estimate.update(torch.multinomial(p, batch, replacement=True))
    got = estimate.log_q(torch.arange(5)).exp()
    # the mean gap between appearances is 1 / P(appear); relative bias within 10%
    assert ((got - truth).abs() / truth).max() < 0.10
    # and the ordering of probabilities is right
    assert torch.equal(got.argsort(), truth.argsort())


def test_items_sharing_a_bucket_share_an_estimate_and_unseen_ones_get_the_floor():
    estimate = StreamingFrequency(buckets=2)
    estimate.update(torch.tensor([0, 1]))
    estimate.update(torch.tensor([2]))
    assert estimate.log_q(torch.tensor([0])) == estimate.log_q(torch.tensor([2]))
    fresh = StreamingFrequency(buckets=3)
    fresh.update(torch.tensor([0]))
    assert float(fresh.log_q(torch.tensor([2]))) == 0.0  # never seen: one in the single step
