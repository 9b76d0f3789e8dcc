"""Remote-management tests: commands sent through the REST API to stations connected with real
OCPP clients (tests/support/ocpp16.py, ocpp201.py), on the loop those clients run on."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import httpx

from tests.support.ocpp16 import TestChargePoint, charge_point
from tests.support.ocpp201 import TestChargePoint201, charge_point201
from tests.support.server import RunningServer

T = TypeVar("T")
Json = dict[str, Any]

FINAL = {"accepted", "rejected", "failed", "timed_out"}
MISSING_ID = 2_000_000_000


def async_api(server: RunningServer) -> httpx.AsyncClient:
    """The API for async tests: a blocking client would stall the charge point's loop."""
    return httpx.AsyncClient(
        base_url=f"{server.base_url}/api/v1",
        headers={"Authorization": f"Bearer {server.api_key}"},
        timeout=30,
    )


def path(station: str, operation: str) -> str:
    return f"/stations/{station}/commands/{operation.replace('_', '-')}"


async def post(
    aapi: httpx.AsyncClient,
    station: str,
    operation: str,
    body: Json | None = None,
    **query: Any,
) -> httpx.Response:
    return await aapi.post(path(station, operation), json=body or {}, params=query)


async def command(
    aapi: httpx.AsyncClient,
    station: str,
    operation: str,
    body: Json | None = None,
    *,
    status: str | None = "accepted",
    **query: Any,
) -> Json:
    """Send a command and wait for its outcome (200); ``status`` is the one it must have."""
    response = await post(aapi, station, operation, body, **query)
    assert response.status_code == 200, response.text
    found: Json = response.json()
    assert found["status"] in FINAL, found
    if status is not None:
        assert found["status"] == status, found
    return found


async def refused_command(
    aapi: httpx.AsyncClient, station: str, operation: str, body: Json, field: str
) -> Json:
    """A command that cannot become a valid CALL of the station's version: refused with 422
    naming the offending field, and nothing recorded or sent."""
    before = (await aapi.get(f"/stations/{station}/commands")).json()["items"]
    response = await post(aapi, station, operation, body)
    assert response.status_code == 422, response.text
    error: Json = response.json()
    assert error["error"] == "invalid_input", error
    assert error["fields"][0]["field"] == field, error
    after = (await aapi.get(f"/stations/{station}/commands")).json()["items"]
    assert after == before
    return error


async def get_command(aapi: httpx.AsyncClient, command_id: int) -> Json:
    response = await aapi.get(f"/commands/{command_id}")
    assert response.status_code == 200, response.text
    found: Json = response.json()
    return found


async def outcome(aapi: httpx.AsyncClient, command_id: int, timeout: float = 10) -> Json:
    """The command once it has finished (polled)."""
    return await eventually(
        lambda: get_command(aapi, command_id), lambda c: c["status"] in FINAL, timeout
    )


async def eventually(
    probe: Callable[[], Awaitable[T]], ok: Callable[[T], bool], timeout: float = 10
) -> T:
    """Poll ``probe`` until ``ok`` holds; the last value otherwise (the caller asserts)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        value = await probe()
        if ok(value) or asyncio.get_running_loop().time() > deadline:
            return value
        await asyncio.sleep(0.05)


async def register(
    aapi: httpx.AsyncClient, station: str, connectors: int = 2, **fields: Any
) -> Json:
    response = await aapi.post(
        "/stations",
        json={
            "ocpp_id": station,
            "connectors": [{"evse_id": n} for n in range(1, connectors + 1)],
            # Profile 0 explicitly (new stations get profile 1 and a password): the tests'
            # stations connect without credentials unless they ask for a profile.
            "security_profile": 0,
            **fields,
        },
    )
    assert response.status_code == 201, response.text
    body: Json = response.json()
    for shown_once in ("username", "password", "authorization_key"):
        body.pop(shown_once, None)  # as GET /stations/{id} shows it
    return body


async def token(aapi: httpx.AsyncClient, value: str, **fields: Any) -> Json:
    response = await aapi.post("/id-tokens", json={"value": value, **fields})
    assert response.status_code == 201, response.text
    body: Json = response.json()
    return body


async def transactions(aapi: httpx.AsyncClient, station: str) -> list[Json]:
    response = await aapi.get("/transactions", params={"station_id": station})
    assert response.status_code == 200, response.text
    items: list[Json] = response.json()["items"]
    return items


async def transaction(aapi: httpx.AsyncClient, transaction_id: int) -> Json:
    response = await aapi.get(f"/transactions/{transaction_id}")
    assert response.status_code == 200, response.text
    body: Json = response.json()
    return body


async def reservations(aapi: httpx.AsyncClient, station: str) -> list[Json]:
    response = await aapi.get("/reservations", params={"station_id": station})
    assert response.status_code == 200, response.text
    items: list[Json] = response.json()["items"]
    return items


async def reservation(aapi: httpx.AsyncClient, reservation_id: int) -> Json:
    response = await aapi.get(f"/reservations/{reservation_id}")
    assert response.status_code == 200, response.text
    body: Json = response.json()
    return body


async def device_model(aapi: httpx.AsyncClient, station: str, **query: Any) -> list[Json]:
    response = await aapi.get(f"/stations/{station}/device-model", params={"limit": 500, **query})
    assert response.status_code == 200, response.text
    items: list[Json] = response.json()["items"]
    return items


async def station_commands(aapi: httpx.AsyncClient, station: str, **query: Any) -> Json:
    response = await aapi.get(f"/stations/{station}/commands", params=query)
    assert response.status_code == 200, response.text
    body: Json = response.json()
    return body


def later(minutes: int = 30) -> str:
    moment = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=minutes)
    return moment.isoformat().replace("+00:00", "Z")


def ocpp_time(iso: str) -> str:
    """How Kilowatt writes a time in a CALL: UTC, milliseconds, Z."""
    moment = datetime.fromisoformat(iso).astimezone(UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


@contextlib.asynccontextmanager
async def online16(
    server: RunningServer, aapi: httpx.AsyncClient, station: str, connectors: int = 2
) -> AsyncIterator[TestChargePoint]:
    """A registered 1.6 charge point, connected and booted."""
    await register(aapi, station, connectors)
    async with charge_point(server.ocpp_url, station) as cp:
        assert (await cp.boot()).status == "Accepted"
        yield cp


@contextlib.asynccontextmanager
async def online201(
    server: RunningServer, aapi: httpx.AsyncClient, station: str, connectors: int = 2
) -> AsyncIterator[TestChargePoint201]:
    """A registered 2.0.1 charging station, connected and booted."""
    await register(aapi, station, connectors)
    async with charge_point201(server.ocpp_url, station) as cp:
        assert (await cp.boot()).status == "Accepted"
        yield cp
