"""Firmware management through the real edges: images uploaded over the REST API, UpdateFirmware
received by independent 1.6 and 2.0.1 stations, the image downloaded over real HTTP from the
signed link the station got, progress from FirmwareStatusNotification, and staged campaigns."""

from __future__ import annotations

import asyncio
import hashlib
import time
from typing import Any
from urllib.parse import urlsplit

import httpx
from ocpp.v16 import call as call16
from ocpp.v201 import call as call201

from kilowatt.domain.files import firmware_resource, signature
from tests.conftest import Ids
from tests.support.commands import async_api, command, eventually, online16, online201
from tests.support.ocpp16 import TestChargePoint
from tests.support.ocpp201 import TestChargePoint201
from tests.support.server import RunningServer

Json = dict[str, Any]
IMAGE = bytes(range(256)) * 64 + b"kilowatt firmware 2.0.0\n"


async def upload(
    aapi: httpx.AsyncClient,
    version: str,
    content: bytes = IMAGE,
    name: str = "fw-2.0.0.bin",
    **fields: str,
) -> Json:
    response = await aapi.post(
        "/firmware",
        files={"file": (name, content, "application/octet-stream")},
        data={"version": version, **fields},
    )
    assert response.status_code == 201, response.text
    body: Json = response.json()
    return body


async def download(url: str, **headers: str) -> httpx.Response:
    """As a station does: a plain HTTP GET, no API key."""
    async with httpx.AsyncClient(timeout=30) as client:
        return await client.get(url, headers=headers)


async def updates(aapi: httpx.AsyncClient, station: str) -> list[Json]:
    response = await aapi.get(f"/stations/{station}/firmware-updates")
    assert response.status_code == 200, response.text
    items: list[Json] = response.json()["items"]
    return items


async def campaign(aapi: httpx.AsyncClient, campaign_id: int) -> Json:
    response = await aapi.get(f"/firmware-campaigns/{campaign_id}")
    assert response.status_code == 200, response.text
    body: Json = response.json()
    return body


def target(found: Json, station: str) -> Json:
    [item] = [t for t in found["targets"] if t["station_id"] == station]
    return item


async def report16(cp: TestChargePoint, *statuses: str) -> None:
    for status in statuses:
        await cp.call(call16.FirmwareStatusNotification(status=status))


async def report201(cp: TestChargePoint201, request_id: int | None, *statuses: str) -> None:
    for status in statuses:
        await cp.send(call201.FirmwareStatusNotification(status=status, request_id=request_id))


async def quiet(cp: TestChargePoint | TestChargePoint201, action: str, seconds: float) -> None:
    """The station receives no ``action`` for ``seconds``."""
    await asyncio.sleep(seconds)
    assert action not in cp.actions(), cp.calls


# Images --------------------------------------------------------------------------------------


async def test_upload_list_download_and_delete_an_image(server: RunningServer, ids: Ids) -> None:
    async with async_api(server) as aapi:
        version = f"2.0.0-{ids.suffix}"
        image = await upload(
            aapi, version, name="../../etc/Firmware v2.bin", vendor="ACME", description="rc1"
        )
        assert image["version"] == version
        assert image["size"] == len(IMAGE)
        assert image["sha256"] == hashlib.sha256(IMAGE).hexdigest()
        assert image["file_name"] == "Firmware_v2.bin"  # a safe name, no path
        assert (image["vendor"], image["model"], image["description"]) == ("ACME", "", "rc1")

        listed = (await aapi.get("/firmware", params={"limit": 500})).json()["items"]
        assert image["id"] in [item["id"] for item in listed]
        assert (await aapi.get(f"/firmware/{image['id']}")).json() == image
        stored = await aapi.get(f"/firmware/{image['id']}/file")
        assert stored.status_code == 200
        assert stored.content == IMAGE

        assert (await aapi.delete(f"/firmware/{image['id']}")).status_code == 204
        gone = await aapi.get(f"/firmware/{image['id']}")
        assert gone.status_code == 404
        assert gone.json()["error"] == "not_found"
        assert (await aapi.get(f"/firmware/{image['id']}/file")).status_code == 404


async def test_an_upload_must_be_a_form_with_a_file_and_a_version(server: RunningServer) -> None:
    async with async_api(server) as aapi:
        no_version = await aapi.post("/firmware", files={"file": ("a.bin", b"x")})
        assert no_version.status_code == 422, no_version.text
        assert no_version.json()["error"] == "validation_error"
        assert [f["field"] for f in no_version.json()["fields"]] == ["version"]

        no_file = await aapi.post("/firmware", files={"other": (None, "y")}, data={"version": "1"})
        assert no_file.status_code == 422, no_file.text
        assert no_file.json()["fields"][0]["field"] == "file"

        empty = await aapi.post("/firmware", files={"file": ("a.bin", b"")}, data={"version": "1"})
        assert empty.status_code == 422, empty.text

        too_long = await aapi.post(
            "/firmware", files={"file": ("a.bin", b"x")}, data={"version": "v" * 51}
        )
        assert too_long.status_code == 422, too_long.text

        as_json = await aapi.post("/firmware", json={"version": "1"})
        assert as_json.status_code == 415, as_json.text
        assert set(as_json.json()) - {"reason"} == {"error", "detail"}

        async with httpx.AsyncClient(base_url=aapi.base_url) as anonymous_client:
            anonymous = await anonymous_client.post(
                "/firmware", files={"file": ("a.bin", b"x")}, data={"version": "1"}
            )
        assert anonymous.status_code == 401


# UpdateFirmware to one station -----------------------------------------------------------------


async def test_update_firmware_on_a_16_station(server: RunningServer, ids: Ids) -> None:
    station = ids.station("FW16")
    async with async_api(server) as aapi, online16(server, aapi, station) as cp:
        image = await upload(aapi, f"2.0.0-{ids.suffix}", vendor="testvendor", model="TestModel")
        sent = await command(
            aapi,
            station,
            "update_firmware",
            {"firmware_id": image["id"], "retries": 2, "retry_interval": 30},
        )
        request = await cp.next_call("UpdateFirmware")
        assert request["retries"] == 2
        assert request["retryInterval"] == 30
        assert "retrieveDate" in request
        location = request["location"]
        assert location.startswith(server.base_url + "/files/firmware/")
        assert location.endswith("/fw-2.0.0.bin")
        assert sent["params"]["location"] == location

        # The station downloads over real HTTP: every byte, then a resumed part, then HEAD.
        got = await download(location)
        assert got.status_code == 200, got.text
        assert got.content == IMAGE
        assert hashlib.sha256(got.content).hexdigest() == image["sha256"]
        part = await download(location, Range="bytes=100-199")
        assert part.status_code == 206
        assert part.content == IMAGE[100:200]
        async with httpx.AsyncClient() as client:
            head = await client.head(location)
        assert head.status_code == 200
        assert int(head.headers["content-length"]) == len(IMAGE)
        assert head.content == b""

        [update] = await updates(aapi, station)
        assert update["status"] == "accepted"
        assert update["command_id"] == sent["id"]
        assert update["firmware_id"] == image["id"]

        await report16(cp, "Downloading", "Downloaded", "Installing")
        [update] = await updates(aapi, station)
        assert (update["status"], update["ocpp_status"]) == ("installing", "Installing")
        await report16(cp, "Installed")
        [update] = await updates(aapi, station)
        assert update["status"] == "installed"
        assert update["finished_at"] is not None
        detail = (await aapi.get(f"/stations/{station}")).json()
        assert detail["firmware_status"] == "Installed"

        # After the reboot the station reports its new version: the fleet view counts it.
        await cp.call(
            call16.BootNotification(
                charge_point_model="TestModel",
                charge_point_vendor="TestVendor",
                firmware_version=image["version"],
            )
        )
        versions = (await aapi.get("/firmware/versions")).json()
        assert {
            "vendor": "TestVendor",
            "model": "TestModel",
            "firmware_version": image["version"],
            "stations": 1,
        } in versions


async def test_update_firmware_on_a_201_station(server: RunningServer, ids: Ids) -> None:
    station = ids.station("FW201")
    async with async_api(server) as aapi, online201(server, aapi, station) as cp:
        image = await upload(
            aapi,
            f"3.1-{ids.suffix}",
            name="image.swu",
            signing_certificate="-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----",
            signature="c2lnbmF0dXJl",
        )
        retrieve_at = "2030-01-02T03:04:05Z"
        sent = await command(
            aapi,
            station,
            "update_firmware",
            {
                "firmware_id": image["id"],
                "retrieve_at": retrieve_at,
                "install_at": "2030-01-02T04:00:00Z",
            },
        )
        request = await cp.next_call("UpdateFirmware")
        assert request["requestId"] == sent["id"]
        firmware = request["firmware"]
        assert firmware["retrieveDateTime"] == "2030-01-02T03:04:05.000Z"
        assert firmware["installDateTime"] == "2030-01-02T04:00:00.000Z"
        assert firmware["signingCertificate"].startswith("-----BEGIN CERTIFICATE-----")
        assert firmware["signature"] == "c2lnbmF0dXJl"
        # Retrieval is years away: the link lasts until then (and a day more).
        expires = int(urlsplit(firmware["location"]).path.split("/")[4])
        assert expires > time.time() + 365 * 86400

        got = await download(firmware["location"])
        assert got.status_code == 200
        assert hashlib.sha256(got.content).hexdigest() == image["sha256"]

        # A notification about another request leaves this update as it was.
        await report201(cp, sent["id"] + 1_000_000, "Installed")
        await report201(cp, sent["id"], "Downloading")
        [update] = await updates(aapi, station)
        assert (update["status"], update["ocpp_status"]) == ("downloading", "Downloading")
        await report201(cp, None, "Idle")
        await report201(cp, sent["id"], "Downloaded", "SignatureVerified", "Installing")
        await report201(cp, sent["id"], "InstallationFailed")
        [update] = await updates(aapi, station)
        assert update["status"] == "failed"
        assert "InstallationFailed" in update["detail"]
        # A finished update stays as it finished.
        await report201(cp, sent["id"], "Installed")
        [update] = await updates(aapi, station)
        assert update["status"] == "failed"


async def test_a_refused_update_fails_and_a_mismatched_image_is_refused(
    server: RunningServer, ids: Ids
) -> None:
    station = ids.station("FWNO")
    async with async_api(server) as aapi, online201(server, aapi, station) as cp:
        other = await upload(aapi, f"9-{ids.suffix}", vendor="OtherVendor")
        wrong = await aapi.post(
            f"/stations/{station}/commands/update-firmware", json={"firmware_id": other["id"]}
        )
        assert wrong.status_code == 422, wrong.text
        assert wrong.json()["fields"][0]["field"] == "firmware_id"
        assert "OtherVendor" in wrong.json()["detail"]

        missing = await aapi.post(
            f"/stations/{station}/commands/update-firmware", json={"firmware_id": 2_000_000_000}
        )
        assert missing.status_code == 404, missing.text

        unknown_field = await aapi.post(
            f"/stations/{station}/commands/update-firmware",
            json={"firmware_id": other["id"], "location": "http://elsewhere/fw.bin"},
        )
        assert unknown_field.status_code == 422
        assert "UpdateFirmware" not in cp.actions()

        image = await upload(aapi, f"4-{ids.suffix}", model="testmodel")
        cp.answers["UpdateFirmware"] = "Rejected"
        refused = await command(
            aapi, station, "update_firmware", {"firmware_id": image["id"]}, status="rejected"
        )
        [update] = await updates(aapi, station)
        assert update["status"] == "failed"
        assert update["command_id"] == refused["id"]


async def test_links_that_are_expired_or_tampered_with_are_refused(
    server: RunningServer, ids: Ids
) -> None:
    station = ids.station("FWURL")
    async with async_api(server) as aapi, online16(server, aapi, station) as cp:
        image = await upload(aapi, f"5-{ids.suffix}")
        await command(aapi, station, "update_firmware", {"firmware_id": image["id"]})
        location = (await cp.next_call("UpdateFirmware"))["location"]
        assert (await download(location)).status_code == 200

        base, firmware_id, expires, mac, name = location.rsplit("/", 4)
        tampered = [
            f"{base}/{firmware_id}/{expires}/{mac[:-1]}{'0' if mac[-1] != '0' else '1'}/{name}",
            f"{base}/{firmware_id}/{int(expires) + 3600}/{mac}/{name}",
            f"{base}/{firmware_id}/{expires}/{mac}/other.bin",
            f"{base}/{int(firmware_id) + 1}/{expires}/{mac}/{name}",
            f"{base}/{firmware_id}/{expires}/not-hex/{name}",
            f"{base}/{firmware_id}/soon/{mac}/{name}",
        ]
        for url in tampered:
            refused = await download(url)
            assert refused.status_code == 403, url
            assert refused.json()["error"] == "forbidden"
            assert IMAGE[:64] not in refused.content

        # A link signed with the server's own secret, but past its expiry.
        secret = (server.settings.data_dir / "secret_key").read_text().strip().encode()
        past = int(time.time()) - 5
        good_mac = signature(secret, firmware_resource(int(firmware_id), name), past)
        expired = await download(f"{base}/{firmware_id}/{past}/{good_mac}/{name}")
        assert expired.status_code == 403
        assert "expired" in expired.json()["detail"]
        future = int(time.time()) + 600
        fresh = signature(secret, firmware_resource(int(firmware_id), name), future)
        assert (await download(f"{base}/{firmware_id}/{future}/{fresh}/{name}")).status_code == 200


# Campaigns -----------------------------------------------------------------------------------


async def test_a_staged_campaign_rolls_out_after_the_first_batch_installs(
    server: RunningServer, ids: Ids
) -> None:
    names = [ids.station(f"CMP{n}") for n in range(4)]
    async with (
        async_api(server) as aapi,
        online16(server, aapi, names[0]) as first,
        online201(server, aapi, names[1]) as second,
        online16(server, aapi, names[2]) as third,
        online201(server, aapi, names[3]) as fourth,
    ):
        image = await upload(aapi, f"6.0-{ids.suffix}", vendor="TestVendor")
        response = await aapi.post(
            "/firmware-campaigns",
            json={"firmware_id": image["id"], "station_ids": names, "first_batch_size": 1},
        )
        assert response.status_code == 201, response.text
        created = response.json()
        assert created["status"] == "first_batch"
        assert created["first_batch_size"] == 1
        assert [t["batch"] for t in created["targets"]] == [1, 2, 2, 2]
        assert target(created, names[0])["status"] in ("sent", "accepted")
        assert created["progress"]["pending"] == 3

        request = await first.next_call("UpdateFirmware")
        got = await download(request["location"])
        assert hashlib.sha256(got.content).hexdigest() == image["sha256"]
        for cp in (second, third, fourth):
            await quiet(cp, "UpdateFirmware", 0.3)

        # The image cannot go while the campaign runs; nor may its stations join another.
        assert (await aapi.delete(f"/firmware/{image['id']}")).status_code == 409
        again = await aapi.post(
            "/firmware-campaigns", json={"firmware_id": image["id"], "station_ids": names[2:]}
        )
        assert again.status_code == 409, again.text

        await report16(first, "Downloading", "Downloaded", "Installing")
        for cp in (second, third, fourth):
            await quiet(cp, "UpdateFirmware", 0.3)
        await report16(first, "Installed")

        # Every other station gets the update, with the same kind of link.
        rest = [
            await second.next_call("UpdateFirmware"),
            await third.next_call("UpdateFirmware"),
            await fourth.next_call("UpdateFirmware"),
        ]
        for request in (rest[0]["firmware"], rest[1], rest[2]["firmware"]):
            assert (await download(request["location"])).content == IMAGE
        found = await campaign(aapi, created["id"])
        assert found["status"] == "rollout"

        await report201(second, rest[0]["requestId"], "Installed")
        await report16(third, "DownloadFailed")
        found = await campaign(aapi, created["id"])
        assert found["status"] == "rollout"
        assert target(found, names[2])["status"] == "failed"
        await report201(fourth, rest[2]["requestId"], "Downloading", "Installed")
        found = await eventually(
            lambda: campaign(aapi, created["id"]), lambda c: c["status"] == "completed"
        )
        assert found["status"] == "completed"
        assert found["finished_at"] is not None
        assert found["progress"]["installed"] == 3
        assert found["progress"]["failed"] == 1
        assert [target(found, n)["status"] for n in names] == [
            "installed",
            "installed",
            "failed",
            "installed",
        ]
        listed = (await aapi.get("/firmware-campaigns", params={"limit": 500})).json()["items"]
        [summary] = [c for c in listed if c["id"] == created["id"]]
        assert summary["progress"] == found["progress"]
        assert (await aapi.delete(f"/firmware/{image['id']}")).status_code == 204


async def test_a_failure_in_the_first_batch_halts_the_campaign(
    server: RunningServer, ids: Ids
) -> None:
    names = [ids.station(f"HLT{n}") for n in range(3)]
    async with (
        async_api(server) as aapi,
        online201(server, aapi, names[0]) as first,
        online16(server, aapi, names[1]) as second,
        online16(server, aapi, names[2]) as third,
    ):
        image = await upload(aapi, f"7.0-{ids.suffix}")
        response = await aapi.post(
            "/firmware-campaigns",
            json={
                "firmware_id": image["id"],
                "station_ids": names,
                "first_batch_percent": 10,
                "name": "halting",
            },
        )
        assert response.status_code == 201, response.text
        created = response.json()
        assert created["name"] == "halting"
        assert created["first_batch_size"] == 1  # 10 % of 3, rounded up
        request = await first.next_call("UpdateFirmware")
        await report201(first, request["requestId"], "Downloading", "DownloadFailed")

        found = await campaign(aapi, created["id"])
        assert found["status"] == "halted"
        assert names[0] in found["reason"]
        assert [t["status"] for t in found["targets"]] == ["failed", "cancelled", "cancelled"]
        for cp in (second, third):
            await quiet(cp, "UpdateFirmware", 1.0)
        # A late success does not bring a halted campaign back.
        await report201(first, request["requestId"], "Installed")
        assert (await campaign(aapi, created["id"]))["status"] == "halted"
        cancelled = await aapi.post(f"/firmware-campaigns/{created['id']}/cancel")
        assert cancelled.status_code == 409


async def test_campaigns_by_filter_refusals_and_cancel(server: RunningServer, ids: Ids) -> None:
    names = [ids.station(f"SEL{n}") for n in range(3)]
    async with async_api(server) as aapi:
        site = (await aapi.post("/sites", json={"name": f"Depot {ids.suffix}"})).json()
        async with (
            online16(server, aapi, names[0]) as first,
            online201(server, aapi, names[1]) as second,
        ):
            for name in names[:2]:
                moved = await aapi.patch(f"/stations/{name}", json={"site_id": site["id"]})
                assert moved.status_code == 200, moved.text
            await aapi.post("/stations", json={"ocpp_id": names[2], "site_id": site["id"]})
            image = await upload(aapi, f"8.0-{ids.suffix}", model="TestModel")

            # The third station never booted: it is not known to be a TestModel.
            named = await aapi.post(
                "/firmware-campaigns", json={"firmware_id": image["id"], "station_ids": names}
            )
            assert named.status_code == 422, named.text
            assert named.json()["fields"][0]["field"] == "station_ids"
            assert f"{names[2]}: " in named.json()["detail"]
            assert "has not reported its model" in named.json()["detail"]
            nobody = await aapi.post("/firmware-campaigns", json={"firmware_id": image["id"]})
            assert nobody.status_code == 422
            no_match = await aapi.post(
                "/firmware-campaigns",
                json={"firmware_id": image["id"], "site_id": site["id"], "vendor": "Nobody"},
            )
            assert no_match.status_code == 422
            no_site = await aapi.post(
                "/firmware-campaigns", json={"firmware_id": image["id"], "site_id": 2_000_000_000}
            )
            assert no_site.status_code == 404
            both = await aapi.post(
                "/firmware-campaigns",
                json={
                    "firmware_id": image["id"],
                    "site_id": site["id"],
                    "first_batch_size": 1,
                    "first_batch_percent": 50,
                },
            )
            assert both.status_code == 422

            response = await aapi.post(
                "/firmware-campaigns",
                json={"firmware_id": image["id"], "site_id": site["id"], "model": "TESTMODEL"},
            )
            assert response.status_code == 201, response.text
            created = response.json()
            assert sorted(t["station_id"] for t in created["targets"]) == sorted(names[:2])
            assert created["selection"]["site_id"] == site["id"]
            [batch1] = [t for t in created["targets"] if t["batch"] == 1]
            leader, follower = (
                (first, second) if batch1["station_id"] == names[0] else (second, first)
            )
            await leader.next_call("UpdateFirmware")

            cancelled = await aapi.post(f"/firmware-campaigns/{created['id']}/cancel")
            assert cancelled.status_code == 200, cancelled.text
            body = cancelled.json()
            assert body["status"] == "cancelled"
            assert body["progress"]["cancelled"] == 1
            assert "cancelled by" in body["reason"]
            again = await aapi.post(f"/firmware-campaigns/{created['id']}/cancel")
            assert again.status_code == 409
            assert again.json()["error"] == "conflict"
            await quiet(follower, "UpdateFirmware", 0.5)
            # The image may go now; the campaign keeps the version it rolled out.
            assert (await aapi.delete(f"/firmware/{image['id']}")).status_code == 204
            found = await campaign(aapi, created["id"])
            assert found["firmware_id"] is None
            assert found["firmware_version"] == image["version"]
            assert (await aapi.get("/firmware-campaigns/2000000000")).status_code == 404


async def test_an_offline_station_waits_behind_online_ones(server: RunningServer, ids: Ids) -> None:
    """Stations online at the start form the first batch; an offline one in the rest fails
    at once when its turn comes, and the campaign completes without it."""
    names = [ids.station(f"OFF{n}") for n in range(2)]
    async with async_api(server) as aapi:
        await aapi.post("/stations", json={"ocpp_id": names[0]})
        async with online16(server, aapi, names[1]) as online:
            image = await upload(aapi, f"9.0-{ids.suffix}")
            response = await aapi.post(
                "/firmware-campaigns", json={"firmware_id": image["id"], "station_ids": names}
            )
            assert response.status_code == 201, response.text
            created = response.json()
            assert target(created, names[1])["batch"] == 1
            assert target(created, names[0])["batch"] == 2
            await online.next_call("UpdateFirmware")
            await report16(online, "Installed")
            found = await eventually(
                lambda: campaign(aapi, created["id"]), lambda c: c["status"] == "completed"
            )
            assert found["status"] == "completed"
            offline = target(found, names[0])
            assert offline["status"] == "failed"
            assert "not connected" in offline["detail"]
