"""The security commands through the REST API, to independent 1.6 and 2.0.1 stations (the
``ocpp`` library's charge points over real WebSockets): certificates installed, deleted and
listed, ExtendedTriggerMessage, GetLog and the signed firmware update; and the station
password, which only ``rotate_password`` may set."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from ocpp.v16 import call as call16

from tests.conftest import Ids
from tests.support.commands import (
    async_api,
    command,
    online16,
    online201,
    post,
    refused_command,
)
from tests.support.server import RunningServer
from tests.support.tls import TestCA, cert_pem

Json = dict[str, Any]
HASH = {
    "hash_algorithm": "SHA256",
    "issuer_name_hash": "6e3f2a",
    "issuer_key_hash": "9b1c4d",
    "serial_number": "1a2b",
}
OCPP_HASH = {
    "hashAlgorithm": "SHA256",
    "issuerNameHash": "6e3f2a",
    "issuerKeyHash": "9b1c4d",
    "serialNumber": "1a2b",
}
SIGNING_CERTIFICATE = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----"


@pytest.fixture
async def aapi(server: RunningServer) -> AsyncIterator[httpx.AsyncClient]:
    async with async_api(server) as client:
        yield client


@pytest.fixture(scope="module")
def root_pem() -> str:
    return cert_pem(TestCA.create("Some CSMS root").certificate).decode()


async def upload_signed(aapi: httpx.AsyncClient, version: str, signed: bool = True) -> Json:
    fields = {"signing_certificate": SIGNING_CERTIFICATE, "signature": "c2lnbmF0dXJl"}
    response = await aapi.post(
        "/firmware",
        files={"file": ("fw.bin", b"\x01firmware" * 100, "application/octet-stream")},
        data={"version": version, **(fields if signed else {})},
    )
    assert response.status_code == 201, response.text
    body: Json = response.json()
    return body


# Certificates ------------------------------------------------------------------------------


async def test_install_delete_and_list_certificates_on_a_16_station(
    server: RunningServer, aapi: httpx.AsyncClient, ids: Ids, root_pem: str
) -> None:
    station = ids.station()
    async with online16(server, aapi, station) as cp:
        installed = await command(
            aapi,
            station,
            "install_certificate",
            {"certificate_type": "csms_root", "certificate": root_pem},
        )
        assert await cp.next_call("InstallCertificate") == {
            "certificateType": "CentralSystemRootCertificate",
            "certificate": root_pem,
        }
        assert installed["response"] == {"status": "Accepted"}

        cp.answers["GetInstalledCertificateIds"] = {
            "status": "Accepted",
            "certificateHashData": [OCPP_HASH],
        }
        listed = await command(
            aapi,
            station,
            "get_installed_certificate_ids",
            {"certificate_types": ["manufacturer_root"]},
        )
        assert await cp.next_call("GetInstalledCertificateIds") == {
            "certificateType": "ManufacturerRootCertificate"
        }
        assert listed["result"] == {
            "certificates": [{"certificate_type": "manufacturer_root", **HASH}]
        }

        # None of that type: an empty list, not a failure.
        cp.answers["GetInstalledCertificateIds"] = {"status": "NotFound"}
        none = await command(
            aapi, station, "get_installed_certificate_ids", {"certificate_types": ["csms_root"]}
        )
        assert none["result"] == {"certificates": []}

        deleted = await command(aapi, station, "delete_certificate", HASH, status="rejected")
        assert await cp.next_call("DeleteCertificate") == {"certificateHashData": OCPP_HASH}
        assert deleted["response"] == {"status": "NotFound"}

        # What a 1.6 station cannot hold, or be asked, is refused before anything is sent.
        await refused_command(
            aapi,
            station,
            "install_certificate",
            {"certificate_type": "v2g_root", "certificate": root_pem},
            "params",
        )
        await refused_command(aapi, station, "get_installed_certificate_ids", {}, "params")
    assert cp.actions().count("InstallCertificate") == 1


async def test_install_delete_and_list_certificates_on_a_201_station(
    server: RunningServer, aapi: httpx.AsyncClient, ids: Ids, root_pem: str
) -> None:
    station = ids.station()
    async with online201(server, aapi, station) as cp:
        for kind, ocpp_kind in (
            ("csms_root", "CSMSRootCertificate"),
            ("v2g_root", "V2GRootCertificate"),
        ):
            await command(
                aapi,
                station,
                "install_certificate",
                {"certificate_type": kind, "certificate": root_pem},
            )
            assert await cp.next_call("InstallCertificate") == {
                "certificateType": ocpp_kind,
                "certificate": root_pem,
            }
        cp.answers["InstallCertificate"] = "Failed"
        failed = await command(
            aapi,
            station,
            "install_certificate",
            {"certificate_type": "mo_root", "certificate": root_pem},
            status="rejected",
        )
        assert failed["error"] == "station answered Failed"

        cp.answers["GetInstalledCertificateIds"] = {
            "status": "Accepted",
            "certificateHashDataChain": [
                {
                    "certificateType": "V2GCertificateChain",
                    "certificateHashData": OCPP_HASH,
                    "childCertificateHashData": [{**OCPP_HASH, "serialNumber": "ff"}],
                },
                {"certificateType": "CSMSRootCertificate", "certificateHashData": OCPP_HASH},
            ],
        }
        listed = await command(aapi, station, "get_installed_certificate_ids", {})
        assert await cp.next_call("GetInstalledCertificateIds") == {}
        assert listed["result"]["certificates"] == [
            {"certificate_type": "v2g_chain", **HASH},
            {"certificate_type": "v2g_chain", **HASH, "serial_number": "ff", "child": True},
            {"certificate_type": "csms_root", **HASH},
        ]
        await command(
            aapi,
            station,
            "get_installed_certificate_ids",
            {"certificate_types": ["csms_root", "v2g_chain"]},
        )
        assert await cp.next_call("GetInstalledCertificateIds") == {
            "certificateType": ["CSMSRootCertificate", "V2GCertificateChain"]
        }

        cp.answers["DeleteCertificate"] = "Accepted"
        await command(aapi, station, "delete_certificate", HASH)
        assert await cp.next_call("DeleteCertificate") == {"certificateHashData": OCPP_HASH}


async def test_certificate_bodies_are_checked(
    server: RunningServer, aapi: httpx.AsyncClient, ids: Ids
) -> None:
    station = ids.station()
    async with online201(server, aapi, station) as cp:
        not_pem = await post(
            aapi,
            station,
            "install_certificate",
            {"certificate_type": "csms_root", "certificate": "x"},
        )
        assert not_pem.status_code == 422
        assert not_pem.json()["error"] == "validation_error"
        bad_hash = await post(
            aapi, station, "delete_certificate", {**HASH, "hash_algorithm": "MD5"}
        )
        assert bad_hash.status_code == 422
    assert "InstallCertificate" not in cp.actions()


# Triggers, logs, signed firmware -------------------------------------------------------------


async def test_extended_trigger_message_is_a_16_command(
    server: RunningServer, aapi: httpx.AsyncClient, ids: Ids
) -> None:
    station16, station201 = ids.station("A"), ids.station("B")
    async with online16(server, aapi, station16) as cp:
        await command(
            aapi,
            station16,
            "extended_trigger_message",
            {"message": "SignChargePointCertificate"},
        )
        assert await cp.next_call("ExtendedTriggerMessage") == {
            "requestedMessage": "SignChargePointCertificate"
        }
        cp.answers["ExtendedTriggerMessage"] = "NotImplemented"
        refused = await command(
            aapi,
            station16,
            "extended_trigger_message",
            {"message": "StatusNotification", "evse_id": 2},
            status="rejected",
        )
        assert refused["request"] == {"requestedMessage": "StatusNotification", "connectorId": 2}
    async with online201(server, aapi, station201):
        response = await post(
            aapi, station201, "extended_trigger_message", {"message": "Heartbeat"}
        )
        assert response.status_code == 422
        assert "1.6" in response.json()["detail"]


async def test_2_0_1_trigger_message_asks_for_a_certificate(
    server: RunningServer, aapi: httpx.AsyncClient, ids: Ids
) -> None:
    station = ids.station()
    async with online201(server, aapi, station) as cp:
        await command(
            aapi, station, "trigger_message", {"message": "SignChargingStationCertificate"}
        )
        assert await cp.next_call("TriggerMessage") == {
            "requestedMessage": "SignChargingStationCertificate"
        }


@pytest.mark.parametrize("version", ["1.6", "2.0.1"])
async def test_get_log_hands_the_station_an_upload_location(
    server: RunningServer, aapi: httpx.AsyncClient, ids: Ids, version: str
) -> None:
    station = ids.station()
    online = online16 if version == "1.6" else online201
    async with online(server, aapi, station) as cp:
        done = await command(
            aapi,
            station,
            "get_log",
            {"log_type": "SecurityLog", "start": "2030-01-01T00:00:00Z"},
        )
        request = await cp.next_call("GetLog")
        assert request["logType"] == "SecurityLog"
        assert request["requestId"] == done["id"]
        assert request["log"]["oldestTimestamp"] == "2030-01-01T00:00:00.000Z"
        location = request["log"]["remoteLocation"]
        assert location.startswith(server.base_url)
        assert done["result"] == {"file_name": "log.zip"}

        # The station reports progress naming the command, and uploads its log.
        if version == "1.6":
            await cp.call(call16.LogStatusNotification(status="Uploading", request_id=done["id"]))
        else:
            await cp.send_action(
                "LogStatusNotification", {"status": "Uploading", "requestId": done["id"]}
            )
        [upload] = (await aapi.get(f"/stations/{station}/diagnostics")).json()["items"]
        assert (upload["log_type"], upload["station_status"]) == ("SecurityLog", "Uploading")
        assert upload["command_id"] == done["id"]
        async with httpx.AsyncClient() as client:
            uploaded = await client.put(location, content=b"security log\n")
        assert uploaded.status_code == 201, uploaded.text
        [upload] = (await aapi.get(f"/stations/{station}/diagnostics")).json()["items"]
        assert upload["status"] == "uploaded"


@pytest.mark.parametrize("version", ["1.6", "2.0.1"])
async def test_signed_firmware_update_carries_the_images_certificate_and_signature(
    server: RunningServer, aapi: httpx.AsyncClient, ids: Ids, version: str
) -> None:
    station = ids.station()
    signed = await upload_signed(aapi, f"9.{ids.suffix}")
    unsigned = await upload_signed(aapi, f"8.{ids.suffix}", signed=False)
    online = online16 if version == "1.6" else online201
    action = "SignedUpdateFirmware" if version == "1.6" else "UpdateFirmware"
    async with online(server, aapi, station) as cp:
        done = await command(
            aapi,
            station,
            "signed_update_firmware",
            {"firmware_id": signed["id"], "retrieve_at": "2030-01-01T00:00:00Z", "retries": 2},
        )
        request = await cp.next_call(action)
        assert request["requestId"] == done["id"]
        assert request["retries"] == 2
        firmware = request["firmware"]
        assert firmware["signingCertificate"] == SIGNING_CERTIFICATE
        assert firmware["signature"] == "c2lnbmF0dXJl"
        assert firmware["retrieveDateTime"] == "2030-01-01T00:00:00.000Z"
        assert firmware["location"].startswith(server.base_url)
        updates = (await aapi.get(f"/stations/{station}/firmware-updates")).json()["items"]
        assert updates[0]["firmware_version"] == signed["version"]

        # An image without a signature cannot be sent as a signed update.
        await refused_command(
            aapi, station, "signed_update_firmware", {"firmware_id": unsigned["id"]}, "params"
        )
    assert cp.actions().count(action) == 1


# The password is the rotation's alone --------------------------------------------------------


async def test_the_station_password_is_not_set_by_the_generic_commands(
    server: RunningServer, aapi: httpx.AsyncClient, ids: Ids
) -> None:
    station16, station201 = ids.station("A"), ids.station("B")
    async with online16(server, aapi, station16) as cp16:
        detail = (
            await refused_command(
                aapi,
                station16,
                "change_configuration",
                {"key": "authorizationkey", "value": "00" * 16},
                "params",
            )
        )["detail"]
        assert "rotate_password" in detail
    async with online201(server, aapi, station201) as cp201:
        variable = {
            "component": "SecurityCtrlr",
            "variable": "BasicAuthPassword",
            "value": "x" * 16,
        }
        await refused_command(
            aapi, station201, "set_variables", {"variables": [variable]}, "params"
        )
    assert "ChangeConfiguration" not in cp16.actions()
    assert "SetVariables" not in cp201.actions()
