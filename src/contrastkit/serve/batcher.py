"""Dynamic batching: requests that arrive together are run together, under a budget.

The service batches two things this way: encoding inputs, and searching the index.

Each request's items wait in one queue; a single worker takes as many queued requests as fit
in ``max_batch_cost`` (a text costs its approximate tokens, an image its pixels; the encoder
says, through :class:`Costs`) and ``max_batch_items``, encodes them in one call on a thread of
a pool sized to the machine (``workers``; each encode uses torch's intra-op threads), and hands
each request its rows (a request over the budget by itself runs alone). Concurrency is bounded where it matters: at most ``max_queued`` items
wait; one more is refused at once (:class:`Overloaded` → HTTP 429), never queued into a
timeout, and the CPU is never oversubscribed by one thread per request.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable


@runtime_checkable
class Costs(Protocol):
    """An encoder that says what one item costs to encode (tokens, pixels)."""

    def cost(self, item: Any) -> int: ...


class Overloaded(RuntimeError):
    """More items are waiting than the service accepts; try again shortly."""


@dataclass
class _Request:
    items: list[Any]
    cost: int
    future: asyncio.Future[Any]
    queued: float = field(default_factory=time.perf_counter)


@dataclass
class BatchStats:
    """Counters for /metrics: batches run, items encoded, and the last batch's size."""

    batches: int = 0
    items: int = 0
    seconds: float = 0.0
    queued_items: int = 0


class Batcher:
    """Coalesce concurrent :meth:`submit` calls into batches for ``run`` (see the module
    docstring): ``run(items)`` returns one result per item (an embeddings tensor, a list)."""

    def __init__(
        self,
        run: Callable[[list[Any]], Any],  # one result per item: tensor rows, a list
        *,
        cost: Callable[[Any], int] = lambda item: 1,
        max_batch_cost: int = 16_384,
        max_batch_items: int = 64,
        max_queued: int = 1024,
        workers: int = 1,
    ) -> None:
        self._run_items, self._cost = run, cost
        self.max_batch_cost, self.max_batch_items = max_batch_cost, max_batch_items
        self.max_queued = max_queued
        self._workers = workers
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="encode")
        self._queue: asyncio.Queue[_Request] | None = None
        self._slots: asyncio.Semaphore | None = None
        self._runner: asyncio.Task[None] | None = None
        self._running: set[asyncio.Task[None]] = set()
        self.stats = BatchStats()

    async def start(self) -> None:
        """Start taking requests (inside the service's event loop)."""
        self._queue = asyncio.Queue()
        self._slots = asyncio.Semaphore(self._workers)
        self._runner = asyncio.create_task(self._run())

    async def stop(self) -> None:
        """Finish what is queued, then stop (graceful shutdown)."""
        if self._queue is not None:
            await self._queue.join()
        if self._runner is not None:
            self._runner.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._runner
        self._pool.shutdown(wait=True)

    async def submit(self, items: Sequence[Any]) -> Any:
        """``run``'s results for ``items`` (rows of a tensor, or a list), run together with
        whatever else is waiting."""
        if self._queue is None:
            raise RuntimeError("the batcher is not started")
        if self.stats.queued_items + len(items) > self.max_queued:
            raise Overloaded(
                f"{self.stats.queued_items} inputs are already waiting (limit {self.max_queued})"
            )
        request = _Request(
            list(items),
            sum(self._cost(i) for i in items),
            asyncio.get_running_loop().create_future(),
        )
        self.stats.queued_items += len(items)
        await self._queue.put(request)
        return await request.future

    async def _run(self) -> None:
        assert self._queue is not None and self._slots is not None
        carried: _Request | None = None
        while True:
            # A worker first, then the batch: whatever queued up while the workers were busy
            # joins it, so batches grow with the load and add no wait when there is none.
            await self._slots.acquire()
            first = carried or await self._queue.get()
            await asyncio.sleep(0)  # requests already parsed by the event loop get queued
            batch, cost, carried = [first], first.cost, None
            while not self._queue.empty():  # take what already waits, within the budget
                nxt = self._queue.get_nowait()
                size = sum(len(r.items) for r in batch) + len(nxt.items)
                if cost + nxt.cost > self.max_batch_cost or size > self.max_batch_items:
                    carried = nxt
                    break
                batch.append(nxt)
                cost += nxt.cost
            task = asyncio.create_task(self._run_batch(batch))
            self._running.add(task)  # a reference, so the task is not collected mid-run
            task.add_done_callback(self._running.discard)

    async def _run_batch(self, batch: list[_Request]) -> None:
        assert self._queue is not None and self._slots is not None
        items = [item for r in batch for item in r.items]
        start = time.perf_counter()
        try:
            loop = asyncio.get_running_loop()
            results = await loop.run_in_executor(self._pool, self._run_items, items)
        except Exception as e:  # every waiting request learns what went wrong
            for r in batch:
                if not r.future.done():
                    r.future.set_exception(e)
        else:
            offset = 0
            for r in batch:
                if not r.future.done():
                    r.future.set_result(results[offset : offset + len(r.items)])
                offset += len(r.items)
        finally:
            self.stats.batches += 1
            self.stats.items += len(items)
            self.stats.seconds += time.perf_counter() - start
            self.stats.queued_items -= len(items)
            for _ in batch:
                self._queue.task_done()
            self._slots.release()
