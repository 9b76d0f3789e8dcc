"""A token past its expiry goes into the local authorization list as Expired, the status the
station must apply offline (Authorize answers Expired too), in 1.6 and 2.0.1; one that expires
after a list was sent is sent again, as Expired, by the next differential update."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from tests.conftest import Ids
from tests.support.commands import async_api, command, later, ocpp_time, online16, online201, token
from tests.support.server import RunningServer


@pytest.fixture
async def aapi(server: RunningServer) -> AsyncIterator[httpx.AsyncClient]:
    async with async_api(server) as client:
        yield client


def soon(seconds: float) -> str:
    moment = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=seconds)
    return moment.isoformat().replace("+00:00", "Z")


async def test_16_expired_tokens_are_listed_as_expired(
    server: RunningServer, aapi: httpx.AsyncClient, ids: Ids
) -> None:
    station = ids.station()
    past, future, ending = ids.tag("PAST"), ids.tag("FUT"), ids.tag("END")
    expiry = later(60)
    await token(aapi, past, expires_at=later(-60))
    await token(aapi, future, expires_at=expiry)
    await token(aapi, ending, expires_at=soon(2))
    async with online16(server, aapi, station) as cp:
        assert (await cp.authorize(past)).id_tag_info["status"] == "Expired"
        await command(aapi, station, "send_local_list", {"update_type": "full"})
        sent = {
            e["idTag"]: e for e in (await cp.next_call("SendLocalList"))["localAuthorizationList"]
        }
        assert sent[past]["idTagInfo"]["status"] == "Expired"
        assert sent[future]["idTagInfo"] == {
            "status": "Accepted",
            "expiryDate": ocpp_time(expiry),
        }
        assert sent[ending]["idTagInfo"]["status"] == "Accepted"

        await asyncio.sleep(3)  # ``ending`` expires
        await command(aapi, station, "send_local_list", {"update_type": "differential"})
        changes = {
            e["idTag"]: e for e in (await cp.next_call("SendLocalList"))["localAuthorizationList"]
        }
        assert changes[ending]["idTagInfo"]["status"] == "Expired"
        assert past not in changes  # already known as Expired
        assert cp.local_list[ending] is not None
        assert cp.local_list[ending]["status"] == "Expired"


async def test_201_expired_tokens_are_listed_as_expired(
    server: RunningServer, aapi: httpx.AsyncClient, ids: Ids
) -> None:
    station = ids.station()
    past, future = ids.tag("PAST"), ids.tag("FUT")
    await token(aapi, past, expires_at=later(-60))
    await token(aapi, future, expires_at=later(60))
    async with online201(server, aapi, station) as cp:
        assert (await cp.authorize(past)).id_token_info["status"] == "Expired"
        await command(aapi, station, "send_local_list", {"update_type": "full"})
        request = await cp.next_call("SendLocalList")
        sent = {e["idToken"]["idToken"]: e for e in request["localAuthorizationList"]}
        assert sent[past]["idTokenInfo"]["status"] == "Expired"
        assert sent[future]["idTokenInfo"]["status"] == "Accepted"
