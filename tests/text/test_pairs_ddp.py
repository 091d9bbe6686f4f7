"""Text pairs under 2 real gloo processes equal one process on the global batch."""

from __future__ import annotations

import pytest
import torch

from ddp_launch import launch
from text import pairs_ddp_worker as worker

WORLD = 2


@pytest.fixture(scope="module")
def ranks(tmp_path_factory, tiny_bert_dir) -> list[dict]:
    out = tmp_path_factory.mktemp("ddp-text")
    launch(worker.__file__, [str(out), str(tiny_bert_dir)], world=WORLD)
    return [torch.load(out / f"rank{r}.pt", weights_only=True) for r in range(WORLD)]


@pytest.mark.ddp
@pytest.mark.parametrize("case", sorted(worker.CASES))
def test_two_ranks_equal_one_process(ranks, case, tiny_bert_dir):
    """The mean of the ranks' losses and of their gradients (what DDP averages) equals the
    loss and gradient of one process over all pairs: in-batch negatives span both ranks."""
    single = worker.run(
        worker.encoder(str(tiny_bert_dir)), worker.PAIRS, worker.CASES[case], gather=False
    )
    losses = torch.stack([r[case]["loss"] for r in ranks])
    torch.testing.assert_close(losses.mean(), single["loss"], rtol=0, atol=1e-10)
    assert set(ranks[0][case]["grads"]) == set(single["grads"])
    for name, g in single["grads"].items():
        mean = sum(r[case]["grads"][name] for r in ranks) / WORLD
        torch.testing.assert_close(mean, g, rtol=1e-8, atol=1e-10, msg=name)
    assert not torch.allclose(ranks[0][case]["loss"], ranks[1][case]["loss"])
