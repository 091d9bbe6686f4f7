"""Every loss rejects bad input with a ValueError (losses/_checks.py), and LOSSES is complete."""

from __future__ import annotations

import inspect
import math

import pytest
import torch

from contrastkit import losses as L
from reference.cases import CASES, TEMPERATURE_CASES, LossCase

N, D = 4, 3


@pytest.mark.parametrize("case", CASES, ids=str)
def test_valid_input_is_accepted(case: LossCase):
    # the rejection tests below mean nothing unless the unmodified input passes
    assert torch.isfinite(case(*case.embeddings(N, D)))


@pytest.mark.parametrize("case", TEMPERATURE_CASES, ids=str)
@pytest.mark.parametrize("tau", [0.0, -0.1, -math.inf, math.nan])
def test_rejects_non_positive_temperature(case: LossCase, tau: float):
    with pytest.raises(ValueError, match="temperature"):
        case(*case.embeddings(N, D), temperature=tau)


MISMATCHES = [
    pytest.param(case, which, id=f"{case}-{which}")
    for case in CASES
    if case.n_embeddings > 1
    for which in ("rows", "columns")
    # extra negatives may have any number of rows; only their columns must match
    if not (case.name == "info_nce_negatives_symmetric" and which == "rows")
]


@pytest.mark.parametrize(("case", "which"), MISMATCHES)
def test_rejects_mismatched_shapes(case: LossCase, which: str):
    embeddings = case.embeddings(N, D)
    last = embeddings[-1]
    if which == "rows":
        embeddings[-1] = torch.cat([last, last[:1]])
    else:
        embeddings[-1] = torch.cat([last, last[:, :1]], dim=1)
    with pytest.raises(ValueError, match=r"shape|must be"):
        case(*embeddings)


@pytest.mark.parametrize("case", CASES, ids=str)
def test_rejects_fewer_than_two_rows(case: LossCase):
    with pytest.raises(ValueError, match="at least 2 rows"):
        case(*case.embeddings(1, D))


@pytest.mark.parametrize("case", CASES, ids=str)
@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
@pytest.mark.parametrize("position", [0, -1])
def test_rejects_non_finite_input(case: LossCase, bad: float, position: int):
    embeddings = case.embeddings(N, D)
    embeddings[position][1, 2] = bad
    with pytest.raises(ValueError, match="NaN or infinite"):
        case(*embeddings)


@pytest.mark.parametrize("case", CASES, ids=str)
@pytest.mark.parametrize("shape", [(N,), (N, D, 2)])
def test_rejects_non_2d_input(case: LossCase, shape: tuple[int, ...]):
    embeddings = [torch.randn(*shape, dtype=torch.float64) for _ in range(case.n_embeddings)]
    with pytest.raises(ValueError, match="2-D"):
        case(*embeddings)


# --- hyper-parameters other than τ ------------------------------------------------------------

TAU_PLUS_CASES = [c for c in CASES if "tau_plus" in c.kwargs]
BETA_CASES = [c for c in CASES if "beta" in c.kwargs]
MARGIN_CASES = [c for c in CASES if "margin" in c.kwargs]


@pytest.mark.parametrize("case", TAU_PLUS_CASES, ids=str)
@pytest.mark.parametrize("tau_plus", [-0.1, 1.0, 1.5, math.nan])
def test_rejects_tau_plus_outside_unit_interval(case: LossCase, tau_plus: float):
    with pytest.raises(ValueError, match="tau_plus"):
        case(*case.embeddings(N, D), tau_plus=tau_plus)


@pytest.mark.parametrize("case", BETA_CASES, ids=str)
@pytest.mark.parametrize("beta", [-0.5, math.nan])
def test_rejects_negative_beta(case: LossCase, beta: float):
    with pytest.raises(ValueError, match="beta"):
        case(*case.embeddings(N, D), beta=beta)


@pytest.mark.parametrize("case", MARGIN_CASES, ids=str)
@pytest.mark.parametrize("margin", [-0.1, math.nan])
def test_rejects_negative_margin(case: LossCase, margin: float):
    with pytest.raises(ValueError, match="margin"):
        case(*case.embeddings(N, D), margin=margin)


def test_boundary_hyper_parameters_are_accepted():
    z1, z2 = torch.randn(N, D), torch.randn(N, D)
    assert torch.isfinite(L.debiased_info_nce(z1, z2, tau_plus=0.0))
    assert torch.isfinite(L.hard_negative_info_nce(z1, z2, beta=0.0))
    assert torch.isfinite(L.triplet_margin(z1, z2, z2.flip(0), margin=0.0))
    assert torch.isfinite(L.pairwise_margin(z1, z2, torch.ones(N, dtype=torch.bool), margin=0.0))


# --- module twins -----------------------------------------------------------------------------

BAD_HYPER_PARAMETERS = [
    (L.InfoNCELoss, {"temperature": 0.0}),
    (L.InfoNCELoss, {"temperature": -1.0}),
    (L.NTXentLoss, {"temperature": 0.0}),
    (L.NTXentLoss, {"temperature": math.nan}),
    (L.SupConLoss, {"temperature": -0.1}),
    (L.DebiasedInfoNCELoss, {"temperature": 0.0}),
    (L.DebiasedInfoNCELoss, {"tau_plus": 1.0}),
    (L.DebiasedInfoNCELoss, {"tau_plus": -0.1}),
    (L.HardNegativeInfoNCELoss, {"temperature": -0.5}),
    (L.HardNegativeInfoNCELoss, {"tau_plus": 1.0}),
    (L.HardNegativeInfoNCELoss, {"beta": -1.0}),
    (L.TripletMarginLoss, {"margin": -1.0}),
    (L.PairwiseMarginLoss, {"margin": -1.0}),
]


@pytest.mark.parametrize(
    ("module", "kwargs"), BAD_HYPER_PARAMETERS, ids=lambda v: getattr(v, "__name__", str(v))
)
def test_module_twin_rejects_bad_hyper_parameters_at_construction(module, kwargs):
    name = next(iter(kwargs))
    with pytest.raises(ValueError, match=name):
        module(**kwargs)


@pytest.mark.parametrize("case", CASES, ids=str)
def test_module_twin_equals_pure_function(case: LossCase):
    embeddings = case.embeddings(5, 4)
    n = embeddings[0].shape[0]
    extras = case.extras(n)
    if case.name == "info_nce_negatives_symmetric":
        module = case.module(symmetric=True, **case.kwargs)
    else:
        module = case.build_twin(embeddings[0].shape[1], **case.kwargs)
    # the twin takes its hyper-parameters in __init__ and only tensors in forward
    assert torch.equal(module(*embeddings, *extras), case(*embeddings))


def test_losses_dict_holds_every_module_twin():
    twins = {
        obj
        for name, obj in vars(L).items()
        if inspect.isclass(obj) and issubclass(obj, torch.nn.Module) and name.endswith("Loss")
    }
    assert set(L.LOSSES.values()) == twins
    assert {c.module for c in CASES} == twins
    expected = {
        "info_nce": L.InfoNCELoss,
        "nt_xent": L.NTXentLoss,
        "supcon": L.SupConLoss,
        "debiased_info_nce": L.DebiasedInfoNCELoss,
        "hard_negative_info_nce": L.HardNegativeInfoNCELoss,
        "triplet_margin": L.TripletMarginLoss,
        "pairwise_margin": L.PairwiseMarginLoss,
        "negative_cosine": L.NegativeCosineLoss,
        "swav": L.SwAVLoss,
        "barlow_twins": L.BarlowTwinsLoss,
        "vicreg": L.VICRegLoss,
        "dino": L.DINOLoss,
    }
    assert expected == L.LOSSES


@pytest.mark.parametrize("name", sorted(L.LOSSES))
def test_every_registered_loss_instantiates_with_defaults_and_runs(name: str):
    case = next(c for c in CASES if c.module is L.LOSSES[name])
    # defaults for every hyper-parameter; a state sized by the inputs (DINO's centre) gets d
    module = case.build_twin(3)
    embeddings = case.embeddings(4, 3)
    value = module(*embeddings, *case.extras(4))
    assert value.shape == () and torch.isfinite(value)
    assert list(module.parameters()) == []  # a loss owns no parameters
