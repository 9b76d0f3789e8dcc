"""The station page's other tools over HTTP, with real OCPP 1.6 stations: a vendor operation
(the protective-device self-test) with the station's answer, the local authorization list,
reservations made and cancelled, and certificates for the roles with security:manage; errors
beside the field with nothing sent, and the roles that may not."""

from __future__ import annotations

from collections.abc import AsyncIterator

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


def operations(station: str) -> str:
    return f"/stations/{station}/operations"


async def test_a_technician_runs_the_rcd_self_test_from_the_station_page(
    server: RunningServer, aapi: httpx.AsyncClient, ids: Ids
) -> None:
    station = ids.station("RCD")
    name = f"rcd-self-test-{ids.suffix.lower()}"
    created = await aapi.post(
        "/vendor-templates",
        json={
            "name": name,
            "vendor_id": "com.example.rcd",
            "message_id": "RcdSelfTest",
            "data": {"test": "rcd", "trip_current_ma": 30},
            "station_vendor": "TestVendor",
            "description": "Trips the residual-current device",
        },
    )
    assert created.status_code == 201, created.text
    other = await aapi.post(
        "/vendor-templates",
        json={"name": f"other-{ids.suffix}", "vendor_id": "x", "station_vendor": "OtherMake"},
    )
    assert other.status_code == 201, other.text
    technician = await visitor(server, aapi, "technician")
    async with online16(server, aapi, station) as cp:
        page = await technician.get(f"/stations/{station}")
        assert f"{name} — Trips the residual-current device" in page.text
        assert f"other-{ids.suffix}" not in page.text  # for another make

        empty = await technician.post(f"{operations(station)}/vendor", {"template": ""})
        assert empty.status_code == 422
        assert 'id="vendor-template-error"' in empty.text
        assert "DataTransfer" not in cp.actions()

        cp.answers["DataTransfer"] = {"status": "Accepted", "data": "tripped at 28 mA in 19 ms"}
        ran = await technician.post(f"{operations(station)}/vendor", {"template": name})
        assert ran.status_code == 200, ran.text
        sent = await cp.next_call("DataTransfer")
        assert sent["vendorId"] == "com.example.rcd"
        assert sent["messageId"] == "RcdSelfTest"
        assert 'data-status="accepted"' in ran.text
        assert "tripped at 28 mA in 19 ms" in ran.text

        wrong = await technician.post(
            f"{operations(station)}/vendor", {"template": f"other-{ids.suffix}"}
        )
        assert "The command was not sent" in wrong.text
        assert len([a for a in cp.actions() if a == "DataTransfer"]) == 1

    viewer = await visitor(server, aapi, "viewer")
    refused = await viewer.post(f"{operations(station)}/vendor", {"template": name})
    assert refused.status_code == 403
    await viewer.client.aclose()
    await technician.client.aclose()


async def test_the_local_list_and_reservations_from_the_station_page(
    server: RunningServer, aapi: httpx.AsyncClient, ids: Ids
) -> None:
    station, tag = ids.station("LL"), ids.tag()
    await token(aapi, tag)
    technician = await visitor(server, aapi, "technician")
    async with online16(server, aapi, station) as cp:
        page = await technician.get(f"/stations/{station}")
        assert "The station was never sent a local list." in page.text

        bad = await technician.post(f"{operations(station)}/local-list", {"update_type": "some"})
        assert bad.status_code == 422
        assert 'id="local-list-update-error"' in bad.text
        sent = await technician.post(f"{operations(station)}/local-list", {"update_type": "full"})
        assert sent.status_code == 200, sent.text
        request = await cp.next_call("SendLocalList")
        assert request["updateType"] == "Full"
        assert any(e["idTag"] == tag for e in request["localAuthorizationList"])
        assert f"The station holds list version {request['listVersion']} with" in sent.text
        version = await technician.post(f"{operations(station)}/local-list-version", {})
        await cp.next_call("GetLocalListVersion")
        assert f"The station says its list is version {request['listVersion']}." in version.text

        no_token = await technician.post(
            f"{operations(station)}/reserve", {"id_tag": "", "evse_id": "1", "minutes": "0"}
        )
        assert no_token.status_code == 422
        assert 'id="reserve-token-error"' in no_token.text
        assert 'id="reserve-minutes-error"' in no_token.text
        assert "from 1 to 1440" in no_token.text
        assert "ReserveNow" not in cp.actions()
        reserved = await technician.post(
            f"{operations(station)}/reserve", {"id_tag": tag, "evse_id": "1", "minutes": "45"}
        )
        assert reserved.status_code == 200, reserved.text
        reserve = await cp.next_call("ReserveNow")
        assert (reserve["connectorId"], reserve["idTag"]) == (1, tag)
        assert 'data-status="active"' in reserved.text
        assert "Reserved" in reserved.text
        reservation_id = reserve["reservationId"]

        cancelled = await technician.post(
            f"{operations(station)}/cancel-reservation", {"reservation_id": str(reservation_id)}
        )
        assert cancelled.status_code == 200, cancelled.text
        assert (await cp.next_call("CancelReservation")) == {"reservationId": reservation_id}
        assert 'data-status="cancelled"' in cancelled.text
        nothing = await technician.post(
            f"{operations(station)}/cancel-reservation", {"reservation_id": ""}
        )
        assert nothing.status_code == 422
        assert 'id="cancel-error"' in nothing.text
    await technician.client.aclose()


async def test_certificates_are_for_the_roles_that_manage_security(
    server: RunningServer, aapi: httpx.AsyncClient, ids: Ids
) -> None:
    station = ids.station("CERT")
    technician = await visitor(server, aapi, "technician")
    admin = await visitor(server, aapi, "admin")
    async with online16(server, aapi, station) as cp:
        assert 'id="tool-certificates"' not in (await technician.get(f"/stations/{station}")).text
        forbidden = await technician.post(
            f"{operations(station)}/certificates", {"certificate_type": "csms_root"}
        )
        assert forbidden.status_code == 403

        page = await admin.get(f"/stations/{station}")
        assert 'id="tool-certificates"' in page.text
        assert "Central system root" in page.text
        cp.answers["GetInstalledCertificateIds"] = {
            "status": "Accepted",
            "certificateHashData": [
                {
                    "hashAlgorithm": "SHA256",
                    "issuerNameHash": "a" * 64,
                    "issuerKeyHash": "b" * 64,
                    "serialNumber": "0123ABCD",
                }
            ],
        }
        listed = await admin.post(
            f"{operations(station)}/certificates", {"certificate_type": "manufacturer_root"}
        )
        assert listed.status_code == 200, listed.text
        asked = await cp.next_call("GetInstalledCertificateIds")
        assert asked == {"certificateType": "ManufacturerRootCertificate"}
        assert "0123ABCD" in listed.text

        deleted = await admin.post(
            f"{operations(station)}/delete-certificate",
            {
                "hash_algorithm": "SHA256",
                "issuer_name_hash": "a" * 64,
                "issuer_key_hash": "b" * 64,
                "serial_number": "0123ABCD",
            },
        )
        assert deleted.status_code == 200, deleted.text
        assert (await cp.next_call("DeleteCertificate"))["certificateHashData"][
            "serialNumber"
        ] == "0123ABCD"

        empty = await admin.post(
            f"{operations(station)}/install-certificate",
            {"certificate_type": "csms_root", "certificate": ""},
        )
        assert empty.status_code == 422
        assert 'id="install-certificate-error"' in empty.text
        assert "InstallCertificate" not in cp.actions()
    await technician.client.aclose()
    await admin.client.aclose()


async def test_vendor_operations_are_added_and_deleted_from_their_page(
    server: RunningServer, aapi: httpx.AsyncClient, ids: Ids
) -> None:
    technician = await visitor(server, aapi, "technician")
    assert (await technician.get("/vendor-operations")).status_code == 200
    empty = await technician.post("/vendor-operations", {"name": "", "vendor_id": ""})
    assert empty.status_code == 422
    assert 'id="f-name-error"' in empty.text
    assert 'id="f-vendor_id-error"' in empty.text

    name = f"rcd-{ids.suffix.lower()}"
    fields = {
        "name": name,
        "vendor_id": "com.example",
        "message_id": "RcdSelfTest",
        "data": '{"trip_current_ma": 30}',
        "description": "Trips the RCD",
    }
    added = await technician.post("/vendor-operations", fields)
    assert added.status_code == 303, added.text
    listed = await technician.get("/vendor-operations")
    assert name in listed.text
    assert "Trips the RCD" in listed.text
    [stored] = [
        t for t in (await aapi.get("/vendor-templates")).json()["items"] if t["name"] == name
    ]
    assert stored["data"] == {"trip_current_ma": 30}  # JSON typed is kept as JSON
    again = await technician.post("/vendor-operations", fields)
    assert again.status_code == 422
    assert "A vendor operation of this name exists already." in again.text

    deleted = await technician.post(f"/vendor-operations/{stored['id']}/delete", {})
    assert deleted.status_code == 303
    assert name not in (await technician.get("/vendor-operations")).text
    gone = await technician.post(f"/vendor-operations/{stored['id']}/delete", {})
    assert gone.status_code == 404

    viewer = await visitor(server, aapi, "viewer")
    assert (await viewer.get("/vendor-operations")).status_code == 403
    assert (await viewer.post("/vendor-operations", fields)).status_code == 403
    await viewer.client.aclose()
    await technician.client.aclose()
