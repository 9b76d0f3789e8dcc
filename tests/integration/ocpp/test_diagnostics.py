"""Diagnostics and logs through the real edges: get-diagnostics sent over the REST API, the
GetDiagnostics (1.6) / GetLog (2.0.1) CALL received by independent stations, the file uploaded
over real HTTP (PUT and multipart POST) to the location they got, listed and downloaded through
the API, and the status notifications recorded with it."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from ocpp.v16 import call as call16
from ocpp.v201 import call as call201

from tests.conftest import BACKENDS, Ids
from tests.support.commands import async_api, command, online16, online201
from tests.support.server import RunningServer, start_server, stop_server

Json = dict[str, Any]
LOG = b"2025-01-01T00:00:00Z boot\n" * 400 + bytes(range(256))
LIMIT = 4096


@pytest.fixture(scope="session", params=BACKENDS)
def small_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningServer]:
    """Kilowatt with upload tokens that last 3 s and files of at most 4 KiB."""
    data_dir = Path(tmp_path_factory.mktemp(f"kilowatt-small-{request.param}"))
    server = start_server(
        str(request.param),
        data_dir,
        diagnostics_upload_ttl=3,
        diagnostics_max_bytes=LIMIT,
        firmware_max_bytes=LIMIT,
    )
    try:
        yield server
    finally:
        stop_server(server)


async def uploads(aapi: httpx.AsyncClient, station: str) -> list[Json]:
    response = await aapi.get(f"/stations/{station}/diagnostics")
    assert response.status_code == 200, response.text
    items: list[Json] = response.json()["items"]
    return items


async def put(url: str, content: bytes, **headers: str) -> httpx.Response:
    """As a station does: no API key, just the location it was given."""
    async with httpx.AsyncClient(timeout=30) as client:
        return await client.put(url, content=content, headers=headers)


async def post_form(url: str, name: str, content: bytes, **fields: str) -> httpx.Response:
    async with httpx.AsyncClient(timeout=30) as client:
        return await client.post(
            url, files={"file": (name, content, "application/gzip")}, data=fields
        )


async def test_a_16_station_uploads_its_diagnostics_by_put(server: RunningServer, ids: Ids) -> None:
    station = ids.station("DIAG16")
    async with async_api(server) as aapi, online16(server, aapi, station) as cp:
        sent = await command(
            aapi,
            station,
            "get_diagnostics",
            {"start": "2025-01-01T00:00:00Z", "stop": "2025-01-02T00:00:00Z", "retries": 1},
        )
        request = await cp.next_call("GetDiagnostics")
        assert request["startTime"] == "2025-01-01T00:00:00.000Z"
        assert request["stopTime"] == "2025-01-02T00:00:00.000Z"
        assert request["retries"] == 1
        location = request["location"]
        assert location.startswith(f"{server.base_url}/files/uploads/")
        assert sent["params"]["location"] == location

        [upload] = await uploads(aapi, station)
        assert upload["status"] == "requested"
        assert upload["command_id"] == sent["id"]
        assert upload["file_name"] == "diagnostics.tar.gz"  # the name the station announced
        assert upload["size"] is None
        nothing = await aapi.get(f"/stations/{station}/diagnostics/{upload['id']}/file")
        assert nothing.status_code == 404

        await cp.call(call16.DiagnosticsStatusNotification(status="Uploading"))
        [upload] = await uploads(aapi, station)
        assert (upload["status"], upload["station_status"]) == ("uploading", "Uploading")

        # Like many 1.6 stations, it appends its file name to the location.
        response = await put(f"{location}/diagnostics.tar.gz", LOG)
        assert response.status_code == 201, response.text
        assert response.json()["sha256"] == hashlib.sha256(LOG).hexdigest()
        await cp.call(call16.DiagnosticsStatusNotification(status="Uploaded"))

        [upload] = await uploads(aapi, station)
        assert upload["status"] == "uploaded"
        assert upload["station_status"] == "Uploaded"
        assert upload["size"] == len(LOG)
        assert upload["sha256"] == hashlib.sha256(LOG).hexdigest()
        assert upload["uploaded_at"] is not None
        one = await aapi.get(f"/stations/{station}/diagnostics/{upload['id']}")
        assert one.json() == upload
        got = await aapi.get(f"/stations/{station}/diagnostics/{upload['id']}/file")
        assert got.status_code == 200
        assert got.content == LOG
        assert "diagnostics.tar.gz" in got.headers["content-disposition"]
        detail = (await aapi.get(f"/stations/{station}")).json()
        assert detail["diagnostics_status"] == "Uploaded"

        # The token took its one file: the same location refuses a second.
        again = await put(f"{location}/diagnostics.tar.gz", b"something else")
        assert again.status_code == 403
        assert again.json()["error"] == "forbidden"
        again = await post_form(location, "other.gz", b"something else")
        assert again.status_code == 403
        [upload] = await uploads(aapi, station)
        assert upload["size"] == len(LOG)

        # The file is the station's: another station's listing does not lead to it.
        anonymous = await put(location.rsplit("/", 1)[0] + "/not-a-token", LOG)
        assert anonymous.status_code == 403
        listing = await aapi.get(f"/stations/{ids.station('NOPE')}/diagnostics")
        assert listing.status_code == 404


async def test_a_201_station_uploads_its_log_as_a_form(server: RunningServer, ids: Ids) -> None:
    station = ids.station("LOG201")
    async with async_api(server) as aapi, online201(server, aapi, station) as cp:
        sent = await command(
            aapi,
            station,
            "get_diagnostics",
            {"log_type": "SecurityLog", "start": "2025-03-01T10:00:00+02:00"},
        )
        request = await cp.next_call("GetLog")
        assert request["requestId"] == sent["id"]
        assert request["logType"] == "SecurityLog"
        assert request["log"]["oldestTimestamp"] == "2025-03-01T08:00:00.000Z"
        location = request["log"]["remoteLocation"]
        assert sent["response"]["filename"] == "log.zip"

        await cp.send(call201.LogStatusNotification(status="Uploading", request_id=sent["id"]))
        [upload] = await uploads(aapi, station)
        assert (upload["status"], upload["log_type"]) == ("uploading", "SecurityLog")

        response = await post_form(location, "security-log.zip", LOG, note="from the test")
        assert response.status_code == 201, response.text
        # A status about some other request does not touch this upload.
        await cp.send(call201.LogStatusNotification(status="UploadFailure", request_id=999_999_999))
        await cp.send(call201.LogStatusNotification(status="Uploaded", request_id=sent["id"]))

        [upload] = await uploads(aapi, station)
        assert upload["status"] == "uploaded"
        assert upload["station_status"] == "Uploaded"
        assert upload["file_name"] == "security-log.zip"
        assert upload["content_type"] == "application/gzip"
        got = await aapi.get(f"/stations/{station}/diagnostics/{upload['id']}/file")
        assert got.content == LOG
        assert hashlib.sha256(got.content).hexdigest() == upload["sha256"]

        again = await post_form(location, "security-log.zip", LOG)
        assert again.status_code == 403

        # A second request opens a new slot with its own token; the station's failure on it
        # is recorded there.
        second = await command(aapi, station, "get_diagnostics", {})
        other = (await cp.next_call("GetLog"))["log"]["remoteLocation"]
        assert other != location
        await cp.send(
            call201.LogStatusNotification(status="UploadFailure", request_id=second["id"])
        )
        newest, oldest = await uploads(aapi, station)
        assert newest["command_id"] == second["id"]
        assert (newest["status"], newest["error"]) == ("failed", "station reported UploadFailure")
        assert oldest["status"] == "uploaded"


async def test_refusals_and_bad_requests(server: RunningServer, ids: Ids) -> None:
    station = ids.station("DIAGNO")
    async with async_api(server) as aapi, online16(server, aapi, station) as cp:
        backwards = await aapi.post(
            f"/stations/{station}/commands/get-diagnostics",
            json={"start": "2025-01-02T00:00:00Z", "stop": "2025-01-01T00:00:00Z"},
        )
        assert backwards.status_code == 422, backwards.text
        naive = await aapi.post(
            f"/stations/{station}/commands/get-diagnostics", json={"start": "2025-01-02T00:00:00"}
        )
        assert naive.status_code == 422

        # A 1.6 station with nothing to send answers without a file name.
        cp.answers["GetDiagnostics"] = {}
        refused = await command(aapi, station, "get_diagnostics", {}, status="rejected")
        [upload] = await uploads(aapi, station)
        assert upload["status"] == "failed"
        assert upload["command_id"] == refused["id"]
        assert upload["error"]

        cp.answers["GetDiagnostics"] = {"fileName": "x.log"}
        await command(aapi, station, "get_diagnostics", {})
        await cp.next_call("GetDiagnostics")  # the refused one
        location = (await cp.next_call("GetDiagnostics"))["location"]
        async with httpx.AsyncClient() as client:
            broken = await client.post(
                location,
                content=b"--xyz\r\nContent-Disposition: form-data; name=file",
                headers={"Content-Type": "multipart/form-data; boundary=xyz"},
            )
            assert broken.status_code == 400, broken.text
            no_file = await client.post(location, files={"just": (None, "a field")})
            assert no_file.status_code == 400, no_file.text
            two = await client.post(
                location, files=[("a", ("a.log", b"1")), ("b", ("b.log", b"2"))]
            )
            assert two.status_code == 400, two.text
            fetch = await client.get(location)
            assert fetch.status_code == 405
        # None of that used the token up.
        ok = await put(location, b"finally")
        assert ok.status_code == 201, ok.text
        assert ok.json()["file_name"] == "x.log"


async def test_tokens_expire_and_files_have_a_size_limit(
    small_server: RunningServer, ids: Ids
) -> None:
    station = ids.station("DIAGLIM")
    server = small_server
    async with async_api(server) as aapi, online201(server, aapi, station) as cp:
        await command(aapi, station, "get_diagnostics", {})
        location = (await cp.next_call("GetLog"))["log"]["remoteLocation"]
        too_big = await put(location, b"x" * (LIMIT + 1))
        assert too_big.status_code == 413, too_big.text
        assert too_big.json()["error"] == "payload_too_large"

        async def chunks() -> Any:
            for _ in range(LIMIT // 512 + 2):
                yield b"y" * 512

        async with httpx.AsyncClient() as client:  # no Content-Length: found while reading
            streamed = await client.put(location, content=chunks())
        assert streamed.status_code == 413, streamed.text
        as_form = await post_form(location, "big.log", b"z" * (LIMIT + 1))
        assert as_form.status_code == 413, as_form.text
        [upload] = await uploads(aapi, station)
        assert upload["status"] == "requested"

        # What failed kept nothing and left the token usable, until it expires.
        exact = await put(location, b"w" * LIMIT)
        assert exact.status_code == 201, exact.text

        await command(aapi, station, "get_diagnostics", {})
        late = (await cp.next_call("GetLog"))["log"]["remoteLocation"]
        await asyncio.sleep(3.2)
        expired = await put(late, b"late")
        assert expired.status_code == 403
        assert "expired" in expired.json()["detail"]

        big_image = await aapi.post(
            "/firmware", files={"file": ("a.bin", b"f" * (LIMIT + 1))}, data={"version": "1"}
        )
        assert big_image.status_code == 413, big_image.text
        listed = (await aapi.get("/firmware")).json()["items"]
        assert listed == []
        files = server.settings.data_dir / "files"
        kept = sorted(p.stat().st_size for p in files.rglob("*") if p.is_file())
        assert kept == [LIMIT]
