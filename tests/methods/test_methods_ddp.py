"""Whole methods under DDP: k optimiser steps on 2 gloo ranks × B/2 leave the same
parameters, EMA targets and queues as 1 process × B (batch statistics taken out)."""

from __future__ import annotations

import pytest
import torch

from ddp_launch import launch
from methods import methods_ddp_worker as worker

WORLD = 2


@pytest.fixture(scope="module")
def ranks(tmp_path_factory) -> list[dict]:
    out = tmp_path_factory.mktemp("ddp-methods")
    launch(worker.__file__, [str(out)], world=WORLD)
    return [torch.load(out / f"rank{r}.pt", weights_only=True) for r in range(WORLD)]


@pytest.mark.ddp
@pytest.mark.parametrize("case", sorted(worker.CASES))
def test_k_steps_on_two_ranks_equal_one_process(ranks, case):
    single = worker.train(worker.build(case), rank=0, world=1)
    initial = worker.build(case).state_dict()
    moved = [
        k for k, v in single.items() if v.is_floating_point() and not torch.equal(v, initial[k])
    ]
    assert moved, "nothing trained"
    for r, state in enumerate(ranks):
        assert state[case].keys() == single.keys()
        for key, value in single.items():
            torch.testing.assert_close(
                state[case][key], value, rtol=0, atol=1e-6, msg=f"rank {r}: {key}"
            )
