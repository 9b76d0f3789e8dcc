"""The station page's diagnostics tool over HTTP, with real OCPP stations: days read in the
site's time zone, errors beside the field with nothing sent, the upload followed to its file
(uploaded by the station to the location it was given) and downloaded, and roles that may
not."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from ocpp.v16 import call

from tests.conftest import Ids
from tests.integration.web.test_web_monitoring import new_site, place, visitor
from tests.support.commands import async_api, eventually, online16, online201
from tests.support.server import RunningServer

LOG = b"2025-01-01T00:00:00Z boot\n" * 50


@pytest.fixture
async def aapi(server: RunningServer) -> AsyncIterator[httpx.AsyncClient]:
    async with async_api(server) as client:
        yield client


async def test_a_technician_asks_for_diagnostics_and_downloads_them(
    server: RunningServer, aapi: httpx.AsyncClient, ids: Ids
) -> None:
    station = ids.station("DIAG")
    site_id = await new_site(aapi, f"Diagnostics {ids.suffix}")
    technician = await visitor(server, aapi, "technician")
    url = f"/stations/{station}/diagnostics"
    async with online16(server, aapi, station) as cp:
        await place(aapi, station, site_id)
        page = await technician.get(f"/stations/{station}")
        assert 'id="tool-diagnostics"' in page.text
        assert 'id="diagnostics-log"' not in page.text  # 1.6 has one kind of file

        bad_day = await technician.post(url, {"start": "2025-13-01"})
        assert bad_day.status_code == 422
        assert 'id="diagnostics-start-error"' in bad_day.text
        assert "Enter a date as YYYY-MM-DD." in bad_day.text
        backwards = await technician.post(url, {"start": "2025-01-02", "stop": "2025-01-01"})
        assert backwards.status_code == 422
        assert 'id="diagnostics-stop-error"' in backwards.text
        assert "The last day comes before the first." in backwards.text
        assert "GetDiagnostics" not in cp.actions()

        asked = await technician.post(url, {"start": "2025-01-01", "stop": "2025-01-01"})
        assert asked.status_code == 200, asked.text
        request = await cp.next_call("GetDiagnostics")
        # The site's day (Helsinki, UTC+2 in winter), not UTC's.
        assert request["startTime"] == "2024-12-31T22:00:00.000Z"
        assert request["stopTime"] == "2025-01-01T22:00:00.000Z"
        assert 'data-status="accepted"' in asked.text
        assert "Asked of the station" in asked.text
        assert "every 3s" in asked.text  # the upload is awaited: the list polls

        await cp.call(call.DiagnosticsStatusNotification(status="Uploading"))
        async with httpx.AsyncClient(timeout=30) as station_side:
            put = await station_side.put(f"{request['location']}/diagnostics.tar.gz", content=LOG)
        assert put.status_code == 201, put.text
        await cp.call(call.DiagnosticsStatusNotification(status="Uploaded"))
        uploads = await eventually(
            lambda: technician.get(f"{url}/uploads"), lambda r: 'data-status="uploaded"' in r.text
        )
        assert "Received" in uploads.text
        assert "Download diagnostics.tar.gz" in uploads.text
        assert "every 3s" not in uploads.text
        link = uploads.text.split('href="')[1].split('"')[0]
        got = await technician.get(link)
        assert got.status_code == 200
        assert got.content == LOG
        assert "attachment" in got.headers["content-disposition"]

    operator = await visitor(server, aapi, "operator")
    assert 'id="tool-diagnostics"' not in (await operator.get(f"/stations/{station}")).text
    assert (await operator.post(url, {})).status_code == 403
    assert (await operator.get(link)).status_code == 403
    missing = await technician.get(f"{url}/999999999/file")
    assert missing.status_code == 404
    await operator.client.aclose()
    await technician.client.aclose()


async def test_a_201_station_is_asked_for_its_security_log(
    server: RunningServer, aapi: httpx.AsyncClient, ids: Ids
) -> None:
    station = ids.station("LOG")
    technician = await visitor(server, aapi, "technician")
    url = f"/stations/{station}/diagnostics"
    async with online201(server, aapi, station) as cp:
        page = await technician.get(f"/stations/{station}")
        assert 'id="diagnostics-log"' in page.text
        assert "Security log" in page.text
        wrong = await technician.post(url, {"log_type": "KernelLog"})
        assert wrong.status_code == 422
        assert 'id="diagnostics-log-error"' in wrong.text
        asked = await technician.post(url, {"log_type": "SecurityLog"})
        assert asked.status_code == 200, asked.text
        request = await cp.next_call("GetLog")
        assert request["logType"] == "SecurityLog"
        assert "Security log" in asked.text
    await technician.client.aclose()
