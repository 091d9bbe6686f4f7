"""Prototype layers (nn/prototypes.py): SwAV's normalised prototypes, DINO's head."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from contrastkit.nn import DINOHead, Prototypes


def test_prototypes_score_against_unit_rows():
    protos = Prototypes(8, 5)
    torch.testing.assert_close(protos.weight.norm(dim=1), torch.ones(5))
    z = F.normalize(torch.randn(4, 8), dim=1)
    scores = protos(z)  # (4, 5) cosines
    assert scores.shape == (4, 5) and (scores.abs() <= 1 + 1e-6).all()
    torch.testing.assert_close(scores, z @ protos.weight.t())


def test_normalize_projects_back_onto_the_sphere_without_gradient():
    protos = Prototypes(8, 5)
    with torch.no_grad():
        protos.weight.mul_(torch.arange(1, 6).float()[:, None])
    direction = F.normalize(protos.weight.detach(), dim=1)
    protos.normalize_()
    torch.testing.assert_close(protos.weight.detach(), direction)
    assert protos.weight.requires_grad and protos.weight.grad is None
    assert protos.weight.grad_fn is None  # still a leaf the optimiser owns


def test_prototypes_are_a_parameter_in_the_state_dict():
    a, b = Prototypes(4, 3), Prototypes(4, 3)
    b.load_state_dict(a.state_dict())
    assert torch.equal(a.weight, b.weight) and list(a.state_dict()) == ["weight"]


@pytest.mark.parametrize(("dim", "k"), [(0, 3), (3, 0), (True, 3)])
def test_prototypes_reject_bad_sizes(dim, k):
    with pytest.raises(ValueError, match="positive integer"):
        Prototypes(dim, k)


def test_dino_head_outputs_cosines_to_weight_normalised_prototypes():
    head = DINOHead(16, 32, hidden=24, bottleneck=8)
    h = torch.randn(5, 16)
    logits = head(h)
    assert logits.shape == (5, 32) and (logits.abs() <= 1 + 1e-6).all()
    u = F.normalize(head.mlp(h), dim=1)
    torch.testing.assert_close(logits, u @ F.normalize(head.last_weight, dim=1).t())


def test_dino_head_last_layer_ignores_the_norm_of_its_weights():
    # weight normalisation with g fixed at 1: scaling a prototype's raw vector changes nothing
    head = DINOHead(16, 32, hidden=24, bottleneck=8).eval()
    h = torch.randn(5, 16)
    before = head(h)
    with torch.no_grad():
        head.last_weight.mul_(torch.rand(32, 1) * 5 + 0.1)
    torch.testing.assert_close(head(h), before)


def test_dino_head_gradient_reaches_every_part():
    head = DINOHead(16, 32, hidden=24, bottleneck=8)
    head(torch.randn(5, 16)).pow(2).sum().backward()
    assert all(p.grad is not None and p.grad.abs().max() > 0 for p in head.parameters())
