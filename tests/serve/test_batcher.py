"""The dynamic batcher (serve/batcher.py): concurrent requests share runs within the budget,
each gets its own results, overload is refused at once, errors reach everyone, stop drains."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest
import torch

from contrastkit.serve.batcher import Batcher, Overloaded


class Doubler:
    """``run``: each item × 2, slowly, recording the batches it was given."""

    def __init__(self, delay: float = 0.02, fail: bool = False) -> None:
        self.batches: list[list[int]] = []
        self.delay, self.fail = delay, fail
        self.lock = threading.Lock()

    def __call__(self, items: list[int]) -> torch.Tensor:
        with self.lock:
            self.batches.append(list(items))
        time.sleep(self.delay)
        if self.fail:
            raise RuntimeError("the model broke")
        return torch.tensor(items) * 2


def run(coro):
    return asyncio.run(coro)


def test_concurrent_requests_share_runs_and_get_their_own_rows():
    doubler = Doubler()

    async def go():
        batcher = Batcher(doubler, max_batch_items=64, max_queued=1000)
        await batcher.start()
        requests = [list(range(10 * i, 10 * i + 3)) for i in range(20)]
        out = await asyncio.gather(*(batcher.submit(r) for r in requests))
        await batcher.stop()
        return requests, out

    requests, out = run(go())
    for request, result in zip(requests, out, strict=True):
        assert result.tolist() == [2 * x for x in request]
    assert len(doubler.batches) < 20  # coalesced
    assert sorted(x for b in doubler.batches for x in b) == sorted(x for r in requests for x in r)


def test_no_run_exceeds_the_item_or_cost_budget():
    doubler = Doubler(delay=0.01)

    async def go():
        batcher = Batcher(doubler, cost=lambda x: x % 7 + 1, max_batch_items=8, max_batch_cost=12)
        await batcher.start()
        await asyncio.gather(*(batcher.submit([i, i + 1]) for i in range(0, 60, 2)))
        await batcher.stop()

    run(go())
    for batch in doubler.batches:  # a request over the budget on its own runs alone
        assert len(batch) <= 8 and (sum(x % 7 + 1 for x in batch) <= 12 or len(batch) == 2)
    assert any(len(b) > 2 for b in doubler.batches)


def test_overload_is_refused_at_once():
    doubler = Doubler(delay=0.2)

    async def go():
        batcher = Batcher(doubler, max_queued=4)
        await batcher.start()
        first = asyncio.ensure_future(batcher.submit([1, 2, 3]))
        await asyncio.sleep(0)
        started = time.perf_counter()
        with pytest.raises(Overloaded, match="3 inputs are already waiting"):
            await batcher.submit([4, 5])
        refused_in = time.perf_counter() - started
        assert (await first).tolist() == [2, 4, 6]
        await batcher.stop()
        return refused_in

    assert run(go()) < 0.05


def test_a_failing_run_reaches_every_request_in_it():
    async def go():
        batcher = Batcher(Doubler(fail=True))
        await batcher.start()
        results = await asyncio.gather(
            *(batcher.submit([i]) for i in range(5)), return_exceptions=True
        )
        await batcher.stop()
        return results

    results = run(go())
    assert all(isinstance(r, RuntimeError) and "broke" in str(r) for r in results)


def test_stop_finishes_what_is_queued():
    doubler = Doubler(delay=0.05)

    async def go():
        batcher = Batcher(doubler, max_batch_items=1)
        await batcher.start()
        pending = [asyncio.ensure_future(batcher.submit([i])) for i in range(4)]
        await asyncio.sleep(0)
        await batcher.stop()
        return [p.result().tolist() for p in pending]

    assert run(go()) == [[0], [2], [4], [6]]
