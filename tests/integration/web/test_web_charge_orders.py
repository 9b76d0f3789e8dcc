"""The charge orders page over HTTP with a real 1.6 station: an operator orders a session
from the form (field errors beside their fields), sees its progress and cost (also on the
session page), and stops it."""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from tests.conftest import Ids
from tests.integration.api.test_api_live_cost import HALF_EURO_A_KWH, priced_station
from tests.integration.web.test_web_monitoring import visitor
from tests.support.commands import async_api, eventually, token
from tests.support.ocpp16 import charge_point
from tests.support.server import RunningServer


@pytest.fixture
async def aapi(server: RunningServer) -> AsyncIterator[httpx.AsyncClient]:
    async with async_api(server) as client:
        yield client


def field_error(page: str, field: str) -> str:
    found = re.search(rf'id="f-{field}-error" class="field-error">([^<]*)<', page)
    assert found is not None, page
    return html.unescape(found.group(1))


def iso(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%SZ")


async def test_an_operator_orders_follows_and_stops_a_session_from_the_page(
    server: RunningServer, aapi: httpx.AsyncClient, ids: Ids
) -> None:
    station, _ = await priced_station(aapi, ids, HALF_EURO_A_KWH)
    tag = ids.tag()
    await token(aapi, tag)
    operator = await visitor(server, aapi, "operator")
    listed = await operator.get("/charge-orders")
    assert listed.status_code == 200, listed.text
    assert 'id="order-form"' in listed.text

    form = {"station": station, "evse_id": "1", "id_tag": tag, "limit_kind": "energy"}
    bad = await operator.post("/charge-orders", {**form, "limit": "-3"})
    assert bad.status_code == 422
    assert field_error(bad.text, "limit") == "Enter a limit above zero."
    offline = await operator.post("/charge-orders", {**form, "limit": "5"})
    assert offline.status_code == 422
    assert field_error(offline.text, "station") == "The station is not connected."

    nowhere = await operator.post("/charge-orders", {**form, "station": "NOPE", "limit": "5"})
    assert field_error(nowhere.text, "station") == "There is no such station."

    async with charge_point(server.ocpp_url, station) as cp:
        await cp.boot()
        made = await operator.post("/charge-orders", {**form, "limit": "5"})
        assert made.status_code == 303, made.text
        where = made.headers["location"]
        await cp.wait_for_call("RemoteStartTransaction")
        start = datetime.now(UTC) - timedelta(hours=1)
        tx = int((await cp.start_tx(1, tag, 0, iso(start))).transaction_id)
        await cp.meter(1, tx, 2_500, iso(start + timedelta(minutes=10)))
        page = await eventually(
            lambda: operator.get(where), lambda p: "2.5 kWh" in p.text and "50 %" in p.text
        )
        assert 'data-state="running"' in page.text, page.text
        assert 'id="force-stop"' in page.text
        assert "1.25 EUR" in page.text  # its cost so far: 2.5 kWh at 0.50
        session = await operator.get(f"/sessions/{tx}")
        assert re.search(r'id="session-cost"[^>]*>1\.25 EUR<', session.text), session.text
        stopped = await operator.post(f"{where}/stop", {})
        assert stopped.status_code == 303
        await cp.wait_for_call("RemoteStopTransaction")
        await cp.stop_tx(tx, 2_500, iso(start + timedelta(minutes=11)), reason="Remote")
        done = await eventually(
            lambda: operator.get(where), lambda p: 'data-state="completed"' in p.text
        )
    assert "Stopped by an operator" in done.text
    assert 'id="force-stop"' not in done.text
    assert where.rsplit("/", 1)[1] in (await operator.get("/charge-orders")).text
    await operator.client.aclose()
