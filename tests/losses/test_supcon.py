"""SupCon L_out (losses/supcon.py) against Khosla 2020 Eq. 2, closed forms, invariances."""

from __future__ import annotations

import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from contrastkit.losses import SupConLoss, nt_xent, supcon
from reference.compare import assert_same_value_and_grads, value_and_grads
from reference.losses import supcon_ref


def randn(*shape: int, gen: torch.Generator | None = None) -> torch.Tensor:
    return torch.randn(*shape, generator=gen, dtype=torch.float64)


@settings(max_examples=30)
@given(
    labels=st.lists(st.integers(0, 3), min_size=2, max_size=9),
    d=st.integers(2, 6),
    tau=st.floats(0.05, 5.0),
    seed=st.integers(0, 2**31),
)
def test_matches_reference_in_value_and_gradient(labels, d, tau, seed):
    # few classes for many rows: most anchors have positives, some are singletons (skipped)
    labels = torch.tensor(labels)
    z = randn(len(labels), d, gen=torch.Generator().manual_seed(seed))
    assert_same_value_and_grads(
        lambda x: supcon(x, labels, temperature=tau), lambda x: supcon_ref(x, labels, tau), z
    )


def test_anchors_without_positives_are_skipped_not_averaged_in():
    # rows 0, 1 share a label; row 2 is alone. L = mean of two anchors' terms, not three
    z = randn(3, 4)
    labels = torch.tensor([5, 5, 9])
    s = torch.nn.functional.normalize(z, dim=1) @ torch.nn.functional.normalize(z, dim=1).t()
    s = s / 0.1
    term = lambda i, p, other: -(s[i, p] - torch.logsumexp(s[i, [p, other]], 0))  # noqa: E731
    expected = (term(0, 1, 2) + term(1, 0, 2)) / 2
    torch.testing.assert_close(supcon(z, labels, temperature=0.1), expected)


@pytest.mark.parametrize("m", [2, 5])
def test_all_distinct_labels_give_zero_and_zero_gradient(m: int):
    value, (grad,) = value_and_grads(lambda x: supcon(x, torch.arange(m)), randn(m, 3))
    assert value.item() == 0.0
    assert torch.equal(grad, torch.zeros_like(grad))


@pytest.mark.parametrize("m", [4, 8])
@pytest.mark.parametrize("tau", [0.05, 0.1, 1.0])
def test_pairs_on_orthonormal_prototypes_closed_form(m: int, tau: float):
    # rows 2c, 2c+1 both equal e_c: one positive at cosine 1, M − 2 negatives at 0
    z = torch.eye(m // 2, dtype=torch.float64).repeat_interleave(2, dim=0)
    expected = math.log1p((m - 2) * math.exp(-1 / tau))
    torch.testing.assert_close(
        supcon(z, torch.arange(m) // 2, temperature=tau),
        torch.tensor(expected, dtype=torch.float64),
    )


def test_one_class_of_equal_rows_gives_log_m_minus_1():
    # every other row is a positive with the same logit: each term is log(M − 1)
    z = torch.ones(6, 3, dtype=torch.float64)
    torch.testing.assert_close(
        supcon(z, torch.zeros(6, dtype=torch.long)), torch.tensor(math.log(5), dtype=torch.float64)
    )


def test_two_views_with_sample_labels_equal_nt_xent():
    # NT-Xent is SupCon where only the other view shares the label
    z1, z2 = randn(5, 4), randn(5, 4)
    labels = torch.arange(5).repeat(2)
    assert_same_value_and_grads(
        lambda a, b: supcon(torch.cat([a, b]), labels, temperature=0.3),
        lambda a, b: nt_xent(a, b, temperature=0.3),
        z1,
        z2,
    )


def test_permuting_rows_with_their_labels_leaves_the_loss_unchanged():
    z, labels = randn(9, 4), torch.tensor([0, 1, 2, 0, 1, 2, 0, 3, 1])
    perm = torch.randperm(9)
    torch.testing.assert_close(supcon(z[perm], labels[perm]), supcon(z, labels), rtol=1e-13, atol=0)


def test_permuting_labels_alone_changes_the_loss():
    z, labels = randn(9, 4), torch.tensor([0, 1, 2, 0, 1, 2, 0, 3, 1])
    assert not torch.isclose(supcon(z, labels.roll(1)), supcon(z, labels))


def test_renaming_the_classes_leaves_the_loss_unchanged():
    z, labels = randn(8, 4), torch.tensor([0, 1, 2, 0, 1, 2, 0, 1])
    torch.testing.assert_close(supcon(z, 7 * labels - 3), supcon(z, labels), rtol=0, atol=0)


def test_scaling_rows_by_positive_numbers_leaves_the_loss_unchanged():
    z, labels = randn(8, 4), torch.arange(8) // 2
    scale = torch.rand(8, 1, dtype=torch.float64) * 10 + 0.1
    torch.testing.assert_close(supcon(z * scale, labels), supcon(z, labels), rtol=1e-13, atol=0)


def test_gradcheck():
    z = randn(6, 3).requires_grad_(True)
    labels = torch.tensor([0, 0, 1, 1, 1, 2])  # includes a singleton anchor
    assert torch.autograd.gradcheck(lambda x: supcon(x, labels, temperature=0.3), (z,))


@pytest.mark.parametrize(
    "labels",
    [torch.arange(5), torch.arange(3), torch.zeros(4, 1, dtype=torch.long), torch.zeros(4)],
    ids=["too-long", "too-short", "2-d", "float"],
)
def test_rejects_bad_labels(labels: torch.Tensor):
    with pytest.raises(ValueError, match="labels must be integers of shape"):
        supcon(randn(4, 3), labels)


def test_module_twin_uses_its_temperature():
    z, labels = randn(6, 3), torch.arange(6) // 2
    assert torch.equal(SupConLoss(temperature=0.5)(z, labels), supcon(z, labels, temperature=0.5))
