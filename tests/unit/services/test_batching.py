"""Group commit: callers are answered after their batch is processed; a bad item fails
alone."""

from __future__ import annotations

import asyncio

import pytest

from kilowatt.services.batching import GroupCommit


class Recorder:
    def __init__(self, *, bad: set[int] | None = None, delay: float = 0.0) -> None:
        self.batches: list[list[int]] = []
        self.bad = bad or set()
        self.delay = delay
        self.gate: asyncio.Event | None = None

    async def __call__(self, items: list[int]) -> None:
        self.batches.append(list(items))
        if self.gate is not None:
            await self.gate.wait()
        await asyncio.sleep(self.delay)
        if self.bad & set(items):
            raise ValueError(f"bad item in {items}")


async def test_a_lone_item_is_processed_at_once() -> None:
    recorder = Recorder()
    writer = GroupCommit(recorder)
    await asyncio.wait_for(writer.submit(1), 1)
    assert recorder.batches == [[1]]
    await writer.close()


async def test_items_arriving_during_a_batch_form_the_next_batch() -> None:
    recorder = Recorder()
    recorder.gate = asyncio.Event()
    writer = GroupCommit(recorder)
    first = asyncio.create_task(writer.submit(0))
    await asyncio.sleep(0.01)  # the worker now holds batch [0] at the gate
    rest = [asyncio.create_task(writer.submit(n)) for n in range(1, 6)]
    await asyncio.sleep(0.01)
    assert not first.done()
    recorder.gate.set()
    await asyncio.wait_for(asyncio.gather(first, *rest), 1)
    assert recorder.batches == [[0], [1, 2, 3, 4, 5]]
    await writer.close()


async def test_batches_are_capped() -> None:
    recorder = Recorder()
    recorder.gate = asyncio.Event()
    writer = GroupCommit(recorder, max_batch=2)
    tasks = [asyncio.create_task(writer.submit(n)) for n in range(5)]
    await asyncio.sleep(0.01)
    recorder.gate.set()
    await asyncio.wait_for(asyncio.gather(*tasks), 1)
    assert recorder.batches == [[0, 1], [2, 3], [4]]
    await writer.close()


async def test_a_failed_batch_is_retried_one_by_one_and_only_the_bad_item_fails() -> None:
    recorder = Recorder(bad={3})
    recorder.gate = asyncio.Event()
    writer = GroupCommit(recorder)
    first = asyncio.create_task(writer.submit(0))
    await asyncio.sleep(0.01)
    tasks = {n: asyncio.create_task(writer.submit(n)) for n in (1, 2, 3, 4)}
    await asyncio.sleep(0.01)
    recorder.gate.set()
    await asyncio.wait_for(first, 1)
    results = await asyncio.wait_for(asyncio.gather(*tasks.values(), return_exceptions=True), 1)
    outcome = dict(zip(tasks, results, strict=True))
    assert isinstance(outcome.pop(3), ValueError)
    assert outcome == {1: None, 2: None, 4: None}
    assert recorder.batches == [[0], [1, 2, 3, 4], [1], [2], [3], [4]]
    await writer.close()


async def test_a_lone_failing_item_is_not_processed_twice() -> None:
    recorder = Recorder(bad={7})
    writer = GroupCommit(recorder)
    with pytest.raises(ValueError, match="bad item"):
        await asyncio.wait_for(writer.submit(7), 1)
    assert recorder.batches == [[7]]
    await writer.close()


async def test_close_cancels_what_is_waiting() -> None:
    recorder = Recorder()
    recorder.gate = asyncio.Event()
    writer = GroupCommit(recorder)
    first = asyncio.create_task(writer.submit(0))
    await asyncio.sleep(0.01)
    waiting = asyncio.create_task(writer.submit(1))
    await asyncio.sleep(0.01)
    await writer.close()
    for task in (first, waiting):
        with pytest.raises(asyncio.CancelledError):
            await task


async def test_with_a_linger_a_lone_item_still_goes_at_once() -> None:
    recorder = Recorder()
    writer = GroupCommit(recorder, linger=10.0)
    await asyncio.wait_for(writer.submit(1), 1)  # nothing came before it: no waiting
    assert recorder.batches == [[1]]
    await writer.close()


async def test_items_arriving_faster_than_the_linger_are_gathered() -> None:
    """Twenty items 2 ms apart, each processed at once: without a linger the writer is idle
    when each comes and takes it alone (about twenty batches); with a 30 ms linger they share
    a few."""
    gathered = Recorder()
    lingering = GroupCommit(gathered, linger=0.03)
    pending = []
    for n in range(20):
        pending.append(asyncio.create_task(lingering.submit(n)))
        await asyncio.sleep(0.002)
    await asyncio.wait_for(asyncio.gather(*pending), 5)
    assert len(gathered.batches) <= 8, gathered.batches
    assert sorted(n for batch in gathered.batches for n in batch) == list(range(20))
    await lingering.close()


async def test_a_full_batch_ends_the_linger() -> None:
    """Quick arrivals make the writer wait for more; once a whole batch is waiting it goes,
    without sitting out the linger (which would cap the rate at a batch per linger)."""
    recorder = Recorder()
    writer = GroupCommit(recorder, max_batch=6, linger=10.0)
    first = [asyncio.create_task(writer.submit(n)) for n in range(4)]
    await asyncio.sleep(0.05)  # the writer lingers: four quick arrivals, a batch not full
    assert recorder.batches == []
    rest = [asyncio.create_task(writer.submit(n)) for n in range(4, 6)]
    await asyncio.wait_for(asyncio.gather(*first, *rest), 1)
    assert recorder.batches == [[0, 1, 2, 3, 4, 5]]
    await writer.close()
