"""contrastkit.distributed: identity on one process; real 2-process gloo equivalence."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import torch

from contrastkit import distributed

sys.path.insert(0, str(Path(__file__).parent))
import ddp_worker
from ddp_launch import launch

WORLD, N_LOCAL, DIM = 2, 5, 8


def test_single_process_is_identity():
    x = torch.randn(4, 3, requires_grad=True)
    assert distributed.rank() == 0 and distributed.world_size() == 1 and distributed.is_main()
    assert distributed.gather(x) is x
    assert distributed.gather_with_grad(x) is x
    assert distributed.all_reduce_mean(x) is x
    assert not distributed.is_distributed()


def test_all_reduce_sum_and_max_are_the_identity_on_one_process():
    x = torch.randn(4, 3)
    assert distributed.all_reduce_sum(x) is x and distributed.all_reduce_max(x) is x


@pytest.fixture(scope="module")
def ranks(tmp_path_factory) -> list[dict]:
    out = tmp_path_factory.mktemp("ddp")
    launch(Path(__file__).parent / "ddp_worker.py", [str(out), str(N_LOCAL), str(DIM)], world=WORLD)
    return [torch.load(out / f"rank{r}.pt", weights_only=True) for r in range(WORLD)]


@pytest.mark.ddp
@pytest.mark.parametrize("case", sorted(ddp_worker.CASES))
def test_two_gloo_ranks_equal_one_process_on_the_concatenated_batch(ranks, case):
    a, b, y = ddp_worker.global_batch(N_LOCAL * WORLD, DIM)
    a.requires_grad_(True)
    b.requires_grad_(True)
    single = ddp_worker.CASES[case](a, b, y)
    # the gathered forward runs outside a process group here, so it is the plain loss
    single.backward()

    mean_rank_loss = sum(r[case]["loss"] for r in ranks) / WORLD
    torch.testing.assert_close(mean_rank_loss, single.detach(), rtol=0, atol=1e-6)
    # DDP averages parameter gradients over ranks; each rank's input gradient is therefore
    # WORLD x the global gradient of its rows.
    grad_a = torch.cat([r[case]["grad_a"] for r in ranks]) / WORLD
    grad_b = torch.cat([r[case]["grad_b"] for r in ranks]) / WORLD
    torch.testing.assert_close(grad_a, a.grad, rtol=0, atol=1e-6)
    torch.testing.assert_close(grad_b, b.grad, rtol=0, atol=1e-6)
    assert a.grad.abs().max() > 1e-3  # the comparison is not between two zero tensors


@pytest.mark.ddp
def test_gather_concatenates_in_rank_order(ranks):
    a, _, _ = ddp_worker.global_batch(N_LOCAL * WORLD, DIM)
    expected = torch.cat([a[r * N_LOCAL : (r + 1) * N_LOCAL] * (r + 1) for r in range(WORLD)])
    for r in ranks:
        torch.testing.assert_close(r["gather"], expected)


@pytest.mark.ddp
def test_queue_enqueues_the_keys_of_every_rank(ranks):
    a, b, _ = ddp_worker.global_batch(N_LOCAL * WORLD, DIM)
    single = ddp_worker.pushed_queue(a, b, N_LOCAL * WORLD)  # one process, the whole batch
    assert int(single["pointer"]) == (2 * N_LOCAL * WORLD) % (N_LOCAL * WORLD * 3 // 2)
    for r in ranks:  # every rank holds the same queue as one process pushing the global batch
        for name, tensor in single.items():
            torch.testing.assert_close(r["queue"][name], tensor, rtol=0, atol=0)


@pytest.mark.ddp
def test_all_reduce_sum_and_max_combine_the_ranks_elementwise(ranks):
    a, _, _ = ddp_worker.global_batch(N_LOCAL * WORLD, DIM)
    parts = a.split(N_LOCAL)  # each rank's rows
    for r in ranks:
        torch.testing.assert_close(r["all_reduce_sum"], parts[0] + parts[1])
        torch.testing.assert_close(r["all_reduce_max"], torch.maximum(parts[0], parts[1]))
