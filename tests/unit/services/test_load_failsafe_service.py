"""The refusal flag against the fakes, with the clock in the test's hands: a station that
rejects its session's profile is flagged, its session left out of the passes (no profile sent
at every pass, its limit not in force), tried once more when the hour is over, and cleared
when it accepts."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from kilowatt.domain.commands import CommandStatus, Outcome
from kilowatt.domain.loads import DecisionKind, LoadSettings
from tests.unit.services.test_loads_service import OWNER, SITE, World


@pytest.fixture
async def world() -> AsyncIterator[World]:
    made = World()
    await made.loads.configure(OWNER, SITE, LoadSettings(reserve_pct=0), 100_000)
    yield made
    await made.loads.close()
    await made.commands.close()


async def test_a_refusing_station_is_left_alone_until_its_retry_is_due(world: World) -> None:
    world.gateway.answers["set_charging_profile"] = Outcome(
        CommandStatus.REJECTED, {"status": "Rejected"}
    )
    await world.loads.report(OWNER, SITE, 30_000)
    transaction = world.charge(1)
    await world.loads.rebalance(SITE)
    assert await world.sent() == [(1, 32.0)]
    view = await world.loads.view(OWNER, SITE)
    assert view.refusing["CP-1"].refused_answer == "Rejected"
    assert [d.kind for d in view.decisions].count(DecisionKind.REFUSED) == 1

    # Passes go on (the load moves a lot): nothing is sent, the session has no limit.
    for load_w in (60_000, 85_000, 20_000):
        world.clock.advance(minutes=10)
        await world.loads.report(OWNER, SITE, load_w)
    assert await world.sent() == [(1, 32.0)]
    view = await world.loads.view(OWNER, SITE)
    [(session, held)] = view.sessions
    assert session.transaction_id == transaction
    assert held is not None
    assert (held.limit_a, held.reason) == (None, None)

    # The hour is over: tried once more; it accepts now, and the flag goes.
    del world.gateway.answers["set_charging_profile"]
    world.clock.advance(minutes=31)
    await world.loads.rebalance(SITE)
    assert await world.sent() == [(1, 32.0), (1, 32.0)]
    view = await world.loads.view(OWNER, SITE)
    assert view.refusing == {}
    assert view.sessions[0][1] is not None
    assert view.sessions[0][1].limit_a == 32.0
