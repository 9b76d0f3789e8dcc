"""The bounded accept queue of the handshake guard (ocpp/auth.py): handshakes over the limit
wait for a place, first come first served, instead of being answered 503 at once."""

from __future__ import annotations

import asyncio

from kilowatt.ocpp.auth import HandshakeGuard


async def settle() -> None:
    """Let the woken waiters run."""
    for _ in range(5):
        await asyncio.sleep(0)


async def test_waiters_are_let_in_first_come_first_served_as_places_free() -> None:
    guard = HandshakeGuard(max_handshakes=2)
    assert await guard.admit()
    assert await guard.admit()
    order: list[int] = []

    async def wait(n: int) -> None:
        assert await guard.admit()
        order.append(n)

    waiters = [asyncio.create_task(wait(n)) for n in range(3)]
    await asyncio.sleep(0)
    assert guard.waiting == 3
    assert not guard.enter()  # nobody overtakes the queue
    guard.leave()
    await settle()
    assert order == [0]
    guard.leave()
    guard.leave()
    await asyncio.gather(*waiters)
    assert order == [0, 1, 2]
    assert guard.active == 2  # places passed on, not freed and taken again
    guard.leave()
    guard.leave()
    assert guard.active == 0


async def test_a_full_queue_or_a_long_wait_is_refused() -> None:
    guard = HandshakeGuard(max_handshakes=1, max_waiting=1, queue_timeout=0.05)
    assert await guard.admit()
    waiter = asyncio.create_task(guard.admit())
    await asyncio.sleep(0)
    assert not await guard.admit()  # the queue is full
    assert await waiter is False  # nothing came free within the timeout
    assert guard.waiting == 0
    guard.leave()
    assert guard.active == 0
    assert await guard.admit()


async def test_a_waiter_that_goes_away_leaves_its_place() -> None:
    guard = HandshakeGuard(max_handshakes=1)
    assert await guard.admit()
    gone = asyncio.create_task(guard.admit())
    stays = asyncio.create_task(guard.admit())
    await asyncio.sleep(0)
    gone.cancel()
    await asyncio.sleep(0)
    guard.leave()
    assert await stays is True
    assert guard.active == 1
