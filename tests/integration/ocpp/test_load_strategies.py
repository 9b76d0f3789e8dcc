"""The site's load strategy through the real edges: with power for one full session and the
other's minimum, first come first served gives the earlier session all it can use and the
later its minimum, equal share splits it, and priority serves the session of a token group
with a higher load priority first; the limits reach a real OCPP 1.6 station and the API's
view of the site; on both databases."""

from __future__ import annotations

import httpx

from tests.conftest import Ids
from tests.integration.ocpp.test_load_management import (
    aapi,
    limit_of,
    managed_site,
    next_limit,
    reading,
    start,
)
from tests.support.commands import register, token
from tests.support.ocpp16 import TestChargePoint, charge_point
from tests.support.server import RunningServer

__all__ = ["aapi"]  # the fixture

FULL_AND_MINIMUM_W = (32 + 6) * 3 * 230
"""One three-phase session at 32 A and another at its 6 A minimum."""


async def limits(aapi: httpx.AsyncClient, site_id: int) -> dict[int, tuple[float, str]]:
    load = (await aapi.get(f"/sites/{site_id}/load")).json()
    return {s["transaction_id"]: (s["limit_a"], s["reason"]) for s in load["sessions"]}


async def sent(cp: TestChargePoint, count: int) -> list[tuple[int, float, int | None]]:
    return sorted([limit_of(await next_limit(cp)) for _ in range(count)])


async def test_first_come_serves_the_earlier_session_fully_and_equal_share_splits(
    server: RunningServer, aapi: httpx.AsyncClient, ids: Ids
) -> None:
    site_id = await managed_site(
        aapi, ids, capacity_w=FULL_AND_MINIMUM_W, reserve_pct=0, strategy="first_come"
    )
    settings = (await aapi.get(f"/sites/{site_id}/load")).json()["settings"]
    assert settings["strategy"] == "first_come"
    station = ids.station()
    await register(aapi, station, connectors=2, site_id=site_id)
    tags = [ids.tag(name) for name in ("early", "late")]
    for tag in tags:
        await token(aapi, tag)
    async with charge_point(server.ocpp_url, station) as cp:
        assert (await cp.boot()).status == "Accepted"
        await reading(aapi, site_id, 0)
        early = await start(cp, 1, tags[0])
        assert await sent(cp, 1) == [(1, 32.0, 3)]
        late = await start(cp, 2, tags[1])
        # The earlier keeps its 32 A (nothing to send); the later gets its minimum.
        assert await sent(cp, 1) == [(2, 6.0, 3)]
        assert await limits(aapi, site_id) == {early: (32.0, "at_max"), late: (6.0, "shared")}

        # Equal share: the same 19 A each.
        changed = await aapi.put(
            f"/sites/{site_id}/load/settings",
            json={"capacity_w": FULL_AND_MINIMUM_W, "reserve_pct": 0, "strategy": "equal_share"},
        )
        assert changed.status_code == 200, changed.text
        assert changed.json()["settings"]["strategy"] == "equal_share"
        assert await sent(cp, 2) == [(1, 19.0, 3), (2, 19.0, 3)]
        assert await limits(aapi, site_id) == {early: (19.0, "shared"), late: (19.0, "shared")}

    bad = await aapi.put(
        f"/sites/{site_id}/load/settings",
        json={"capacity_w": FULL_AND_MINIMUM_W, "strategy": "loudest_first"},
    )
    assert bad.status_code == 422
    assert bad.json()["fields"][0]["field"] == "strategy"


async def test_a_token_group_with_a_higher_load_priority_is_served_first(
    server: RunningServer, aapi: httpx.AsyncClient, ids: Ids
) -> None:
    site_id = await managed_site(
        aapi, ids, capacity_w=FULL_AND_MINIMUM_W, reserve_pct=0, strategy="priority"
    )
    created = await aapi.post(
        "/token-groups", json={"name": f"VIP {ids.suffix}", "kind": "fleet", "load_priority": 5}
    )
    assert created.status_code == 201, created.text
    group = created.json()
    assert group["load_priority"] == 5
    station = ids.station()
    await register(aapi, station, connectors=2, site_id=site_id)
    plain, vip = ids.tag("plain"), ids.tag("vip")
    await token(aapi, plain)
    await token(aapi, vip, token_group_id=group["id"])
    async with charge_point(server.ocpp_url, station) as cp:
        assert (await cp.boot()).status == "Accepted"
        await reading(aapi, site_id, 0)
        first = await start(cp, 1, plain)
        assert await sent(cp, 1) == [(1, 32.0, 3)]
        # The VIP arrives later but is served first: it gets 32 A, the other its minimum.
        second = await start(cp, 2, vip)
        assert await sent(cp, 2) == [(1, 6.0, 3), (2, 32.0, 3)]
        assert await limits(aapi, site_id) == {first: (6.0, "shared"), second: (32.0, "at_max")}

    too_high = await aapi.patch(f"/token-groups/{group['id']}", json={"load_priority": 10})
    assert too_high.status_code == 422
    assert too_high.json()["fields"][0]["field"] == "load_priority"
    lowered = await aapi.patch(f"/token-groups/{group['id']}", json={"load_priority": 0})
    assert lowered.status_code == 200, lowered.text
    assert (await aapi.get(f"/token-groups/{group['id']}")).json()["load_priority"] == 0
