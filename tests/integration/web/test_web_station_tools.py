"""The station page's technician tools over HTTP, with real OCPP stations: configuration read
and changed (1.6), base report and a variable set (2.0.1), errors beside the field with nothing
sent, roles that may not, and disruptive commands that ask first, naming the running session."""

from __future__ import annotations

from collections.abc import AsyncIterator
from urllib.parse import quote

import httpx
import pytest

from tests.conftest import Ids
from tests.integration.web.test_web_monitoring import visitor
from tests.support.commands import async_api, eventually, online16, online201, token
from tests.support.server import RunningServer


@pytest.fixture
async def aapi(server: RunningServer) -> AsyncIterator[httpx.AsyncClient]:
    async with async_api(server) as client:
        yield client


def tools(station: str) -> str:
    return f"/stations/{quote(station, safe='')}/tools"


async def test_a_technician_reads_and_changes_a_16_configuration(
    server: RunningServer, aapi: httpx.AsyncClient, ids: Ids
) -> None:
    station = ids.station()
    technician = await visitor(server, aapi, "technician")
    async with online16(server, aapi, station) as cp:
        page = await technician.get(f"/stations/{station}")
        assert page.status_code == 200
        assert 'id="tool-read-configuration"' in page.text
        assert 'id="tool-change-configuration"' in page.text
        assert 'id="tool-base-report"' not in page.text  # a 2.0.1 tool
        assert ">A heartbeat</option>" in page.text  # trigger messages in words
        assert ">Heartbeat</option>" not in page.text
        connector = await technician.get(f"/connectors/{station}/1/1")
        assert f'href="/stations/{station}#tools"' in connector.text

        read = await technician.post(f"{tools(station)}/read-configuration", {"keys": ""})
        assert read.status_code == 200, read.text
        assert (await cp.next_call("GetConfiguration")) == {}
        assert 'data-status="accepted"' in read.text
        assert read.headers.get("hx-trigger") == "commands-changed, device-model-changed"
        model = await technician.get(f"/stations/{station}/device-model")
        assert "HeartbeatInterval" in model.text

        some = await technician.post(
            f"{tools(station)}/read-configuration",
            {"keys": "HeartbeatInterval, MeterValueSampleInterval"},
        )
        assert some.status_code == 200
        assert (await cp.next_call("GetConfiguration")) == {
            "key": ["HeartbeatInterval", "MeterValueSampleInterval"]
        }

        empty = await technician.post(
            f"{tools(station)}/change-configuration", {"key": "", "value": "60"}
        )
        assert empty.status_code == 422
        assert 'id="change-key-error"' in empty.text
        assert "Enter the key to change" in empty.text
        assert 'value="60"' in empty.text  # the value typed is kept
        long = await technician.post(
            f"{tools(station)}/change-configuration", {"key": "K" * 51, "value": "1"}
        )
        assert long.status_code == 422
        assert 'id="change-key-error"' in long.text
        assert "ChangeConfiguration" not in [name for name, _ in cp.calls]

        changed = await technician.post(
            f"{tools(station)}/change-configuration", {"key": "HeartbeatInterval", "value": "60"}
        )
        assert changed.status_code == 200, changed.text
        assert (await cp.next_call("ChangeConfiguration")) == {
            "key": "HeartbeatInterval",
            "value": "60",
        }
        assert 'data-status="accepted"' in changed.text

        cp.answers["ChangeConfiguration"] = "Rejected"
        refused = await technician.post(
            f"{tools(station)}/change-configuration", {"key": "HeartbeatInterval", "value": "5"}
        )
        assert 'data-status="rejected"' in refused.text
        assert "Rejected by the station" in refused.text

    viewer = await visitor(server, aapi, "viewer")
    seen = await viewer.get(f"/stations/{station}")
    assert seen.status_code == 200
    assert 'id="tools"' not in seen.text
    forbidden = await viewer.post(
        f"{tools(station)}/change-configuration", {"key": "HeartbeatInterval", "value": "1"}
    )
    assert forbidden.status_code == 403
    unknown = await technician.post(f"{tools(station)}/format-disk", {})
    assert unknown.status_code == 404
    offline = await technician.post(f"{tools(station)}/read-configuration", {})
    assert "The station is not connected" in offline.text
    await technician.client.aclose()
    await viewer.client.aclose()


async def test_a_technician_asks_a_201_station_for_a_report_and_sets_a_variable(
    server: RunningServer, aapi: httpx.AsyncClient, ids: Ids
) -> None:
    station = ids.station()
    technician = await visitor(server, aapi, "technician")
    async with online201(server, aapi, station) as cp:
        page = await technician.get(f"/stations/{station}")
        assert 'id="tool-base-report"' in page.text
        assert 'id="tool-set-variable"' in page.text
        assert "Full inventory" in page.text  # in words, not FullInventory

        bad = await technician.post(f"{tools(station)}/base-report", {"report_base": "Everything"})
        assert bad.status_code == 422
        assert 'id="report-base-error"' in bad.text
        report = await technician.post(
            f"{tools(station)}/base-report", {"report_base": "ConfigurationInventory"}
        )
        assert report.status_code == 200, report.text
        asked = await cp.next_call("GetBaseReport")
        assert asked["reportBase"] == "ConfigurationInventory"

        missing = await technician.post(
            f"{tools(station)}/set-variable", {"component": "", "variable": "", "evse_id": "0"}
        )
        assert missing.status_code == 422
        for field in ("set-component", "set-variable", "set-evse"):
            assert f'id="{field}-error"' in missing.text
        assert "SetVariables" not in [name for name, _ in cp.calls]
        set_ = await technician.post(
            f"{tools(station)}/set-variable",
            {"component": "OCPPCommCtrlr", "variable": "HeartbeatInterval", "value": "120"},
        )
        assert set_.status_code == 200, set_.text
        sent = await cp.next_call("SetVariables")
        assert sent["setVariableData"][0]["component"] == {"name": "OCPPCommCtrlr"}
        assert sent["setVariableData"][0]["attributeValue"] == "120"
    await technician.client.aclose()


async def test_a_hard_reset_asks_first_and_names_the_running_session(
    server: RunningServer, aapi: httpx.AsyncClient, ids: Ids
) -> None:
    station, tag = ids.station(), ids.tag()
    await token(aapi, tag)
    technician = await visitor(server, aapi, "technician")
    commands = f"/stations/{quote(station, safe='')}/commands"
    async with online16(server, aapi, station) as cp:
        await cp.status(1, "Charging")
        started = await cp.start_tx(1, tag, 1000)
        sessions = await eventually(
            lambda: aapi.get("/transactions", params={"station_id": station}),
            lambda r: len(r.json()["items"]) == 1,
        )
        session_id = sessions.json()["items"][0]["id"]

        asked = await technician.post(f"{commands}/reset", {"type": "hard"})
        assert asked.status_code == 200
        assert 'id="confirm-command"' in asked.text
        assert 'data-count="1"' in asked.text
        assert "It interrupts 1 running session" in asked.text
        assert f'href="/sessions/{session_id}"' in asked.text
        assert tag in asked.text
        assert 'name="confirm" value="yes"' in asked.text
        assert "Reset" not in [name for name, _ in cp.calls]

        # A soft reset stops sessions too: with one running, it asks as well.
        soft = await technician.post(f"{commands}/reset", {"type": "soft"})
        assert 'id="confirm-command"' in soft.text

        off = await technician.post(f"{commands}/change-availability", {"operative": "no"})
        assert 'id="confirm-command"' in off.text
        assert "becomes inoperative" in off.text
        on = await technician.post(f"{commands}/change-availability", {"operative": "yes"})
        assert 'id="confirm-command"' not in on.text
        assert (await cp.next_call("ChangeAvailability"))["type"] == "Operative"

        done = await technician.post(f"{commands}/reset", {"type": "hard", "confirm": "yes"})
        assert done.status_code == 200
        assert (await cp.next_call("Reset")) == {"type": "Hard"}
        assert 'id="confirm-command"' not in done.text

        await cp.stop_tx(started.transaction_id, 2000)
        await eventually(
            lambda: aapi.get("/transactions", params={"station_id": station, "state": "completed"}),
            lambda r: len(r.json()["items"]) == 1,
        )
        # Nothing running: a soft reset goes at once; a hard one still asks, saying so.
        soft = await technician.post(f"{commands}/reset", {"type": "soft"})
        assert 'id="confirm-command"' not in soft.text
        assert (await cp.next_call("Reset")) == {"type": "Soft"}
        idle = await technician.post(f"{commands}/reset", {"type": "hard"})
        assert "No session is running there now." in idle.text
    await technician.client.aclose()


async def test_a_command_sent_from_the_station_page_refreshes_its_recent_commands(
    server: RunningServer, aapi: httpx.AsyncClient, ids: Ids
) -> None:
    station = ids.station()
    technician = await visitor(server, aapi, "technician")
    async with online16(server, aapi, station) as cp:
        page = await technician.get(f"/stations/{station}")
        assert page.status_code == 200
        # The panel is on the page before any command, waiting for "commands-changed".
        panel = page.text[page.text.index('id="recent-commands-panel"') :]
        panel = panel[: panel.index(">")]
        assert f'hx-get="/stations/{station}/commands"' in panel
        assert 'hx-trigger="commands-changed from:body"' in panel
        assert 'id="recent-commands"' not in page.text  # no command yet
        sent = await technician.post(f"/stations/{station}/commands/clear-cache", {})
        assert sent.status_code == 200, sent.text
        assert (await cp.next_call("ClearCache")) == {}
        assert sent.headers.get("hx-trigger") == "commands-changed"
        fresh = await technician.get(f"/stations/{station}/commands")
        assert fresh.status_code == 200
        assert 'id="recent-commands-panel"' in fresh.text
        assert '<details class="recent-commands" open>' in fresh.text
        assert "Clear cache" in fresh.text
        assert 'data-status="accepted"' in fresh.text
        # A form with its errors sends nothing and changes no panel.
        bad = await technician.post(f"/stations/{station}/commands/reset", {"type": "warm"})
        assert "hx-trigger" not in bad.headers
    assert (await technician.get("/stations/NO-SUCH-STATION/commands")).status_code == 404
