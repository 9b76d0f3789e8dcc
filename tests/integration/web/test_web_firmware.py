"""The firmware page and the station page's firmware tool over HTTP, with real OCPP 1.6
stations: an image uploaded (errors beside the field), a staged campaign to two stations run to
the end by their FirmwareStatusNotifications, one station updated after a confirmation, and the
roles that may not."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import httpx
import pytest
from ocpp.v16 import call

from tests.conftest import Ids
from tests.integration.web.test_web_monitoring import Visitor, visitor
from tests.support.commands import async_api, eventually, online16
from tests.support.server import RunningServer


@pytest.fixture
async def aapi(server: RunningServer) -> AsyncIterator[httpx.AsyncClient]:
    async with async_api(server) as client:
        yield client


async def upload(
    who: Visitor, content: bytes, name: str = "fw.bin", **fields: str
) -> httpx.Response:
    return await who.client.post(
        "/firmware/images",
        data={"csrf_token": who.csrf, **fields},
        files={"file": (name, content, "application/octet-stream")},
    )


async def image_id(who: Visitor, version: str) -> str:
    page = await who.get("/firmware")
    found = re.search(r'<option value="(\d+)"[^>]*>' + re.escape(version) + "<", page.text)
    assert found is not None, page.text
    return found.group(1)


async def test_a_technician_uploads_an_image_with_errors_beside_the_fields(
    server: RunningServer, aapi: httpx.AsyncClient, ids: Ids
) -> None:
    technician = await visitor(server, aapi, "technician")
    page = await technician.get("/firmware")
    assert page.status_code == 200
    assert 'href="/firmware"' in page.text  # in the navigation

    no_file = await technician.client.post(
        "/firmware/images",
        data={"csrf_token": technician.csrf, "version": "1.0"},
        files={"file": ("", b"", "application/octet-stream")},
    )
    assert no_file.status_code == 422
    assert 'id="f-file-error"' in no_file.text
    no_version = await upload(technician, b"image", version="")
    assert no_version.status_code == 422
    assert 'id="f-version-error"' in no_version.text
    too_long = await upload(technician, b"image", version="v" * 51)
    assert 'id="f-version-error"' in too_long.text
    empty = await upload(technician, b"", version="1.0")
    assert empty.status_code == 422
    assert "The file is empty." in empty.text

    version = f"9.{ids.suffix}"
    good = await upload(technician, b"\x7fELF image", "station-fw.bin", version=version)
    assert good.status_code == 200, good.text
    assert f"Firmware {version} was uploaded." in good.text
    assert "station-fw.bin" in good.text
    listed = (await aapi.get("/firmware")).json()["items"]
    assert any(i["version"] == version and i["size"] == 10 for i in listed)

    for role in ("viewer", "operator"):
        other = await visitor(server, aapi, role)
        assert (await other.get("/firmware")).status_code == 403
        refused = await upload(other, b"x", version="2.0")
        assert refused.status_code == 403
        assert 'href="/firmware"' not in (await other.get("/stations")).text
        await other.client.aclose()
    await technician.client.aclose()


async def test_a_two_station_campaign_runs_to_the_end_from_the_pages(
    server: RunningServer, aapi: httpx.AsyncClient, ids: Ids
) -> None:
    first, second = ids.station("FW1"), ids.station("FW2")
    technician = await visitor(server, aapi, "technician")
    version = f"5.{ids.suffix}"
    assert (await upload(technician, b"firmware", version=version)).status_code == 200
    chosen = await image_id(technician, version)

    nothing = await technician.post("/firmware/campaigns", {"firmware_id": chosen})
    assert nothing.status_code == 422
    assert 'id="f-station-error"' in nothing.text
    no_image = await technician.post("/firmware/campaigns", [("station", first)])
    assert no_image.status_code == 422
    assert 'id="f-firmware_id-error"' in no_image.text
    unknown = await technician.post(
        "/firmware/campaigns", [("firmware_id", chosen), ("station", "NO-SUCH-STATION")]
    )
    assert unknown.status_code == 422
    assert "There is no station NO-SUCH-STATION." in unknown.text

    async with online16(server, aapi, first) as one, online16(server, aapi, second) as two:
        started = await technician.post(
            "/firmware/campaigns",
            [
                ("firmware_id", chosen),
                ("name", "Spring update"),
                ("station", first),
                ("station", second),
            ],
        )
        assert started.status_code == 303, started.text
        url = started.headers["location"]
        assert re.fullmatch(r"/firmware/campaigns/\d+", url)

        stations = {first: one, second: two}
        got = await _first_to_get_it(stations)
        other = second if got == first else first
        page = await technician.get(url)
        assert "First batch updating" in page.text
        assert 'hx-trigger="every 2s"' in page.text  # the progress polls while it runs
        assert "Waiting for the first batch" in page.text  # the other station, in words

        for status in ("Downloading", "Downloaded", "Installing"):
            await stations[got].call(call.FirmwareStatusNotification(status=status))
        progress = await technician.get(url + "/progress")
        assert "Installing" in progress.text
        await stations[got].call(call.FirmwareStatusNotification(status="Installed"))
        request = await stations[other].next_call("UpdateFirmware")
        assert "location" in request
        for status in ("Downloading", "Downloaded", "Installing", "Installed"):
            await stations[other].call(call.FirmwareStatusNotification(status=status))

        done = await eventually(
            lambda: technician.get(url + "/progress"), lambda r: 'data-status="completed"' in r.text
        )
        assert 'data-status="completed"' in done.text
        assert "2 of 2 stations installed, 0 failed." in done.text
        assert 'hx-trigger="every' not in done.text  # finished: no more polling
        assert done.text.count('data-status="installed"') == 2
        listing = await technician.get("/firmware")
        assert "Spring update" in listing.text
    await technician.client.aclose()


async def _first_to_get_it(stations: dict[str, object]) -> str:
    """The station of the first batch (a batch of one): the one sent UpdateFirmware."""

    async def sent() -> list[str]:
        return [
            name
            for name, cp in stations.items()
            if "UpdateFirmware" in [action for action, _ in cp.calls]  # type: ignore[attr-defined]
        ]

    got = await eventually(sent, lambda names: len(names) == 1)
    assert len(got) == 1, got
    return got[0]


async def test_one_station_is_updated_after_a_confirmation(
    server: RunningServer, aapi: httpx.AsyncClient, ids: Ids
) -> None:
    station = ids.station()
    technician = await visitor(server, aapi, "technician")
    version = f"7.{ids.suffix}"
    assert (await upload(technician, b"firmware", version=version)).status_code == 200
    chosen = await image_id(technician, version)
    async with online16(server, aapi, station) as cp:
        page = await technician.get(f"/stations/{station}")
        assert 'id="tool-update-firmware"' in page.text
        assert version in page.text

        none = await technician.post(f"/stations/{station}/firmware", {"firmware_id": ""})
        assert none.status_code == 422
        assert 'id="update-image-error"' in none.text
        gone = await technician.post(f"/stations/{station}/firmware", {"firmware_id": "999999999"})
        assert gone.status_code == 422
        assert "There is no such firmware image." in gone.text

        asked = await technician.post(f"/stations/{station}/firmware", {"firmware_id": chosen})
        assert asked.status_code == 200
        assert 'id="confirm-command"' in asked.text
        assert f"downloads firmware {version}" in asked.text
        assert "No session is running there now." in asked.text
        assert "UpdateFirmware" not in [action for action, _ in cp.calls]

        sent = await technician.post(
            f"/stations/{station}/firmware", {"firmware_id": chosen, "confirm": "yes"}
        )
        assert sent.status_code == 200, sent.text
        assert "location" in await cp.next_call("UpdateFirmware")
        assert 'data-status="accepted"' in sent.text
        assert "Accepted by the station" in sent.text
        await cp.call(call.FirmwareStatusNotification(status="Downloading"))
        updates = await eventually(
            lambda: technician.get(f"/stations/{station}/firmware/updates"),
            lambda r: "Downloading" in r.text,
        )
        assert 'data-status="downloading"' in updates.text
        assert "every 3s" in updates.text

    operator = await visitor(server, aapi, "operator")
    seen = await operator.get(f"/stations/{station}")
    assert 'id="tool-update-firmware"' not in seen.text
    refused = await operator.post(f"/stations/{station}/firmware", {"firmware_id": chosen})
    assert refused.status_code == 403
    await operator.client.aclose()
    await technician.client.aclose()


async def test_a_campaign_cancelled_from_its_page_spares_the_stations_not_yet_sent(
    server: RunningServer, aapi: httpx.AsyncClient, ids: Ids
) -> None:
    first, second = ids.station("CX1"), ids.station("CX2")
    technician = await visitor(server, aapi, "technician")
    version = f"6.{ids.suffix}"
    assert (await upload(technician, b"firmware", version=version)).status_code == 200
    chosen = await image_id(technician, version)
    async with online16(server, aapi, first) as one, online16(server, aapi, second) as two:
        started = await technician.post(
            "/firmware/campaigns",
            [("firmware_id", chosen), ("station", first), ("station", second)],
        )
        assert started.status_code == 303, started.text
        url = started.headers["location"]
        got = await _first_to_get_it({first: one, second: two})
        page = await technician.get(url)
        assert 'id="cancel-campaign"' in page.text
        cancelled = await technician.post(url + "/cancel", {})
        assert cancelled.status_code == 303
        page = await technician.get(url)
        assert 'data-status="cancelled"' in page.text
        assert "Not sent (cancelled)" in page.text
        assert 'id="cancel-campaign"' not in page.text
        assert 'hx-trigger="every' not in page.text
        waiting = two if got == first else one
        assert "UpdateFirmware" not in waiting.actions()
        again = await technician.post(url + "/cancel", {})
        assert again.status_code == 303  # already over: the page says how
    await technician.client.aclose()
