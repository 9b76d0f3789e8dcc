"""One prepaid wallet, two sessions at once, through a real 1.6 station with two connectors:
together they may not spend more than the balance. A third card of the wallet is refused
(Blocked) once the balance less the running costs is below the wallet's minimum; when the two
costs together reach the balance both sessions are stopped remotely, once each, and the ledger
ends at 0.00, never below."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx

from tests.conftest import Ids
from tests.integration.api.test_api_live_cost import (
    HALF_EURO_A_KWH,
    aapi,
    cost,
    created,
    iso,
    prepaid_token,
    priced_station,
)
from tests.support.commands import eventually
from tests.support.ocpp16 import TestChargePoint, charge_point
from tests.support.server import RunningServer

__all__ = ["aapi"]


async def wallet_token(aapi: httpx.AsyncClient, tag: str, wallet_id: int) -> None:
    token = await created(await aapi.post("/id-tokens", json={"value": tag}))
    put = await aapi.put(f"/tokens/{token['id']}/wallet", json={"wallet_id": wallet_id})
    assert put.status_code == 204, put.text


def stops(cp: TestChargePoint) -> list[int]:
    return [p["transactionId"] for name, p in cp.received if name == "RemoteStopTransaction"]


async def test_two_sessions_on_one_wallet_stop_together_at_its_balance(
    server: RunningServer, aapi: httpx.AsyncClient, ids: Ids
) -> None:
    station, _ = await priced_station(aapi, ids, HALF_EURO_A_KWH)
    first_tag, second_tag, third_tag = ids.tag(), Ids().tag(), Ids().tag()
    wallet_id = await prepaid_token(aapi, ids, first_tag, "5.00")
    await wallet_token(aapi, second_tag, wallet_id)
    await wallet_token(aapi, third_tag, wallet_id)
    other = Ids().station()
    await created(await aapi.post("/stations", json={"ocpp_id": other, "security_profile": 0}))
    minimum = await aapi.patch(f"/wallets/{wallet_id}", json={"min_balance": "1.50"})
    assert minimum.status_code == 200, minimum.text
    start = datetime.now(UTC) - timedelta(hours=1)
    async with charge_point(server.ocpp_url, station) as cp:
        await cp.boot()
        assert (await cp.authorize(third_tag)).id_tag_info["status"] == "Accepted"
        first = int((await cp.start_tx(1, first_tag, 0, iso(start))).transaction_id)
        second = int((await cp.start_tx(2, second_tag, 0, iso(start))).transaction_id)
        # 2.00 + 2.00 EUR: each alone, and both together, under the 5.00 balance.
        await cp.meter(1, first, 4_000, iso(start + timedelta(minutes=5)))
        await cp.meter(2, second, 4_000, iso(start + timedelta(minutes=5)))
        for tx in (first, second):
            so_far = await eventually(
                lambda t=tx: cost(aapi, t), lambda c: c["total_incl_vat"] == "2.00"
            )
            assert (so_far["total_incl_vat"], so_far["balance"]) == ("2.00", "5.00")
        assert stops(cp) == []
        # 1.00 EUR left, under the 1.50 minimum: a third card of the wallet may not start,
        # neither here (Authorize) nor at another station (StartTransaction).
        assert (await cp.authorize(third_tag)).id_tag_info["status"] == "Blocked"
        async with charge_point(server.ocpp_url, other) as elsewhere:
            await elsewhere.boot()
            third = await elsewhere.start_tx(1, third_tag, 0, iso(start + timedelta(minutes=6)))
            assert third.id_tag_info["status"] == "Blocked"
            await elsewhere.stop_tx(int(third.transaction_id), 0, reason="DeAuthorized")
        # 3.00 + 2.00: the balance is spent; both sessions are stopped, though neither alone
        # has reached it.
        await cp.meter(1, first, 6_000, iso(start + timedelta(minutes=10)))
        stopped = await eventually(lambda: _stopped(cp), lambda found: found == {first, second})
        assert stopped == {first, second}
        # More readings before the station stops: no second stop.
        await cp.meter(2, second, 4_200, iso(start + timedelta(minutes=11)))
        await cp.stop_tx(first, 6_000, iso(start + timedelta(minutes=11)), reason="Remote")
        await cp.stop_tx(second, 4_200, iso(start + timedelta(minutes=11)), reason="Remote")
    assert sorted(stops(cp)) == sorted([first, second])
    wallet = await eventually(
        lambda: aapi.get(f"/wallets/{wallet_id}"),
        lambda r: r.json()["balance"] == "0.00",
    )
    assert wallet.json()["balance"] == "0.00"
    entries = (await aapi.get("/wallet-entries", params={"wallet_id": wallet_id})).json()
    charges = [e for e in entries["items"] if e["kind"] == "charge"]
    assert sorted(e["amount"] for e in charges) == ["-2.00", "-3.00"]
    assert all(e["balance_after"] >= "0.00" for e in entries["items"])
    commands = (await aapi.get(f"/stations/{station}/commands")).json()["items"]
    assert [(c["operation"], c["requested_by"]) for c in commands] == [
        ("remote_stop", "prepaid credit"),
        ("remote_stop", "prepaid credit"),
    ]


async def _stopped(cp: TestChargePoint) -> set[int]:
    return set(stops(cp))
