"""The Method contract (methods/base.py): every built-in method keeps it, the optional
protocols say exactly what each method has, ``project`` has no side effects, and a class that
breaks the contract is named in one line."""

from __future__ import annotations

import pytest
import torch
from tiny_methods import tiny_method, tiny_views
from torch import nn

from contrastkit.engine.monitor import frozen_norm_statistics
from contrastkit.methods import (
    EMATarget,
    Method,
    MultiCrop,
    NeedsLabels,
    Projects,
    StepHook,
    check_method,
)
from contrastkit.methods.base import MethodContractError, encoder_of
from contrastkit.tasks.images.methods import METHODS

OPTIONS = {"dino": {"out_dim": 16}, "swav": {"n_prototypes": 5}, "moco_v2": {"queue_size": 12}}
OPTIONS["nnclr"] = {"support_size": 12}


def built(name: str) -> nn.Module:
    return tiny_method(METHODS[name], **OPTIONS.get(name, {}))


@pytest.mark.parametrize("name", sorted(METHODS))
def test_every_image_method_keeps_the_contract(name):
    method = built(name)
    check_method(method)
    assert isinstance(method, Method) and isinstance(method, Projects)
    assert encoder_of(method) is method.backbone
    assert isinstance(method, EMATarget) is (name in {"byol", "moco_v2", "moco_v3", "dino"})
    assert isinstance(method, StepHook) is (name in {"dino", "swav"})
    assert isinstance(METHODS[name], NeedsLabels) is (name == "supcon")
    assert isinstance(METHODS[name], MultiCrop) is (name in {"dino", "swav"})


@pytest.mark.parametrize("name", sorted(METHODS))
def test_project_changes_no_state_and_gives_both_views(name):
    method = built(name)
    views = tiny_views(6)
    if name == "supcon":
        views = type(views)(views.first, views.second, torch.arange(6) % 3)
    method.training_step(views)  # queues, centres and counters have something in them
    before = {k: v.clone() for k, v in method.state_dict().items()}
    with frozen_norm_statistics(method):
        z1, z2 = method.project(tiny_views(6))
    assert z1.shape == z2.shape and z1.shape[0] == 6 and not torch.equal(z1, z2)
    for key, value in method.state_dict().items():
        assert torch.equal(value, before[key]), key


class NoStep(nn.Module):
    encoder = nn.Linear(2, 2)


class NoEncoder(nn.Module):
    def training_step(self, batch):
        raise AssertionError


class TensorEncoder(NoEncoder):
    encoder = torch.zeros(2)


@pytest.mark.parametrize(
    ("method", "message"),
    [
        (NoStep(), "NoStep does not follow the method contract .*: it lacks training_step$"),
        (NoEncoder(), "it lacks encoder$"),
        (TensorEncoder(), "TensorEncoder.encoder must be an nn.Module"),
        (object(), "object is not an nn.Module"),
    ],
)
def test_a_broken_method_is_named_in_one_line(method, message):
    with pytest.raises(MethodContractError, match=message) as error:
        check_method(method)
    assert "\n" not in str(error.value)
