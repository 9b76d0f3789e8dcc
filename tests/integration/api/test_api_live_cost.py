"""Live cost through the real edges: a 1.6 station charges, the API shows the running cost as
its meter values arrive, and a prepaid driver's session is stopped remotely when the cost
reaches the wallet's balance (once), the ledger ending at 0.00, never below."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from tests.conftest import Ids
from tests.support.commands import async_api, eventually
from tests.support.ocpp16 import charge_point
from tests.support.ocpp201 import charge_point201
from tests.support.server import RunningServer

Json = dict[str, Any]

HALF_EURO_A_KWH: Json = {
    "currency": "EUR",
    "vat": "0",
    "elements": [{"price_components": [{"type": "ENERGY", "price": "0.50"}]}],
}


@pytest.fixture
async def aapi(server: RunningServer) -> AsyncIterator[httpx.AsyncClient]:
    async with async_api(server) as client:
        yield client


def iso(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%SZ")


async def created(response: httpx.Response) -> Json:
    assert response.status_code == 201, response.text
    body: Json = response.json()
    return body


async def priced_station(aapi: httpx.AsyncClient, ids: Ids, tariff: Json) -> tuple[str, int]:
    """A station at a UTC site priced by ``tariff``; its id and the tariff's."""
    site = await created(
        await aapi.post("/sites", json={"name": f"Live {ids.suffix}", "timezone": "UTC"})
    )
    made = await created(await aapi.post("/tariffs", json={"name": f"Live {ids.suffix}", **tariff}))
    await created(
        await aapi.post(
            "/tariff-assignments",
            json={"tariff_id": made["id"], "scope": "site", "scope_id": site["id"]},
        )
    )
    station = ids.station()
    await created(
        await aapi.post(
            "/stations",
            json={
                "ocpp_id": station,
                "connectors": [{"evse_id": 1}, {"evse_id": 2}],
                "security_profile": 0,
                "site_id": site["id"],
            },
        )
    )
    return station, made["id"]


async def prepaid_token(aapi: httpx.AsyncClient, ids: Ids, tag: str, amount: str) -> int:
    """A token paying from a wallet topped up with ``amount``; the wallet's id."""
    token = await created(await aapi.post("/id-tokens", json={"value": tag}))
    wallet = await created(
        await aapi.post("/wallets", json={"name": f"Pre {ids.suffix}", "owner_kind": "account"})
    )
    await created(
        await aapi.post(
            f"/wallets/{wallet['id']}/top-ups",
            json={"amount": amount},
            headers={"Idempotency-Key": f"top-{ids.suffix}"},
        )
    )
    put = await aapi.put(f"/tokens/{token['id']}/wallet", json={"wallet_id": wallet["id"]})
    assert put.status_code == 204, put.text
    wallet_id: int = wallet["id"]
    return wallet_id


async def cost(aapi: httpx.AsyncClient, tx: int) -> Json:
    response = await aapi.get(f"/transactions/{tx}/cost")
    assert response.status_code == 200, response.text
    body: Json = response.json()
    return body


async def test_the_running_cost_follows_the_meter_values(
    server: RunningServer, aapi: httpx.AsyncClient, ids: Ids
) -> None:
    station, tariff_id = await priced_station(aapi, ids, HALF_EURO_A_KWH)
    tag = ids.tag()
    await created(await aapi.post("/id-tokens", json={"value": tag}))
    start = datetime.now(UTC) - timedelta(hours=1)
    async with charge_point(server.ocpp_url, station) as cp:
        await cp.boot()
        tx = int((await cp.start_tx(1, tag, 50_000, iso(start))).transaction_id)
        await cp.meter(1, tx, 53_000, iso(start + timedelta(minutes=10)))
        found = await eventually(lambda: cost(aapi, tx), lambda c: c["total_incl_vat"] == "1.50")
        assert found["running"] is True
        assert (found["currency"], found["energy_wh"], found["tariff_id"]) == (
            "EUR",
            3_000,
            tariff_id,
        )
        assert found["elapsed_s"] == 600
        assert found["balance"] is None
        await cp.meter(1, tx, 54_321, iso(start + timedelta(minutes=20)))
        # 4.321 kWh x 0.50 = 2.1605 -> 2.16
        found = await eventually(lambda: cost(aapi, tx), lambda c: c["total_incl_vat"] == "2.16")
        assert found["total_incl_vat"] == "2.16"
        await cp.stop_tx(tx, 54_321, iso(start + timedelta(minutes=21)), id_tag=tag)
    ended = await cost(aapi, tx)
    assert ended["running"] is False
    assert ended["total_incl_vat"] is None
    unknown = await aapi.get("/transactions/999999999/cost")
    assert unknown.status_code == 404


async def test_a_prepaid_session_is_stopped_when_its_cost_reaches_the_balance(
    server: RunningServer, aapi: httpx.AsyncClient, ids: Ids
) -> None:
    station, _ = await priced_station(aapi, ids, HALF_EURO_A_KWH)
    tag = ids.tag()
    wallet_id = await prepaid_token(aapi, ids, tag, "5.00")
    start = datetime.now(UTC) - timedelta(hours=1)
    async with charge_point(server.ocpp_url, station) as cp:
        await cp.boot()
        tx = int((await cp.start_tx(1, tag, 0, iso(start))).transaction_id)
        # 2.00 and 4.00 EUR: under the balance, the session goes on.
        await cp.meter(1, tx, 4_000, iso(start + timedelta(minutes=5)))
        await cp.meter(1, tx, 8_000, iso(start + timedelta(minutes=10)))
        running = await eventually(lambda: cost(aapi, tx), lambda c: c["total_incl_vat"] == "4.00")
        assert (running["total_incl_vat"], running["balance"]) == ("4.00", "5.00")
        assert not [name for name, _ in cp.received if name == "RemoteStopTransaction"]
        # 5.10 EUR: the credit is used up, Kilowatt stops the session at the station.
        await cp.meter(1, tx, 10_200, iso(start + timedelta(minutes=15)))
        asked = await cp.wait_for_call("RemoteStopTransaction")
        assert asked["transactionId"] == tx
        # Another reading before the station stops: no second stop.
        await cp.meter(1, tx, 10_400, iso(start + timedelta(minutes=16)))
        await cp.stop_tx(tx, 10_400, iso(start + timedelta(minutes=16)), reason="Remote")
    stops = [name for name, _ in cp.received if name == "RemoteStopTransaction"]
    assert stops == ["RemoteStopTransaction"]
    wallet = await eventually(
        lambda: aapi.get(f"/wallets/{wallet_id}"),
        lambda r: r.json()["balance"] != "5.00",
    )
    assert wallet.json()["balance"] == "0.00"
    entries = (await aapi.get("/wallet-entries", params={"wallet_id": wallet_id})).json()
    assert [(e["kind"], e["amount"], e["balance_after"]) for e in entries["items"]] == [
        ("charge", "-5.00", "0.00"),
        ("top_up", "5.00", "5.00"),
    ]
    commands = (await aapi.get(f"/stations/{station}/commands")).json()["items"]
    assert [(c["operation"], c["requested_by"]) for c in commands] == [
        ("remote_stop", "prepaid credit")
    ]


def _enabled(instance: str) -> Json:
    return {
        "component": {"name": "TariffCostCtrlr"},
        "variable": {"name": "Enabled", "instance": instance},
        "variableAttribute": [{"type": "Actual", "value": "true", "mutability": "ReadWrite"}],
        "variableCharacteristics": {"dataType": "boolean", "supportsMonitoring": False},
    }


async def test_a_201_station_showing_running_cost_is_told_the_total_and_the_tariff(
    server: RunningServer, aapi: httpx.AsyncClient, ids: Ids
) -> None:
    """In its TransactionEvent answers (totalCost), once the tariff's text, and pushed in a
    CostUpdated at most every ``cost_updated_every`` seconds (60 by default)."""
    await _told_the_cost(server, aapi, ids)


async def _told_the_cost(server: RunningServer, aapi: httpx.AsyncClient, ids: Ids) -> None:
    tariff = {
        **HALF_EURO_A_KWH,
        "tariff_alt_text": [{"language": "en", "text": "0.50 EUR per kWh"}],
    }
    station, _ = await priced_station(aapi, ids, tariff)
    plain_station, _ = await priced_station(aapi, Ids(), tariff)
    tag = ids.tag()
    await created(await aapi.post("/id-tokens", json={"value": tag}))
    start = datetime.now(UTC) - timedelta(hours=1)
    async with charge_point201(server.ocpp_url, station) as cp:
        await cp.boot()
        await cp.notify_report(4711, [_enabled("Cost"), _enabled("Tariff")])
        began = await cp.transaction_event(
            "Started", "T1", 0, "Authorized", 0, id_token=tag, timestamp=iso(start)
        )
        assert began.total_cost is None
        found = await aapi.get("/transactions", params={"station_id": station})
        tx = int(found.json()["items"][0]["id"])
        await eventually(lambda: cost(aapi, tx), lambda c: c["tariff_id"] is not None)
        first = await cp.transaction_event(
            "Updated",
            "T1",
            1,
            "MeterValuePeriodic",
            3_000,
            timestamp=iso(start + timedelta(minutes=10)),
        )
        assert first.total_cost == 1.5
        assert first.updated_personal_message["content"] == "0.50 EUR per kWh"
        second = await cp.transaction_event(
            "Updated",
            "T1",
            2,
            "MeterValuePeriodic",
            3_500,
            timestamp=iso(start + timedelta(minutes=15)),
        )
        assert (second.total_cost, second.updated_personal_message) == (1.75, None)
        # Pushed too (I03), at most once a minute: the 1.50 went, the 1.75 a moment later not.
        pushed = await cp.wait_for_call("CostUpdated")
        assert pushed == {"totalCost": 1.5, "transactionId": "T1"}
        await asyncio.sleep(0.5)
        assert [p for name, p in cp.received if name == "CostUpdated"] == [pushed]
        ended = await cp.transaction_event(
            "Ended",
            "T1",
            3,
            "EVCommunicationLost",
            4_000,
            timestamp=iso(start + timedelta(minutes=20)),
            stopped_reason="EVDisconnected",
        )
        assert ended.total_cost == 2.0
    # A station that does not say it shows running cost is told nothing of it.
    async with charge_point201(server.ocpp_url, plain_station) as cp:
        await cp.boot()
        await cp.transaction_event(
            "Started", "T2", 0, "Authorized", 0, id_token=tag, timestamp=iso(start)
        )
        await asyncio.sleep(0.5)
        quiet = await cp.transaction_event(
            "Updated",
            "T2",
            1,
            "MeterValuePeriodic",
            3_000,
            timestamp=iso(start + timedelta(minutes=10)),
        )
        assert (quiet.total_cost, quiet.updated_personal_message) == (None, None)
        await asyncio.sleep(0.5)
        assert not [name for name, _ in cp.received if name == "CostUpdated"]
