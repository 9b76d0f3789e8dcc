"""Remote start, checked before it is sent and followed after, through the REST API and real
OCPP 1.6 and 2.0.1 clients over WebSockets, on both databases:

- a token the station's start would be refused for is refused with a 422 naming ``id_tag``,
  and nothing reaches the station (an unknown token only goes when the caller says so);
- a 2.0.1 session that names the remote start (remoteStartId) but no token is charged to the
  token Kilowatt asked for, so it has its driver;
- the command records what came of its session: started (with the session), refused by
  Kilowatt (with the status, ConcurrentTx for a card already charging elsewhere), or none
  within its window.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from tests.conftest import Ids
from tests.support.commands import (
    async_api,
    command,
    eventually,
    get_command,
    online16,
    online201,
    post,
    refused_command,
    register,
    station_commands,
    token,
    transactions,
)
from tests.support.ocpp16 import charge_point
from tests.support.server import RunningServer

Json = dict[str, Any]


@pytest.fixture
async def aapi(server: RunningServer) -> AsyncIterator[httpx.AsyncClient]:
    async with async_api(server) as client:
        yield client


async def driver(aapi: httpx.AsyncClient, ids: Ids, tag: str) -> str:
    """A driver holding the token ``tag``; returns the driver's name."""
    name = f"Driver {ids.suffix}"
    made = await aapi.post("/drivers", json={"email": f"d-{ids.suffix}@example.com", "name": name})
    assert made.status_code == 201, made.text
    await token(aapi, tag, driver_id=made.json()["id"])
    return name


async def start_of(aapi: httpx.AsyncClient, command_id: int, outcome: str) -> Json:
    """The command once its session's outcome is ``outcome`` (polled)."""
    found = await eventually(
        lambda: get_command(aapi, command_id),
        lambda c: (c.get("start") or {}).get("outcome") == outcome,
    )
    assert (found.get("start") or {}).get("outcome") == outcome, found
    return found


# Checked before it is sent --------------------------------------------------------------------


async def test_a_token_the_start_would_be_refused_for_is_refused_and_nothing_is_sent(
    server: RunningServer, aapi: httpx.AsyncClient, ids: Ids
) -> None:
    station, private = ids.station(), ids.station("PRIV")
    good, blocked, expired = ids.tag("OK"), ids.tag("BLK"), ids.tag("EXP")
    busy, unknown = ids.tag("BUSY"), ids.tag("WHO")
    await token(aapi, good)
    await token(aapi, blocked, status="Blocked")
    past = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    await token(aapi, expired, expires_at=past)
    await token(aapi, busy)
    await register(aapi, private, access="private")
    async with online16(server, aapi, station) as cp:
        charging = await cp.start_tx(2, busy, 0)
        assert charging.id_tag_info["status"] == "Accepted"

        cases = [
            (unknown, "is not a token of this organization"),
            (blocked, "is blocked"),
            (expired, "has expired"),
            (busy, f"is already charging (transaction {charging.transaction_id} at {station}"),
        ]
        for tag, words in cases:
            error = await refused_command(
                aapi, station, "remote_start", {"id_tag": tag, "evse_id": 1}, "id_tag"
            )
            assert words in error["detail"], error
        # No access rule lets anyone charge at a private station.
        response = await post(aapi, private, "remote_start", {"id_tag": good})
        assert response.status_code == 422, response.text
        assert response.json()["fields"][0]["field"] == "id_tag"
        assert "may not charge at this station" in response.json()["detail"]
        assert cp.actions() == []

        # An unknown token goes when the caller says so; a known, free one always.
        sent = await command(
            aapi, station, "remote_start", {"id_tag": unknown, "evse_id": 1, "allow_unknown": True}
        )
        assert sent["params"]["allow_unknown"] is True
        assert await cp.next_call("RemoteStartTransaction") == {"idTag": unknown, "connectorId": 1}
        await command(aapi, station, "remote_start", {"id_tag": good, "evse_id": 1})
        assert await cp.next_call("RemoteStartTransaction") == {"idTag": good, "connectorId": 1}
        # allow_unknown never lets a refused token through.
        await refused_command(
            aapi,
            station,
            "remote_start",
            {"id_tag": blocked, "evse_id": 1, "allow_unknown": True},
            "id_tag",
        )


async def test_a_201_no_authorization_start_is_not_checked(
    server: RunningServer, aapi: httpx.AsyncClient, ids: Ids
) -> None:
    station = ids.station()
    async with online201(server, aapi, station) as cp:
        body = {"id_tag": "free", "id_token_type": "NoAuthorization", "evse_id": 1}
        done = await command(aapi, station, "remote_start", body)
        request = await cp.next_call("RequestStartTransaction")
        assert request["idToken"] == {"idToken": "free", "type": "NoAuthorization"}
        assert done["start"]["outcome"] == "waiting"


# 2.0.1: the session takes the remote start's token ----------------------------------------------


async def test_a_201_session_naming_its_remote_start_but_no_token_is_charged_to_its_token(
    server: RunningServer, aapi: httpx.AsyncClient, ids: Ids
) -> None:
    station, third, tag = ids.station(), ids.station("THIRD"), ids.tag()
    tx_ref, stray_ref = f"tx-{ids.suffix}", f"stray-{ids.suffix}"
    name = await driver(aapi, ids, tag)
    async with online201(server, aapi, station) as cp:
        started = await command(aapi, station, "remote_start", {"id_tag": tag, "evse_id": 1})
        assert (await cp.next_call("RequestStartTransaction"))["remoteStartId"] == started["id"]

        # The station starts as asked and names the command, not the token.
        answer = await cp.transaction_event(
            "Started",
            tx_ref,
            0,
            "RemoteStart",
            meter_wh=1000,
            remote_start_id=started["id"],
            charging_state="Charging",
        )
        assert answer.id_token_info is None
        [opened] = await transactions(aapi, station)
        assert (opened["id_tag"], opened["auth_status"], opened["flags"]) == (
            tag,
            "Accepted",
            [],
        )
        assert opened["remote_start_id"] == started["id"]
        by_driver = await aapi.get("/transactions", params={"driver": name})
        assert [t["id"] for t in by_driver.json()["items"]] == [opened["id"]]
        done = await start_of(aapi, started["id"], "started")
        assert done["start"]["transaction_id"] == opened["id"]
        assert done["start"]["detail"] == f"session {opened['id']} started"

        # A token the station names later decides as before: the session keeps its own.
        later = await cp.transaction_event("Updated", tx_ref, 1, "Authorized", id_token=tag)
        assert later.id_token_info["status"] == "Accepted"
        assert (await transactions(aapi, station))[0]["id_tag"] == tag

    # A remoteStartId that names a command of another station gives no token.
    async with online201(server, aapi, third) as stranger:
        await stranger.transaction_event(
            "Started", stray_ref, 0, "RemoteStart", meter_wh=0, remote_start_id=started["id"]
        )
        [stray] = await transactions(aapi, third)
        assert (stray["id_tag"], stray["remote_start_id"]) == ("", started["id"])


# What came of the session ---------------------------------------------------------------------


async def test_a_16_remote_start_records_the_session_it_began(
    server: RunningServer, aapi: httpx.AsyncClient, ids: Ids
) -> None:
    station, tag = ids.station(), ids.tag()
    await token(aapi, tag)
    async with online16(server, aapi, station) as cp:
        started = await command(aapi, station, "remote_start", {"id_tag": tag, "evse_id": 1})
        assert started["start"]["outcome"] == "waiting"
        assert started["start"]["window"] == 120
        assert started["start"]["deadline"] is not None
        assert started["start"]["transaction_id"] is None

        # The same card on another connector is not the session it asked for...
        other = await cp.start_tx(2, tag, 0)
        assert other.id_tag_info["status"] == "Accepted"
        assert (await get_command(aapi, started["id"]))["start"]["outcome"] == "waiting"
        await cp.stop_tx(other.transaction_id, 10)
        # ...this one is.
        answer = await cp.start_tx(1, tag.lower(), 1000)
        assert answer.id_tag_info["status"] == "Accepted"
        done = await start_of(aapi, started["id"], "started")
        assert done["start"]["transaction_id"] == answer.transaction_id
        assert done["start"]["authorization_status"] == "Accepted"

        # A command the station refuses has no session to wait for.
        cp.answers["RemoteStartTransaction"] = "Rejected"
        refused = await command(
            aapi,
            station,
            "remote_start",
            {"id_tag": ids.tag("X"), "evse_id": 2, "allow_unknown": True},
            status="rejected",
        )
        assert refused["start"] is None


async def test_a_16_start_refused_for_a_card_already_charging_is_told_on_the_command(
    server: RunningServer, aapi: httpx.AsyncClient, ids: Ids
) -> None:
    """The issue's case: the station accepts the remote start, the driver's card begins a
    session elsewhere meanwhile, and the station's own start is refused (ConcurrentTx)."""
    station, tag = ids.station(), ids.tag()
    await token(aapi, tag)
    async with online16(server, aapi, station) as cp:
        started = await command(aapi, station, "remote_start", {"id_tag": tag, "evse_id": 1})
        await cp.next_call("RemoteStartTransaction")
        elsewhere = await cp.start_tx(2, tag, 0)
        assert elsewhere.id_tag_info["status"] == "Accepted"
        answer = await cp.start_tx(1, tag, 500)
        assert answer.id_tag_info["status"] == "ConcurrentTx"
        done = await start_of(aapi, started["id"], "refused")
        assert done["status"] == "accepted"
        assert (done["start"]["transaction_id"], done["start"]["authorization_status"]) == (
            answer.transaction_id,
            "ConcurrentTx",
        )
        assert "refused the token (ConcurrentTx): it is already charging" in done["start"]["detail"]


async def test_a_201_start_refused_for_a_card_already_charging_is_told_on_the_command(
    server: RunningServer, aapi: httpx.AsyncClient, ids: Ids
) -> None:
    station, tag = ids.station(), ids.tag()
    await token(aapi, tag)
    async with online201(server, aapi, station) as cp:
        started = await command(aapi, station, "remote_start", {"id_tag": tag, "evse_id": 1})
        await cp.next_call("RequestStartTransaction")
        first = await cp.transaction_event(
            "Started", f"a-{ids.suffix}", 0, "Authorized", meter_wh=0, id_token=tag, evse=2
        )
        assert first.id_token_info["status"] == "Accepted"
        await cp.transaction_event(
            "Started",
            f"b-{ids.suffix}",
            0,
            "RemoteStart",
            meter_wh=0,
            remote_start_id=started["id"],
            evse=1,
        )
        done = await start_of(aapi, started["id"], "refused")
        session = next(
            t
            for t in await transactions(aapi, station)
            if t["ocpp_transaction_id"] == f"b-{ids.suffix}"
        )
        assert (done["start"]["transaction_id"], done["start"]["authorization_status"]) == (
            session["id"],
            "ConcurrentTx",
        )
        assert (session["id_tag"], session["auth_status"]) == (tag, "ConcurrentTx")
        assert "not_authorized" in session["flags"]


async def test_no_session_within_the_window_is_told_and_a_late_one_only_when_named(
    server: RunningServer, aapi: httpx.AsyncClient, ids: Ids
) -> None:
    tag, station16, station201 = ids.tag(), ids.station("V16"), ids.station("V201")
    await token(aapi, tag)
    body = {"id_tag": tag, "evse_id": 1, "start_window": 1}
    async with online16(server, aapi, station16) as cp:
        started = await command(aapi, station16, "remote_start", body)
        assert started["start"]["window"] == 1
        missed = await start_of(aapi, started["id"], "not_started")
        assert missed["start"]["detail"] == "no session started within 1 s"
        # A 1.6 session cannot name the command: once the window closed it is not the one.
        late = await cp.start_tx(1, tag, 0)
        await cp.stop_tx(late.transaction_id, 10)
        assert (await get_command(aapi, started["id"]))["start"]["outcome"] == "not_started"
    async with online201(server, aapi, station201) as cs:
        started = await command(aapi, station201, "remote_start", body)
        await start_of(aapi, started["id"], "not_started")
        # A 2.0.1 session names it: late, it is still its session.
        await cs.transaction_event(
            "Started", f"late-{ids.suffix}", 0, "RemoteStart", remote_start_id=started["id"]
        )
        done = await start_of(aapi, started["id"], "started")
        assert done["start"]["transaction_id"] == (await transactions(aapi, station201))[0]["id"]
    listed = await station_commands(aapi, station201)
    assert listed["items"][0]["start"]["outcome"] == "started"


async def test_the_window_is_bounded(
    server: RunningServer, aapi: httpx.AsyncClient, ids: Ids
) -> None:
    station, tag = ids.station(), ids.tag()
    await token(aapi, tag)
    await register(aapi, station)
    async with charge_point(server.ocpp_url, station) as cp:
        assert (await cp.boot()).status == "Accepted"
        for window, words in ((0, "greater than 0"), (3601, "less than or equal to 3600")):
            response = await post(
                aapi, station, "remote_start", {"id_tag": tag, "start_window": window}
            )
            assert response.status_code == 422, response.text
            [field] = response.json()["fields"]
            assert field["field"] == "start_window"
            assert words in field["message"], field
        assert cp.actions() == []
