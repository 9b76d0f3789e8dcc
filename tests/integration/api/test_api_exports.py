"""GET /api/v1/transactions/export: CSV and XLSX of the list's sessions, with its filters, in
each site's time zone, within the caller's organization and sites; over transactions a real
OCPP 1.6 charge point drove through the server, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import csv
import io
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx
import pytest
from openpyxl import load_workbook

from tests.conftest import create_token, register_station
from tests.support.ocpp16 import charge_point
from tests.support.server import RunningServer
from tests.support.tenants import api_client, created, second_organization


@dataclass(frozen=True)
class World:
    """Two sites (Helsinki, New York), a station at each, a driver with a token:

    - ``first``: station ``a``, the driver's token, 2026-03-01 10:00 to 11:05 UTC, 7,500 Wh;
    - ``formula``: station ``a``, a tag that looks like a formula, 2026-03-02 10:00 to 10:30 UTC,
      1,000 Wh;
    - ``running``: station ``b``, the driver's token, from 2026-03-03 09:00 UTC, 3,500 Wh so far.
    """

    helsinki: int
    new_york: int
    a: str
    b: str
    tag: str
    formula_tag: str
    driver: str
    first: int
    formula: int
    running: int


async def _drive(server: RunningServer, w: dict[str, Any]) -> dict[str, int]:
    async with charge_point(server.ocpp_url, w["a"]) as cp:
        assert (await cp.boot()).status == "Accepted"
        first = await cp.start_tx(1, w["tag"], 1_000, "2026-03-01T10:00:00Z")
        await cp.meter(1, first.transaction_id, 4_000, "2026-03-01T10:30:00Z")
        await cp.stop_tx(first.transaction_id, 8_500, "2026-03-01T11:05:00Z", reason="Local")
        second = await cp.start_tx(2, w["formula_tag"], 500, "2026-03-02T10:00:00Z")
        await cp.stop_tx(second.transaction_id, 1_500, "2026-03-02T10:30:00Z")
    async with charge_point(server.ocpp_url, w["b"]) as cp:
        assert (await cp.boot()).status == "Accepted"
        third = await cp.start_tx(1, w["tag"], 20_000, "2026-03-03T09:00:00Z")
        await cp.meter(1, third.transaction_id, 23_500, "2026-03-03T09:30:00Z")
    return {
        "first": first.transaction_id,
        "formula": second.transaction_id,
        "running": third.transaction_id,
    }


@pytest.fixture(scope="module")
def world(server: RunningServer) -> World:
    suffix = uuid.uuid4().hex[:8].upper()
    with server.api() as api:
        helsinki = created(
            api.post("/sites", json={"name": f"HEL {suffix}", "timezone": "Europe/Helsinki"})
        )["id"]
        new_york = created(
            api.post("/sites", json={"name": f"NYC {suffix}", "timezone": "America/New_York"})
        )["id"]
        a, b = f"EXA-{suffix}", f"EXB-{suffix}"
        register_station(api, a, site_id=helsinki)
        register_station(api, b, site_id=new_york)
        driver_name = f"Driver {suffix}"
        driver = created(
            api.post(
                "/drivers", json={"email": f"d-{suffix.lower()}@example.test", "name": driver_name}
            )
        )
        tag = f"EX{suffix}"
        create_token(api, tag, driver_id=driver["id"])
    w: dict[str, Any] = {"a": a, "b": b, "tag": tag, "formula_tag": f"=1+{suffix}"}
    ids = asyncio.run(_drive(server, w))
    return World(
        helsinki=helsinki,
        new_york=new_york,
        a=a,
        b=b,
        tag=tag,
        formula_tag=w["formula_tag"],
        driver=driver_name,
        **ids,
    )


def _csv(response: httpx.Response) -> list[dict[str, str]]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    text = response.content.decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text, newline="")))


def _xlsx(response: httpx.Response) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    book = load_workbook(io.BytesIO(response.content), read_only=True)
    rows = list(book.active.iter_rows(values_only=True))
    headers = rows[0]
    return [dict(zip(headers, row, strict=True)) for row in rows[1:]]


def _ids(rows: list[dict[str, Any]]) -> list[int]:
    return [int(row["Transaction"]) for row in rows]


def test_csv_export_of_a_station_holds_its_sessions_in_the_sites_time(
    server: RunningServer, world: World
) -> None:
    with server.api() as api:
        rows = _csv(
            api.get("/transactions/export", params={"format": "csv", "station_id": world.a})
        )
    assert _ids(rows) == [world.formula, world.first]  # newest first
    first = rows[1]
    assert first["Station"] == world.a
    assert first["Start"] == "2026-03-01 12:00:00"  # Helsinki, UTC+2
    assert first["Stop"] == "2026-03-01 13:05:00"
    assert first["Time zone"] == "Europe/Helsinki"
    assert first["Duration (h:mm)"] == "1:05"
    assert first["Energy (Wh)"] == "7500"
    assert first["Energy (kWh)"] == "7.500"
    assert first["Driver"] == world.driver
    assert first["State"] == "completed"
    assert first["Stop reason"] == "Local"
    # A tag that a spreadsheet would run as a formula is exported as text.
    assert rows[0]["Token"] == "'" + world.formula_tag


def test_xlsx_export_of_a_site_opens_with_openpyxl(server: RunningServer, world: World) -> None:
    with server.api() as api:
        rows = _xlsx(
            api.get("/transactions/export", params={"format": "xlsx", "site_id": world.new_york})
        )
    assert _ids(rows) == [world.running]
    [running] = rows
    assert running["Station"] == world.b
    assert running["Start"] == datetime(2026, 3, 3, 4, 0)  # New York, UTC-5
    assert running["Time zone"] == "America/New_York"
    assert running["Stop"] is None
    assert running["Energy (Wh)"] == 3_500
    assert running["Energy (kWh)"] == 3.5
    assert running["State"] == "active"


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"driver": "Driver "}, ("running", "first")),
        ({"state": "active"}, ("running",)),
        ({"from": "2026-03-02T00:00:00Z", "to": "2026-03-03T00:00:00Z"}, ("formula",)),
        ({"site_id": "helsinki", "state": "completed"}, ("formula", "first")),
        ({"id_tag": "tag"}, ("running", "first")),
    ],
)
def test_the_export_takes_the_lists_filters(
    server: RunningServer, world: World, params: dict[str, str], expected: tuple[str, ...]
) -> None:
    mine = {world.first, world.formula, world.running}
    query = {k: _resolve(world, v) for k, v in params.items()}
    if "driver" in query:
        query["driver"] = world.driver
    with server.api() as api:
        exported = _csv(api.get("/transactions/export", params=query))
        listed = api.get("/transactions", params={**query, "limit": 500}).json()["items"]
    wanted = [getattr(world, name) for name in expected]
    assert [i for i in _ids(exported) if i in mine] == wanted
    # The list and the export agree.
    assert [item["id"] for item in listed if item["id"] in mine] == wanted


def _resolve(world: World, value: str) -> str:
    return {"helsinki": str(world.helsinki), "tag": world.tag}.get(value, value)


def test_another_organization_exports_none_of_these_sessions(
    server: RunningServer, world: World
) -> None:
    with api_client(server, second_organization(server, "Export")) as other:
        rows = _csv(other.get("/transactions/export"))
        filtered = _csv(other.get("/transactions/export", params={"station_id": world.a}))
        by_site = other.get("/transactions/export", params={"site_id": world.helsinki})
    assert rows == []
    assert filtered == []
    assert _csv(by_site) == []


def test_a_site_limited_key_exports_only_its_sites_sessions(
    server: RunningServer, world: World
) -> None:
    with server.api() as owner:
        key = created(
            owner.post(
                "/api-keys",
                json={"name": "landlord", "role": "operator", "site_ids": [world.helsinki]},
            )
        )["secret"]
    with api_client(server, key) as limited:
        everything = _ids(_csv(limited.get("/transactions/export", params={"format": "csv"})))
        workbook = _ids(_xlsx(limited.get("/transactions/export", params={"format": "xlsx"})))
        other_site = _csv(limited.get("/transactions/export", params={"station_id": world.b}))
    assert world.running not in everything
    assert {world.first, world.formula} <= set(everything)
    assert workbook == everything
    assert other_site == []


@pytest.mark.parametrize(
    "params",
    [{"format": "pdf"}, {"from": "yesterday"}, {"from": "2026-03-01T00:00:00"}, {"state": "x"}],
)
def test_a_bad_filter_is_a_422_naming_it(server: RunningServer, params: dict[str, str]) -> None:
    with server.api() as api:
        response = api.get("/transactions/export", params=params)
    assert response.status_code == 422, response.text
    assert response.json()["error"]
