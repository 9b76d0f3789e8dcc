"""The connector page's remote start over HTTP, with real OCPP 1.6 stations: the token picker
(drivers and tokens found by name, email or value; those a start would be refused for shown but
not offered; a text nobody holds offered only as a token Kilowatt does not know), the form
error beside the token when Kilowatt will not send the start, and the session it waits for."""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from tests.conftest import Ids
from tests.integration.web.test_web_monitoring import visitor
from tests.support.commands import async_api, online16, token
from tests.support.server import RunningServer


@pytest.fixture
async def aapi(server: RunningServer) -> AsyncIterator[httpx.AsyncClient]:
    async with async_api(server) as client:
        yield client


async def driver(aapi: httpx.AsyncClient, name: str, email: str) -> int:
    made = await aapi.post("/drivers", json={"email": email, "name": name})
    assert made.status_code == 201, made.text
    driver_id: int = made.json()["id"]
    return driver_id


def radios(page: str) -> dict[str, bool]:
    """The picker's choices: token value → whether it may be picked."""
    found = re.findall(r'<input type="radio" name="id_tag" value="([^"]*)"[^>]*>', page)
    tags = re.findall(r'(<input type="radio" name="id_tag" value="[^"]*"[^>]*>)', page)
    return {
        html.unescape(value): " disabled" not in tag for value, tag in zip(found, tags, strict=True)
    }


def field_error(page: str) -> str:
    found = re.search(r'id="f-id_tag-error" class="field-error">([^<]*)<', page)
    assert found is not None, page
    return html.unescape(found.group(1))


async def test_the_picker_finds_drivers_and_tokens_and_shows_which_cannot_start(
    server: RunningServer, aapi: httpx.AsyncClient, ids: Ids
) -> None:
    station = ids.station()
    name, email = f"Ada Lovelace {ids.suffix}", f"ada-{ids.suffix.lower()}@example.com"
    owner = await driver(aapi, name, email)
    good, blocked, busy = ids.tag("GOOD"), ids.tag("BLK"), ids.tag("BUSY")
    await token(aapi, good, driver_id=owner, label="Blue card")
    await token(aapi, blocked, driver_id=owner, status="Blocked")
    await token(aapi, busy, driver_id=owner)
    operator = await visitor(server, aapi, "operator")
    technician = await visitor(server, aapi, "technician")
    base = f"/connectors/{station}/1/1"
    async with online16(server, aapi, station) as cp:
        await cp.start_tx(2, busy, 0)

        by_name = await operator.get(f"{base}/tokens", q=name.split()[1])
        assert by_name.status_code == 200, by_name.text
        assert radios(by_name.text) == {good: True, blocked: False, busy: False}
        for words in (name, email, "Blue card", "Blocked", "Already charging"):
            assert words in by_name.text
        assert 'id="token-unknown"' not in by_name.text

        by_email = await operator.get(f"{base}/tokens", q=email.upper()[:10])
        assert set(radios(by_email.text)) == {good, blocked, busy}
        by_value = await operator.get(f"{base}/tokens", q=good.lower())
        assert radios(by_value.text) == {good: True}

        # A text no token has is offered only as what it is.
        nobody = f"NOBODY{ids.suffix}"
        unknown = await operator.get(f"{base}/tokens", q=nobody)
        assert radios(unknown.text) == {nobody: True}
        assert 'id="no-choices"' in unknown.text
        assert f'name="unknown_tag" value="{nobody}"' in unknown.text
        assert "a token Kilowatt does not know" in unknown.text

        # Without scripts the page itself searches.
        page = await operator.get(base, q=good)
        assert radios(page.text) == {good: True}
        assert 'name="q"' in page.text

        # Driver names and emails need tokens:read: a technician types the token.
        plain = await technician.get(base)
        assert 'id="f-id_tag"' in plain.text
        assert 'name="allow_unknown"' in plain.text
        assert 'id="token-choices"' not in plain.text
        assert (await technician.get(f"{base}/tokens", q=name)).status_code == 403
    await operator.client.aclose()
    await technician.client.aclose()


async def test_a_start_kilowatt_would_refuse_is_not_sent_and_says_why_beside_the_token(
    server: RunningServer, aapi: httpx.AsyncClient, ids: Ids
) -> None:
    station = ids.station()
    good, blocked, busy, expired = ids.tag("GOOD"), ids.tag("BLK"), ids.tag("BUSY"), ids.tag("E")
    await token(aapi, good)
    await token(aapi, blocked, status="Blocked")
    await token(aapi, busy)
    await token(aapi, expired, expires_at=(datetime.now(UTC) - timedelta(hours=1)).isoformat())
    operator = await visitor(server, aapi, "operator")
    technician = await visitor(server, aapi, "technician")
    start = f"/connectors/{station}/1/1/commands/remote-start"
    async with online16(server, aapi, station) as cp:
        charging = await cp.start_tx(2, busy, 0)
        nobody = f"NOBODY{ids.suffix}"
        cases = [
            (blocked, "This token is blocked."),
            (expired, "This token has expired."),
            (
                busy,
                f"This token is already charging: session {charging.transaction_id} at "
                f"{station}, EVSE 2.",
            ),
            (nobody, "Kilowatt does not know this token."),
        ]
        for tag, words in cases:
            refused = await operator.post(start, {"id_tag": tag, "q": tag})
            assert refused.status_code == 422, refused.text
            assert field_error(refused.text).startswith(words), refused.text
            assert 'aria-describedby="f-id_tag-error"' in refused.text
        empty = await operator.post(start, {"id_tag": ""})
        assert empty.status_code == 422
        assert field_error(empty.text) == "Choose or enter the token to charge with."
        # The plain field (no picker) says it beside the field too.
        typed = await technician.post(start, {"id_tag": blocked})
        assert typed.status_code == 422
        assert field_error(typed.text) == "This token is blocked."
        assert [c for c in cp.calls if c[0] == "RemoteStartTransaction"] == []

        # A text nobody holds goes when picked as such (or, typed, with the box ticked).
        sent = await operator.post(start, {"id_tag": nobody, "unknown_tag": nobody, "q": nobody})
        assert sent.status_code == 200, sent.text
        assert (await cp.next_call("RemoteStartTransaction"))["idTag"] == nobody
        ticked = await technician.post(start, {"id_tag": nobody, "allow_unknown": "1"})
        assert ticked.status_code == 200, ticked.text
        assert (await cp.next_call("RemoteStartTransaction"))["idTag"] == nobody

        # A good one is sent; the page says the session is awaited, and keeps the choice.
        started = await operator.post(start, {"id_tag": good, "q": good})
        assert started.status_code == 200, started.text
        assert await cp.next_call("RemoteStartTransaction") == {"idTag": good, "connectorId": 1}
        assert 'data-outcome="accepted"' in started.text
        line = re.search(
            r'<p class="notice info" id="start-outcome"([^>]*)>([^<]*)</p>', started.text
        )
        assert line is not None, started.text
        assert 'data-start-outcome="waiting"' in line.group(1)
        assert html.unescape(line.group(2)) == "Waiting for the session to start (up to 120 s)…"
        assert re.search(rf'value="{good}" id="token-\d+" checked', started.text)
    await operator.client.aclose()
    await technician.client.aclose()
