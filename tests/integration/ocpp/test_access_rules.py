"""Access rules through real OCPP connections, both protocol versions: what Authorize and a
transaction start are answered at public and private sites and stations, in time windows of
the site's own time zone (far from UTC, across midnight), what is recorded when a start is
refused, and what the local authorization list holds."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from tests.conftest import Ids
from tests.support.commands import async_api, command
from tests.support.ocpp16 import TestChargePoint, charge_point
from tests.support.ocpp16 import iso as iso16
from tests.support.ocpp201 import TestChargePoint201, charge_point201
from tests.support.server import RunningServer

Json = dict[str, Any]
VERSIONS = ["1.6", "2.0.1"]
DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
# Far from UTC and without clock changes: at any moment one of them is between 02:00 and 20:00,
# which leaves room for windows an hour or more away from now and from midnight. (Without
# Bogotá, 11:00-13:00 UTC found none, and the tests failed at that hour.)
FAR_ZONES = ["Pacific/Kiritimati", "Asia/Tokyo", "Pacific/Pago_Pago", "America/Bogota"]


@pytest.fixture
async def aapi(server: RunningServer) -> AsyncIterator[httpx.AsyncClient]:
    async with async_api(server) as client:
        yield client


def heard(version: str, status: str) -> str:
    """What a station of ``version`` is told for a version-neutral status: 1.6 has neither
    NotAtThisLocation nor NotAtThisTime, and hears Invalid."""
    if version == "1.6" and status in ("NotAtThisLocation", "NotAtThisTime", "Unknown"):
        return "Invalid"
    return status


def parse(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


async def made(response: httpx.Response) -> Json:
    assert response.status_code == 201, response.text
    body: Json = response.json()
    return body


@dataclass
class Answer:
    status: str
    expires_at: datetime | None
    group: str | None


class Station:
    """One connected station of either version, asked the same questions."""

    def __init__(self, version: str, cp: TestChargePoint | TestChargePoint201) -> None:
        self.version = version
        self.cp = cp

    @staticmethod
    def _answer16(info: Json) -> Answer:
        expiry = info.get("expiry_date")
        return Answer(info["status"], parse(expiry) if expiry else None, info.get("parent_id_tag"))

    @staticmethod
    def _answer201(info: Json) -> Answer:
        expiry = info.get("cache_expiry_date_time")
        group = info.get("group_id_token")
        return Answer(
            info["status"], parse(expiry) if expiry else None, group["id_token"] if group else None
        )

    async def authorize(self, tag: str) -> Answer:
        if isinstance(self.cp, TestChargePoint):
            return self._answer16((await self.cp.authorize(tag)).id_tag_info)
        return self._answer201((await self.cp.authorize(tag)).id_token_info)

    async def start(self, tag: str, connector: int = 1) -> tuple[Answer, str]:
        """Start a transaction with ``tag`` and stop it again (so that the tag is free for the
        next start); the start's answer and the transaction's 1.6 id or 2.0.1 id."""
        if isinstance(self.cp, TestChargePoint):
            started = await self.cp.start_tx(connector, tag, 1_000)
            stopped = await self.cp.stop_tx(started.transaction_id, 1_500, id_tag=tag)
            # Presenting the card to stop is never refused for the place or the time.
            assert stopped.id_tag_info["status"] == "Accepted"
            return self._answer16(started.id_tag_info), str(started.transaction_id)
        tx_id = str(uuid.uuid4())
        now = iso16()
        started = await self.cp.transaction_event(
            "Started", tx_id, 0, "Authorized", meter_wh=1_000, id_token=tag, timestamp=now,
            evse=connector,
        )  # fmt: skip
        await self.cp.transaction_event(
            "Ended", tx_id, 1, "StopAuthorized", meter_wh=1_500, timestamp=now, evse=connector,
            stopped_reason="Local",
        )  # fmt: skip
        return self._answer201(started.id_token_info), tx_id


@contextlib.asynccontextmanager
async def connected(server: RunningServer, version: str, ocpp_id: str) -> AsyncIterator[Station]:
    if version == "1.6":
        async with charge_point(server.ocpp_url, ocpp_id) as cp16:
            assert (await cp16.boot()).status == "Accepted"
            yield Station(version, cp16)
    else:
        async with charge_point201(server.ocpp_url, ocpp_id) as cp201:
            assert (await cp201.boot()).status == "Accepted"
            yield Station(version, cp201)


class Place:
    """Sites, stations, groups, tokens and rules of one test, made through the REST API."""

    def __init__(self, aapi: httpx.AsyncClient, ids: Ids) -> None:
        self.aapi = aapi
        self.ids = ids
        self.count = 0

    def name(self, prefix: str) -> str:
        self.count += 1
        return f"{prefix}{self.count}{self.ids.suffix}"

    async def site(self, access: str = "private", timezone: str = "UTC") -> int:
        body = {"name": self.name("Site "), "access": access, "timezone": timezone}
        return int((await made(await self.aapi.post("/sites", json=body)))["id"])

    async def station(self, site_id: int | None = None, access: str | None = None) -> str:
        ocpp_id = self.name("CP-")
        body: Json = {
            "ocpp_id": ocpp_id,
            "connectors": [{"evse_id": 1}, {"evse_id": 2}],
            "security_profile": 0,
        }
        if site_id is not None:
            body["site_id"] = site_id
        if access is not None:
            body["access"] = access
        await made(await self.aapi.post("/stations", json=body))
        return ocpp_id

    async def group(self) -> Json:
        body = {"name": self.name("Group "), "kind": "company", "parent_id_tag": self.name("P")}
        return await made(await self.aapi.post("/token-groups", json=body))

    async def token(self, group: Json | None = None, **fields: Any) -> str:
        value = self.name("T")[:20]
        body: Json = {"value": value, **fields}
        if group is not None:
            body["token_group_id"] = group["id"]
        await made(await self.aapi.post("/id-tokens", json=body))
        return value

    async def rule(self, group: Json, *, windows: list[Json] | None = None, **place: Any) -> Json:
        body = {"token_group_id": group["id"], "windows": windows or [], **place}
        return await made(await self.aapi.post("/access-rules", json=body))

    async def transaction(self, version: str, station: str, tx_id: str) -> Json:
        if version == "1.6":
            response = await self.aapi.get(f"/transactions/{tx_id}")
            assert response.status_code == 200, response.text
            body: Json = response.json()
            return body
        found = await self.aapi.get("/transactions", params={"station_id": station, "limit": 500})
        matches = [t for t in found.json()["items"] if t["ocpp_transaction_id"] == tx_id]
        assert len(matches) == 1, found.text
        return matches[0]


@pytest.fixture
def place(aapi: httpx.AsyncClient, ids: Ids) -> Place:
    return Place(aapi, ids)


# Public and private ----------------------------------------------------------------------------


@pytest.mark.parametrize("version", VERSIONS)
async def test_a_public_site_lets_every_valid_token_charge(
    server: RunningServer, place: Place, version: str
) -> None:
    site = await place.site(access="public")
    station = await place.station(site)
    group = await place.group()
    lone, member = await place.token(), await place.token(group)
    blocked = await place.token(status="Blocked")
    async with connected(server, version, station) as cp:
        for tag in (lone, member):
            assert (await cp.authorize(tag)).status == "Accepted"
            assert (await cp.start(tag))[0].status == "Accepted"
        assert (await cp.authorize(blocked)).status == "Blocked"
        member_answer = await cp.authorize(member)
    assert member_answer.group == group["parent_id_tag"]


@pytest.mark.parametrize("version", VERSIONS)
async def test_a_private_site_lets_only_the_granted_groups_charge(
    server: RunningServer, place: Place, version: str
) -> None:
    site = await place.site()
    station = await place.station(site)
    granted, other = await place.group(), await place.group()
    await place.rule(granted, site_id=site)
    member, outsider, lone = (
        await place.token(granted),
        await place.token(other),
        await place.token(),
    )
    blocked_member = await place.token(granted, status="Blocked")
    refused = heard(version, "NotAtThisLocation")
    async with connected(server, version, station) as cp:
        allowed = await cp.authorize(member)
        assert (allowed.status, allowed.group) == ("Accepted", granted["parent_id_tag"])
        assert allowed.expires_at is None
        assert (await cp.start(member))[0].status == "Accepted"
        for tag in (outsider, lone):
            answer = await cp.authorize(tag)
            assert answer.status == refused
            assert answer.expires_at is None
        # A blocked card is told it is blocked, whatever the rules say.
        assert (await cp.authorize(blocked_member)).status == "Blocked"
        # The refused start is still a transaction, recorded and flagged.
        started, tx_id = await cp.start(outsider)
        assert started.status == refused
    transaction = await place.transaction(version, station, tx_id)
    assert transaction["auth_status"] == "NotAtThisLocation"
    assert transaction["flags"] == ["not_authorized"]
    assert transaction["id_tag"] == outsider


@pytest.mark.parametrize("version", VERSIONS)
async def test_a_station_rule_grants_that_station_only(
    server: RunningServer, place: Place, version: str
) -> None:
    site = await place.site()
    first, second = await place.station(site), await place.station(site)
    group = await place.group()
    await place.rule(group, station_id=first)
    member = await place.token(group)
    async with connected(server, version, first) as cp:
        assert (await cp.authorize(member)).status == "Accepted"
        assert (await cp.start(member))[0].status == "Accepted"
    async with connected(server, version, second) as cp:
        assert (await cp.authorize(member)).status == heard(version, "NotAtThisLocation")
        assert (await cp.start(member))[0].status == heard(version, "NotAtThisLocation")


@pytest.mark.parametrize("version", VERSIONS)
async def test_a_station_may_be_private_at_a_public_site_and_back(
    server: RunningServer, place: Place, aapi: httpx.AsyncClient, version: str
) -> None:
    site = await place.site(access="public")
    open_station, own_station = await place.station(site), await place.station(site, "private")
    lone = await place.token()
    async with connected(server, version, open_station) as cp:
        assert (await cp.authorize(lone)).status == "Accepted"
    async with connected(server, version, own_station) as cp:
        assert (await cp.authorize(lone)).status == heard(version, "NotAtThisLocation")
        # Following its site again (null), it is public with it.
        patched = await aapi.patch(f"/stations/{own_station}", json={"access": None})
        assert patched.status_code == 200, patched.text
        assert patched.json()["access"] is None
        assert (await cp.authorize(lone)).status == "Accepted"
        # And private with it.
        site_patch = await aapi.patch(f"/sites/{site}", json={"access": "private"})
        assert site_patch.json()["access"] == "private"
        assert (await cp.authorize(lone)).status == heard(version, "NotAtThisLocation")


# Time windows in the site's time zone ------------------------------------------------------------


@dataclass(frozen=True)
class LocalNow:
    zone: ZoneInfo
    moment: datetime
    """Local wall-clock time now, between 02:00 and 20:00."""

    @property
    def today(self) -> str:
        return DAYS[self.moment.weekday()]

    @property
    def yesterday(self) -> str:
        return DAYS[(self.moment.weekday() - 1) % 7]

    def clock(self, hours: float) -> str:
        return (self.moment + timedelta(hours=hours)).strftime("%H:%M")

    def instant(self, day: date, clock: str) -> datetime:
        return datetime.combine(day, time.fromisoformat(clock), self.zone).astimezone(UTC)


def far_local_now() -> LocalNow:
    for name in FAR_ZONES:
        zone = ZoneInfo(name)
        moment = datetime.now(zone).replace(second=0, microsecond=0)
        if time(2, 0) <= moment.time() <= time(20, 0):
            return LocalNow(zone, moment)
    raise AssertionError("no zone between 02:00 and 20:00")  # impossible with FAR_ZONES


@pytest.mark.parametrize("version", VERSIONS)
async def test_time_windows_follow_the_sites_clock(
    server: RunningServer, place: Place, version: str
) -> None:
    local = far_local_now()
    site = await place.site(timezone=str(local.zone.key))
    station = await place.station(site)
    open_now, closed_now, elsewhere = await place.group(), await place.group(), await place.group()
    hour_ago_to_hour_on = {"days": DAYS, "start": local.clock(-1), "end": local.clock(1)}
    in_two_hours = {"days": DAYS, "start": local.clock(2), "end": local.clock(4)}
    await place.rule(open_now, site_id=site, windows=[hour_ago_to_hour_on])
    await place.rule(closed_now, site_id=site, windows=[in_two_hours])
    other_site = await place.site()
    await place.rule(elsewhere, site_id=other_site)
    inside, outside, stranger = (
        await place.token(open_now),
        await place.token(closed_now),
        await place.token(elsewhere),
    )
    today = local.moment.date()
    async with connected(server, version, station) as cp:
        allowed = await cp.authorize(inside)
        assert allowed.status == "Accepted"
        # The station may keep the answer until the window closes.
        assert allowed.expires_at == local.instant(today, local.clock(1))
        assert (await cp.start(inside))[0].status == "Accepted"

        later_answer = await cp.authorize(outside)
        assert later_answer.status == heard(version, "NotAtThisTime")
        # ...and the refusal until it opens.
        assert later_answer.expires_at == local.instant(today, local.clock(2))
        started, tx_id = await cp.start(outside)
        assert started.status == heard(version, "NotAtThisTime")

        assert (await cp.authorize(stranger)).status == heard(version, "NotAtThisLocation")
    transaction = await place.transaction(version, station, tx_id)
    assert (transaction["auth_status"], transaction["flags"]) == (
        "NotAtThisTime",
        ["not_authorized"],
    )


@pytest.mark.parametrize("version", VERSIONS)
async def test_a_window_crossing_midnight_is_open_the_next_morning(
    server: RunningServer, place: Place, version: str
) -> None:
    local = far_local_now()
    site = await place.site(timezone=str(local.zone.key))
    station = await place.station(site)
    since_last_night, from_tonight = await place.group(), await place.group()
    # Opened yesterday at 22:00 (local) and still open until an hour from now.
    await place.rule(
        since_last_night,
        site_id=site,
        windows=[{"days": [local.yesterday], "start": "22:00", "end": local.clock(1)}],
    )
    # Opens tonight at 22:00: its morning part is tomorrow's, not today's.
    await place.rule(
        from_tonight,
        site_id=site,
        windows=[{"days": [local.today], "start": "22:00", "end": local.clock(1)}],
    )
    night_owl, early_bird = await place.token(since_last_night), await place.token(from_tonight)
    today = local.moment.date()
    async with connected(server, version, station) as cp:
        allowed = await cp.authorize(night_owl)
        assert allowed.status == "Accepted"
        assert allowed.expires_at == local.instant(today, local.clock(1))
        refused = await cp.authorize(early_bird)
        assert refused.status == heard(version, "NotAtThisTime")
        assert refused.expires_at == local.instant(today, "22:00")
        assert (await cp.start(night_owl))[0].status == "Accepted"
        assert (await cp.start(early_bird))[0].status == heard(version, "NotAtThisTime")


async def test_a_session_started_in_a_window_is_not_cut_when_access_ends(
    server: RunningServer, place: Place, aapi: httpx.AsyncClient
) -> None:
    """2.0.1: a later TransactionEvent with the driver's token is answered by the token's state
    only; the access rules decided the start."""
    site = await place.site()
    station = await place.station(site)
    group = await place.group()
    rule = await place.rule(group, site_id=site)
    member = await place.token(group)
    tx_id = str(uuid.uuid4())
    async with connected(server, "2.0.1", station) as cp:
        assert isinstance(cp.cp, TestChargePoint201)
        started = await cp.cp.transaction_event(
            "Started", tx_id, 0, "Authorized", meter_wh=0, id_token=member
        )
        assert started.id_token_info["status"] == "Accepted"
        assert (await aapi.delete(f"/access-rules/{rule['id']}")).status_code == 204
        assert (await cp.authorize(member)).status == "NotAtThisLocation"
        ended = await cp.cp.transaction_event(
            "Ended", tx_id, 1, "StopAuthorized", meter_wh=500, id_token=member,
            stopped_reason="Local",
        )  # fmt: skip
        assert ended.id_token_info["status"] == "Accepted"
    transaction = await place.transaction("2.0.1", station, tx_id)
    assert (transaction["auth_status"], transaction["flags"]) == ("Accepted", [])


# What an operator may ask -------------------------------------------------------------------------


async def test_the_access_check_tells_what_a_station_would_hear(
    server: RunningServer, place: Place, aapi: httpx.AsyncClient
) -> None:
    site = await place.site()
    station = await place.station(site)
    group = await place.group()
    await place.rule(group, station_id=station)
    member, lone = await place.token(group), await place.token()

    async def check(tag: str) -> Json:
        response = await aapi.post(f"/stations/{station}/access-check", json={"id_tag": tag})
        assert response.status_code == 200, response.text
        body: Json = response.json()
        return body

    assert await check(member) == {
        "status": "Accepted",
        "expires_at": None,
        "group_id": group["parent_id_tag"],
    }
    assert (await check(lone))["status"] == "NotAtThisLocation"
    assert (await check("NOBODY" + place.ids.suffix))["status"] == "Unknown"
    missing = await aapi.post("/stations/NO-SUCH-CP/access-check", json={"id_tag": member})
    assert missing.status_code == 404


# The local authorization list -------------------------------------------------------------------


def listed(request: Json, version: str) -> dict[str, Json]:
    if version == "1.6":
        return {e["idTag"]: e.get("idTagInfo", {}) for e in request["localAuthorizationList"]}
    return {
        e["idToken"]["idToken"]: e.get("idTokenInfo", {}) for e in request["localAuthorizationList"]
    }


@pytest.mark.parametrize("version", VERSIONS)
async def test_the_local_list_holds_the_tokens_allowed_at_the_station(
    server: RunningServer, place: Place, aapi: httpx.AsyncClient, version: str
) -> None:
    site = await place.site()
    station, other_station = await place.station(site), await place.station(site)
    always, windowed, station_only, elsewhere = (
        await place.group(),
        await place.group(),
        await place.group(),
        await place.group(),
    )
    await place.rule(always, site_id=site)
    await place.rule(
        windowed, site_id=site, windows=[{"days": DAYS, "start": "00:00", "end": "00:00"}]
    )
    await place.rule(station_only, station_id=station)
    await place.rule(elsewhere, station_id=other_station)
    member = await place.token(always)
    blocked = await place.token(always, status="Blocked")
    await place.token(always, status="Invalid")
    at_times = await place.token(windowed)
    own = await place.token(station_only)
    await place.token(elsewhere)
    await place.token()
    request_action = "SendLocalList"
    async with connected(server, version, station) as cp:
        await command(aapi, station, "send_local_list", {"update_type": "full"})
        request = await cp.cp.next_call(request_action)
        sent = listed(request, version)
        assert set(sent) == {member, blocked, own}
        assert sent[blocked]["status"] == "Blocked"
        parent = {"1.6": "parentIdTag", "2.0.1": "groupIdToken"}[version]
        expected_parent: Any = always["parent_id_tag"]
        if version == "2.0.1":
            expected_parent = {"idToken": always["parent_id_tag"], "type": "Central"}
        assert sent[member][parent] == expected_parent

        # The windowed group's rule loses its windows: its token joins the list.
        rules = await aapi.get("/access-rules", params={"token_group_id": windowed["id"]})
        rule_id = rules.json()["items"][0]["id"]
        patched = await aapi.patch(f"/access-rules/{rule_id}", json={"windows": None})
        assert patched.status_code == 200, patched.text
        assert patched.json()["windows"] == []
        await command(aapi, station, "send_local_list", {"update_type": "differential"})
        request = await cp.cp.next_call(request_action)
        assert set(listed(request, version)) == {at_times}

        # A public station's list holds every valid token of the organization, ours too.
        patched = await aapi.patch(f"/sites/{site}", json={"access": "public"})
        assert patched.status_code == 200
        await command(aapi, station, "send_local_list", {"update_type": "full"})
        request = await cp.cp.next_call(request_action)
        assert {member, blocked, own, at_times} <= set(listed(request, version))
