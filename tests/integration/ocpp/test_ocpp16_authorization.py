"""OCPP 1.6 authorization: what Authorize and StartTransaction answer for each token state,
and what is recorded when a transaction starts with a token that may not charge."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from tests.conftest import Ids, create_token, register_station
from tests.support.ocpp16 import charge_point, iso
from tests.support.server import RunningServer

PAST = datetime.now(UTC) - timedelta(days=3)
RECENT = (datetime.now(UTC) - timedelta(hours=6)).replace(minute=0, second=0, microsecond=0)
"""A few hours ago: a live station's messages (a day older would be flagged as far in the past)."""
FUTURE = datetime(2031, 6, 30, 12, 0, tzinfo=UTC)


def parse(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def make_token(api: httpx.Client, tag: str, case: str) -> None:
    """Create the token a case needs ("unknown" creates none)."""
    fields: dict[str, Any] = {
        "accepted": {},
        "blocked": {"status": "Blocked"},
        "expired-status": {"status": "Expired"},
        "expired-date": {"expires_at": iso(PAST)},
        "invalid-status": {"status": "Invalid"},
    }.get(case, {})
    if case != "unknown":
        create_token(api, tag, **fields)


CASES = [
    ("accepted", "Accepted"),
    ("unknown", "Invalid"),
    ("blocked", "Blocked"),
    ("expired-status", "Expired"),
    ("expired-date", "Expired"),
    ("invalid-status", "Invalid"),
]


@pytest.mark.parametrize(("case", "expected"), CASES, ids=[c for c, _ in CASES])
async def test_authorize_answers_from_token_state(
    server: RunningServer, api: httpx.Client, ids: Ids, case: str, expected: str
) -> None:
    station, tag = ids.station(), ids.tag()
    register_station(api, station)
    make_token(api, tag, case)
    async with charge_point(server.ocpp_url, station) as cp:
        answer = await cp.authorize(tag)
    assert answer.id_tag_info["status"] == expected
    if case == "expired-date":
        assert parse(answer.id_tag_info["expiry_date"]) == PAST.replace(microsecond=0)
    if case == "unknown":
        assert set(answer.id_tag_info) == {"status"}


@pytest.mark.parametrize(("case", "expected"), CASES, ids=[c for c, _ in CASES])
async def test_start_transaction_answers_from_token_state(
    server: RunningServer, api: httpx.Client, ids: Ids, case: str, expected: str
) -> None:
    station, tag = ids.station(), ids.tag()
    register_station(api, station)
    make_token(api, tag, case)
    async with charge_point(server.ocpp_url, station) as cp:
        started = await cp.start_tx(1, tag, 5_000)
        # Refused or not, the station has begun a transaction and gets an id to stop it.
        assert isinstance(started.transaction_id, int)
        assert started.transaction_id > 0
        assert started.id_tag_info["status"] == expected
        stopped = await cp.stop_tx(started.transaction_id, 5_100, id_tag=tag)
        assert stopped.id_tag_info["status"] == expected

    tx = api.get(f"/transactions/{started.transaction_id}").json()
    assert tx["station_id"] == station
    assert tx["id_tag"] == tag
    # The API speaks version-neutral statuses: a tag nobody registered is "Unknown" there,
    # though OCPP 1.6, which has no such status, tells the station "Invalid".
    assert tx["auth_status"] == ("Unknown" if case == "unknown" else expected)
    assert tx["state"] == "completed"
    assert tx["energy_wh"] == 100
    if expected == "Accepted":
        assert tx["flags"] == []
    else:
        assert tx["flags"] == ["not_authorized"]
    flagged = api.get("/transactions", params={"station_id": station, "flagged": "true"})
    assert [t["id"] for t in flagged.json()["items"]] == (
        [] if expected == "Accepted" else [started.transaction_id]
    )


async def test_concurrent_tx_only_for_start_transaction(
    server: RunningServer, api: httpx.Client, ids: Ids
) -> None:
    station, other_station, tag = ids.station(), ids.station("CP2"), ids.tag()
    register_station(api, station)
    register_station(api, other_station)
    create_token(api, tag)
    async with (
        charge_point(server.ocpp_url, station) as cp,
        charge_point(server.ocpp_url, other_station) as cp2,
    ):
        first = await cp.start_tx(1, tag, 1_000)
        assert first.id_tag_info["status"] == "Accepted"

        # Authorize never answers ConcurrentTx (1.6: only relevant for StartTransaction.req).
        authorized = await cp.authorize(tag)
        assert authorized.id_tag_info["status"] == "Accepted"

        second = await cp.start_tx(2, tag, 2_000)
        assert second.id_tag_info["status"] == "ConcurrentTx"
        assert isinstance(second.transaction_id, int)
        assert second.transaction_id != first.transaction_id

        elsewhere = await cp2.start_tx(1, tag, 3_000)
        assert elsewhere.id_tag_info["status"] == "ConcurrentTx"

        # Presenting the card to stop is still fine, and afterwards it may start again.
        stopped = await cp.stop_tx(first.transaction_id, 1_500, id_tag=tag)
        assert stopped.id_tag_info["status"] == "Accepted"
        await cp.stop_tx(second.transaction_id, 2_000, id_tag=tag)
        await cp2.stop_tx(elsewhere.transaction_id, 3_000, id_tag=tag)
        again = await cp.start_tx(1, tag, 1_500)
        assert again.id_tag_info["status"] == "Accepted"

    concurrent = api.get(f"/transactions/{second.transaction_id}").json()
    assert concurrent["auth_status"] == "ConcurrentTx"
    assert concurrent["flags"] == ["not_authorized"]
    assert api.get(f"/transactions/{first.transaction_id}").json()["flags"] == []
    assert api.get(f"/transactions/{again.transaction_id}").json()["flags"] == []


async def test_concurrent_tx_ignores_id_tag_case(
    server: RunningServer, api: httpx.Client, ids: Ids
) -> None:
    station, tag = ids.station(), ids.tag("case")
    register_station(api, station)
    create_token(api, tag)
    async with charge_point(server.ocpp_url, station) as cp:
        first = await cp.start_tx(1, tag, 1_000)
        assert first.id_tag_info["status"] == "Accepted"
        authorized = await cp.authorize(tag.upper())
        assert authorized.id_tag_info["status"] == "Accepted"  # the same token
        second = await cp.start_tx(2, tag.upper(), 2_000)
        assert second.id_tag_info["status"] == "ConcurrentTx"


async def test_same_tag_restarting_on_connector_after_lost_stop_is_accepted(
    server: RunningServer, api: httpx.Client, ids: Ids
) -> None:
    station, tag = ids.station(), ids.tag()
    register_station(api, station)
    create_token(api, tag)
    async with charge_point(server.ocpp_url, station) as cp:
        first = await cp.start_tx(1, tag, 1_000, iso(RECENT))
        assert first.id_tag_info["status"] == "Accepted"
        # The station rebooted and lost the stop; the same driver starts again on connector 1.
        again = await cp.start_tx(1, tag, 1_800, iso(RECENT + timedelta(hours=1)))
        assert again.id_tag_info["status"] == "Accepted"
    assert api.get(f"/transactions/{first.transaction_id}").json()["flags"] == ["no_stop_received"]


async def test_parent_id_tag_and_expiry_date_in_id_tag_info(
    server: RunningServer, api: httpx.Client, ids: Ids
) -> None:
    station, tag, group = ids.station(), ids.tag(), ids.tag("GRP")
    register_station(api, station)
    create_token(api, tag, group_id=group, expires_at=iso(FUTURE))
    async with charge_point(server.ocpp_url, station) as cp:
        authorized = await cp.authorize(tag)
        started = await cp.start_tx(1, tag, 0)
        stopped = await cp.stop_tx(started.transaction_id, 10, id_tag=tag)
    for info in (authorized.id_tag_info, started.id_tag_info, stopped.id_tag_info):
        assert info["status"] == "Accepted"
        assert info["parent_id_tag"] == group
        assert parse(info["expiry_date"]) == FUTURE


async def test_id_tag_info_without_group_or_expiry_has_status_only(
    server: RunningServer, api: httpx.Client, ids: Ids
) -> None:
    station, tag = ids.station(), ids.tag()
    register_station(api, station)
    create_token(api, tag)
    async with charge_point(server.ocpp_url, station) as cp:
        authorized = await cp.authorize(tag)
    assert authorized.id_tag_info == {"status": "Accepted"}


async def test_blocked_token_keeps_its_parent_id_tag(
    server: RunningServer, api: httpx.Client, ids: Ids
) -> None:
    station, tag, group = ids.station(), ids.tag(), ids.tag("GRP")
    register_station(api, station)
    create_token(api, tag, group_id=group, status="Blocked")
    async with charge_point(server.ocpp_url, station) as cp:
        authorized = await cp.authorize(tag)
    assert authorized.id_tag_info["status"] == "Blocked"
    assert authorized.id_tag_info["parent_id_tag"] == group


async def test_token_changes_apply_to_the_next_authorize(
    server: RunningServer, api: httpx.Client, ids: Ids
) -> None:
    station, tag = ids.station(), ids.tag()
    register_station(api, station)
    token = create_token(api, tag)
    async with charge_point(server.ocpp_url, station) as cp:
        assert (await cp.authorize(tag)).id_tag_info["status"] == "Accepted"
        blocked = api.patch(f"/id-tokens/{token['id']}", json={"status": "Blocked"})
        assert blocked.status_code == 200, blocked.text
        assert (await cp.authorize(tag)).id_tag_info["status"] == "Blocked"
        # id tags are case-insensitive in 1.6 (CiString20Type).
        assert (await cp.authorize(tag.lower())).id_tag_info["status"] == "Blocked"
