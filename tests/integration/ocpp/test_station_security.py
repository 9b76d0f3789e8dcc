"""OCPP security profiles through real connections: HTTP Basic over ws:// and wss://, mutual
TLS with client certificates made in the test, the duplicate-connection attack, throttling,
password rotation through the protocol and station certificates signed by Kilowatt's CA.

The server serves plain on its port and TLS on a port of its own, with a server certificate
for 127.0.0.1 and the station CA of the test (which it also signs station certificates with).
It believes X-Forwarded-For from 127.0.0.1, so that each client of a test has a source address
of its own and the tests' failed attempts stay apart."""

from __future__ import annotations

import asyncio
import os
import ssl
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from ocpp.v16 import call as call16
from websockets.exceptions import ConnectionClosed, InvalidMessage

from tests.conftest import BACKENDS, Ids
from tests.support.commands import async_api, command, eventually, post, register
from tests.support.secure import Client, closed, new_source, refused, station
from tests.support.server import (
    RunningServer,
    free_port,
    start_server,
    start_tls_server,
    stop_server,
)
from tests.support.station_answers import NEVER
from tests.support.tls import (
    TestCA,
    TlsFiles,
    chain_of,
    common_name,
    signing_request,
    verify_issued_by,
)

Json = dict[str, Any]
MAX_FAILURES = 3
BLOCK = 2


@pytest.fixture(scope="session")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> TlsFiles:
    return TlsFiles.create(Path(tmp_path_factory.mktemp("tls")))


@pytest.fixture(scope="session", params=BACKENDS)
def secure_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, tls_files: TlsFiles
) -> Iterator[RunningServer]:
    backend = str(request.param)
    server = start_tls_server(
        backend,
        Path(tmp_path_factory.mktemp(f"kilowatt-secure-{backend}")),
        tls_files.server_cert_file,
        tls_files.server_key_file,
        ca_cert_file=str(tls_files.station_ca_cert_file),
        ca_key_file=str(tls_files.station_ca_key_file),
        trusted_proxies="127.0.0.1",
        ocpp_auth_max_failures=MAX_FAILURES,
        ocpp_auth_max_failures_per_source=6,
        ocpp_auth_failure_window=30,
        ocpp_auth_block_seconds=BLOCK,
        ocpp_auth_max_block_seconds=2 * BLOCK,
    )
    try:
        yield server
    finally:
        stop_server(server)


@pytest.fixture
async def aapi(secure_server: RunningServer) -> AsyncIterator[httpx.AsyncClient]:
    async with async_api(secure_server) as client:
        yield client


async def credentials(aapi: httpx.AsyncClient, ocpp_id: str, **body: Any) -> Json:
    response = await aapi.post(f"/stations/{ocpp_id}/credentials", json=body)
    assert response.status_code == 200, response.text
    found: Json = response.json()
    return found


async def registered(aapi: httpx.AsyncClient, ocpp_id: str, profile: int) -> str:
    """A registered station at ``profile``; its password (empty at profile 3)."""
    await register(aapi, ocpp_id)
    return str((await credentials(aapi, ocpp_id, security_profile=profile))["password"] or "")


async def detail(aapi: httpx.AsyncClient, ocpp_id: str) -> Json:
    found: Json = (await aapi.get(f"/stations/{ocpp_id}")).json()
    return found


async def events(aapi: httpx.AsyncClient, ocpp_id: str, kind: str) -> list[Json]:
    response = await aapi.get(f"/stations/{ocpp_id}/events", params={"kind": kind, "limit": 200})
    assert response.status_code == 200, response.text
    items: list[Json] = response.json()["items"]
    return items


async def messages(aapi: httpx.AsyncClient, ocpp_id: str) -> str:
    """Every frame of the station in the message log, as text (it is written in batches)."""
    await asyncio.sleep(1.0)
    response = await aapi.get(f"/stations/{ocpp_id}/messages", params={"limit": 500})
    assert response.status_code == 200, response.text
    return response.text


async def handshake_fails(client: Client) -> BaseException:
    """The TLS handshake must fail (a certificate the server does not trust): the error."""
    try:
        async with client.connect() as websocket:
            await websocket.send('[2,"1","Heartbeat",{}]')
            await asyncio.wait_for(websocket.recv(), 10)
    except (ssl.SSLError, OSError, InvalidMessage, ConnectionClosed) as error:
        return error
    raise AssertionError(f"{client.station} was let in with an untrusted certificate")


def assert_secret_kept(server: RunningServer, texts: list[str], *secrets: str) -> None:
    """No password, nor its AuthorizationKey form, in the server's log or in ``texts``."""
    log = server.log()
    for secret in secrets:
        for form in (secret, secret.encode().hex()):
            assert form not in log
            for text in texts:
                assert form not in text


# Profile 1: HTTP Basic ---------------------------------------------------------------------


async def test_profile_1_needs_the_right_password(
    secure_server: RunningServer, aapi: httpx.AsyncClient, ids: Ids
) -> None:
    ocpp_id = ids.station()
    await register(aapi, ocpp_id)
    issued = await credentials(aapi, ocpp_id, security_profile=1)
    password = issued["password"]
    assert issued["security_profile"] == 1
    assert issued["username"] == ocpp_id
    assert len(password) == 20
    assert password.isalnum()
    assert issued["authorization_key"] == password.encode().hex()
    url = secure_server.ocpp_url
    home = new_source()

    async with station(Client(url, ocpp_id, password, source=home)) as cp:
        assert (await cp.boot()).status == "Accepted"
        found = await detail(aapi, ocpp_id)
        assert (found["online"], found["security_profile"], found["has_password"]) == (
            True,
            1,
            True,
        )
    await eventually(lambda: detail(aapi, ocpp_id), lambda found: not found["online"])

    missing = await refused(Client(url, ocpp_id))
    assert missing.status == 401
    assert missing.headers["www-authenticate"].startswith("Basic realm=")
    assert missing.body["error"] == "credentials_required"
    wrong = await refused(Client(url, ocpp_id, "x" * 20))
    assert (wrong.status, wrong.body["error"]) == (401, "invalid_credentials")
    assert "www-authenticate" in wrong.headers
    other_user = await refused(Client(url, ocpp_id, password, username="SOMEONE-ELSE"))
    assert (other_user.status, other_user.body["error"]) == (401, "invalid_credentials")
    assert "user name" in other_user.body["detail"]

    # The stations's usual address is not locked out by failures elsewhere; and a station
    # that sends its AuthorizationKey (the hexadecimal form) as its password gets in too.
    async with station(Client(url, ocpp_id, issued["authorization_key"], source=home)) as cp:
        assert (await cp.boot()).status == "Accepted"

    # Every refusal is reported, the missing credentials too (while the station was away):
    # they were three, and the identity is blocked, for others.
    found = await events(aapi, ocpp_id, "security")
    refusals = [e for e in found if e["data"].get("reason")]
    assert [e["data"]["reason"] for e in refusals] == [
        "invalid_credentials",
        "invalid_credentials",
        "credentials_required",
    ]
    assert refusals[-1]["data"]["online"] is False
    assert all(e["severity"] == "warning" for e in refusals)
    assert [e["data"]["throttled"] for e in found if "throttled" in e["data"]] == [
        f"station {ocpp_id}"
    ]
    every_event = (await aapi.get(f"/stations/{ocpp_id}/events", params={"limit": 200})).text
    assert_secret_kept(secure_server, [every_event, await messages(aapi, ocpp_id)], password)


async def test_a_wrong_password_is_refused_while_the_real_station_stays_and_answers(
    secure_server: RunningServer, aapi: httpx.AsyncClient, ids: Ids
) -> None:
    """The issue's done-when: an independent 1.6 client with a wrong password is refused with
    401 while the real station stays connected and answers a remote command."""
    ocpp_id = ids.station()
    password = await registered(aapi, ocpp_id, 1)
    url = secure_server.ocpp_url
    async with station(Client(url, ocpp_id, password)) as real:
        assert (await real.boot()).status == "Accepted"
        intruder = await refused(Client(url, ocpp_id, "wrong-password-123456"))
        assert intruder.status == 401
        assert (await detail(aapi, ocpp_id))["online"] is True
        reset = await command(aapi, ocpp_id, "reset", {"type": "soft"})
        assert await real.next_call("Reset") == {"type": "Soft"}
        assert reset["response"] == {"status": "Accepted"}
        assert (await real.call(call16.Heartbeat())).current_time


async def test_the_duplicate_connection_attack_fails_and_valid_credentials_replace(
    secure_server: RunningServer, aapi: httpx.AsyncClient, ids: Ids
) -> None:
    ocpp_id = ids.station()
    password = await registered(aapi, ocpp_id, 1)
    url, home = secure_server.ocpp_url, new_source()
    async with Client(url, ocpp_id, password, source=home).connect() as first:
        await eventually(lambda: detail(aapi, ocpp_id), lambda found: found["online"])
        # Someone else connects with the station's identity: without credentials, with wrong
        # ones, with another station's user name. The station's connection keeps working.
        assert (await refused(Client(url, ocpp_id))).status == 401
        assert (await refused(Client(url, ocpp_id, password + "x"))).status == 401
        assert (await refused(Client(url, ocpp_id, password, username="X"))).status == 401
        await first.send('[2,"hb-1","Heartbeat",{}]')
        reply = await asyncio.wait_for(first.recv(), 10)
        assert '"currentTime"' in str(reply)
        assert (await detail(aapi, ocpp_id))["online"] is True
        reasons = [e["data"].get("reason") for e in await events(aapi, ocpp_id, "security")]
        assert sorted(r for r in reasons if r) == [
            "credentials_required",
            "invalid_credentials",
            "invalid_credentials",
        ]
        # The identity is now blocked for others; not for the station where it is.
        assert (await refused(Client(url, ocpp_id, password))).status == 429

        # The station itself reconnects (valid credentials): the newer connection replaces.
        async with Client(url, ocpp_id, password, source=home).connect() as second:
            assert await closed(first) == 1000
            await second.send('[2,"hb-2","Heartbeat",{}]')
            assert '"currentTime"' in str(await asyncio.wait_for(second.recv(), 10))
            assert (await detail(aapi, ocpp_id))["online"] is True


async def test_profile_0_keeps_the_newer_connection_and_is_insecure(
    secure_server: RunningServer, aapi: httpx.AsyncClient, ids: Ids
) -> None:
    ocpp_id = ids.station()
    await register(aapi, ocpp_id)
    url = secure_server.ocpp_url
    async with Client(url, ocpp_id).connect() as first, Client(url, ocpp_id).connect() as _:
        assert await closed(first) == 1000
    assert (await detail(aapi, ocpp_id))["security_profile"] == 0


# Profile 2: TLS + Basic; profile 3: client certificates --------------------------------------


async def test_profile_2_connects_over_tls_and_is_refused_over_plain_websocket(
    secure_server: RunningServer, aapi: httpx.AsyncClient, ids: Ids, tls_files: TlsFiles
) -> None:
    ocpp_id = ids.station()
    password = await registered(aapi, ocpp_id, 2)
    tls = tls_files.client_context()
    async with station(Client(secure_server.tls_ocpp_url, ocpp_id, password, ssl=tls)) as cp:
        assert (await cp.boot()).status == "Accepted"
        assert (await detail(aapi, ocpp_id))["online"] is True

    plain = await refused(Client(secure_server.ocpp_url, ocpp_id, password))
    assert (plain.status, plain.body["error"]) == (403, "tls_required")
    assert "wss://" in plain.body["detail"]
    without = await refused(Client(secure_server.tls_ocpp_url, ocpp_id, ssl=tls))
    assert (without.status, without.body["error"]) == (401, "credentials_required")
    wrong = await refused(Client(secure_server.tls_ocpp_url, ocpp_id, "nope" * 5, ssl=tls))
    assert (wrong.status, wrong.body["error"]) == (401, "invalid_credentials")
    assert (await detail(aapi, ocpp_id))["security_profile"] == 2


async def test_profile_3_takes_a_certificate_for_its_own_identity_from_the_ca_only(
    secure_server: RunningServer, aapi: httpx.AsyncClient, ids: Ids, tls_files: TlsFiles
) -> None:
    ocpp_id = ids.station()
    issued = await registered(aapi, ocpp_id, 3)
    assert issued == ""  # no password for a certificate station
    url = secure_server.tls_ocpp_url
    certificate, key = tls_files.station_ca.issue(ocpp_id)
    async with station(Client(url, ocpp_id, ssl=tls_files.client_context(certificate, key))) as cp:
        assert (await cp.boot()).status == "Accepted"
        assert (await detail(aapi, ocpp_id))["online"] is True

    # A certificate the CA issued to another station.
    other, other_key = tls_files.station_ca.issue(ids.station("OTHER"))
    for_other = await refused(Client(url, ocpp_id, ssl=tls_files.client_context(other, other_key)))
    assert (for_other.status, for_other.body["error"]) == (401, "invalid_certificate")

    # A certificate for this station from another CA: the TLS handshake itself fails.
    rogue, rogue_key = TestCA.create("Rogue CA").issue(ocpp_id)
    rogue_client = Client(url, ocpp_id, ssl=tls_files.client_context(rogue, rogue_key))
    await handshake_fails(rogue_client)  # TLS 1.3: the server closes after its handshake
    assert rogue_client.ssl is not None
    rogue_client.ssl.maximum_version = ssl.TLSVersion.TLSv1_2
    assert isinstance(await handshake_fails(rogue_client), OSError)  # 1.2: in the handshake
    trusted = tls_files.client_context(certificate, key)
    trusted.maximum_version = ssl.TLSVersion.TLSv1_2
    async with Client(url, ocpp_id, ssl=trusted).connect():  # the same, with a trusted one
        pass
    await eventually(lambda: detail(aapi, ocpp_id), lambda found: not found["online"])

    # No certificate at all, over TLS or not.
    assert (await refused(Client(url, ocpp_id, ssl=tls_files.client_context()))).status == 401
    assert (await refused(Client(secure_server.ocpp_url, ocpp_id))).status == 403
    assert (await detail(aapi, ocpp_id))["online"] is False
    # Each is reported (newest first); those without a certificate came while it was away.
    refusals = [e for e in await events(aapi, ocpp_id, "security") if "refused" in e["message"]]
    assert [(e["data"]["reason"], e["data"]["online"]) for e in refusals] == [
        ("tls_required", False),
        ("credentials_required", False),
        ("invalid_certificate", False),
    ]


async def test_a_connection_raises_the_profile_and_none_lowers_it(
    secure_server: RunningServer, aapi: httpx.AsyncClient, ids: Ids, tls_files: TlsFiles
) -> None:
    ocpp_id = ids.station()
    password = await registered(aapi, ocpp_id, 1)
    tls_url = secure_server.tls_ocpp_url
    async with Client(secure_server.ocpp_url, ocpp_id, password).connect():
        pass
    assert (await detail(aapi, ocpp_id))["security_profile"] == 1

    # Over TLS with its password: the station has shown profile 2, and keeps it.
    async with Client(tls_url, ocpp_id, password, ssl=tls_files.client_context()).connect():
        pass
    assert (await detail(aapi, ocpp_id))["security_profile"] == 2
    lowered = await refused(Client(secure_server.ocpp_url, ocpp_id, password))
    assert (lowered.status, lowered.body["error"]) == (403, "tls_required")

    # With a certificate issued to it: profile 3; a password alone no longer does.
    certificate, key = tls_files.station_ca.issue(ocpp_id)
    async with Client(tls_url, ocpp_id, ssl=tls_files.client_context(certificate, key)).connect():
        pass
    assert (await detail(aapi, ocpp_id))["security_profile"] == 3
    basic = await refused(Client(tls_url, ocpp_id, password, ssl=tls_files.client_context()))
    assert (basic.status, basic.body["error"]) == (401, "credentials_required")

    raised = [e for e in await events(aapi, ocpp_id, "security") if "raised" in e["message"]]
    assert sorted((e["data"]["from"], e["data"]["to"]) for e in raised) == [(1, 2), (2, 3)]

    # An operator may lower it again (the old password stays when no new one is asked for).
    lowered_by_operator = await credentials(aapi, ocpp_id, security_profile=1, new_password=False)
    assert (lowered_by_operator["security_profile"], lowered_by_operator["password"]) == (1, None)
    async with Client(secure_server.ocpp_url, ocpp_id, password).connect():
        pass
    audit = await aapi.get("/audit", params={"object_id": ocpp_id, "action": "station.credentials"})
    assert audit.status_code == 200, audit.text  # the audit log records who set them
    assert len(audit.json()["items"]) == 2


async def test_credentials_requests_are_checked(
    secure_server: RunningServer, aapi: httpx.AsyncClient, ids: Ids
) -> None:
    ocpp_id = ids.station()
    await register(aapi, ocpp_id)
    bad = await aapi.post(f"/stations/{ocpp_id}/credentials", json={"security_profile": 4})
    assert (bad.status_code, bad.json()["error"]) == (422, "validation_error")
    no_password = await aapi.post(
        f"/stations/{ocpp_id}/credentials", json={"security_profile": 2, "new_password": False}
    )
    assert no_password.status_code == 422
    assert no_password.json()["fields"][0]["field"] == "password"
    missing = await aapi.post("/stations/NOPE-NOT-THERE/credentials", json={})
    assert (missing.status_code, missing.json()["error"]) == (404, "not_found")
    ca = await aapi.get("/certificate-authority")
    assert ca.status_code == 200
    assert ca.json()["certificate"].startswith("-----BEGIN CERTIFICATE-----")


# Throttling ---------------------------------------------------------------------------------


async def test_repeated_failures_are_throttled_per_station_and_reported(
    secure_server: RunningServer, aapi: httpx.AsyncClient, ids: Ids
) -> None:
    ocpp_id = ids.station()
    password = await registered(aapi, ocpp_id, 1)
    url = secure_server.ocpp_url
    for _ in range(MAX_FAILURES):
        assert (await refused(Client(url, ocpp_id, "guess-" + new_source()))).status == 401

    # Blocked: even the right password, from anywhere, is answered 429 without a check.
    blocked = await refused(Client(url, ocpp_id, password))
    assert (blocked.status, blocked.body["error"]) == (429, "too_many_attempts")
    assert 1 <= int(blocked.headers["retry-after"]) <= BLOCK

    found = await events(aapi, ocpp_id, "security")
    throttled = [e for e in found if "throttled" in e["data"]]
    assert len(throttled) == 1
    assert throttled[0]["severity"] == "error"
    assert throttled[0]["data"]["throttled"] == f"station {ocpp_id}"
    assert throttled[0]["data"]["failures"] == MAX_FAILURES
    refusals = [e for e in found if e["data"].get("reason") == "invalid_credentials"]
    assert len(refusals) == MAX_FAILURES
    assert "failed handshakes throttled" in secure_server.log()

    await asyncio.sleep(BLOCK + 0.2)
    async with station(Client(url, ocpp_id, password)) as cp:
        assert (await cp.boot()).status == "Accepted"


async def test_repeated_failures_are_throttled_per_source_address(
    secure_server: RunningServer, aapi: httpx.AsyncClient, ids: Ids
) -> None:
    names = [ids.station(f"S{n}") for n in range(7)]
    passwords = [await registered(aapi, name, 1) for name in names]
    url, source = secure_server.ocpp_url, new_source()
    # One failure for each of six stations, from one address: that address is blocked ...
    for name in names[:6]:
        assert (await refused(Client(url, name, "guess" * 4, source=source))).status == 401
    blocked = await refused(Client(url, names[6], passwords[6], source=source))
    assert blocked.status == 429
    # ... no station is, and other addresses are not.
    async with Client(url, names[6], passwords[6]).connect():
        pass
    async with Client(url, names[0], passwords[0]).connect():
        pass


async def test_unknown_stations_are_404_and_not_counted(
    secure_server: RunningServer, ids: Ids
) -> None:
    source = new_source()
    for n in range(8):
        unknown = await refused(Client(secure_server.ocpp_url, ids.station(f"U{n}"), source=source))
        assert (unknown.status, unknown.body["error"]) == (404, "unknown_station")


# Password rotation ---------------------------------------------------------------------------


def rotation_request(version: str, request: Json) -> str:
    """The new password a rotation CALL carries."""
    if version == "1.6":
        assert request["key"] == "AuthorizationKey"
        return bytes.fromhex(request["value"]).decode("ascii")
    [item] = request["setVariableData"]
    assert (item["component"], item["variable"]) == (
        {"name": "SecurityCtrlr"},
        {"name": "BasicAuthPassword"},
    )
    return str(item["attributeValue"])


def refuse_rotation(version: str, cp: Any) -> None:
    action = "ChangeConfiguration" if version == "1.6" else "SetVariables"
    if version == "1.6":
        cp.answers[action] = "Rejected"
    else:
        cp.answers[action] = lambda request: {
            "setVariableResult": [
                {
                    "attributeStatus": "Rejected",
                    "component": item["component"],
                    "variable": item["variable"],
                }
                for item in request["setVariableData"]
            ]
        }


@pytest.mark.parametrize("version", ["1.6", "2.0.1"])
async def test_password_rotation_through_the_protocol(
    secure_server: RunningServer, aapi: httpx.AsyncClient, ids: Ids, version: str
) -> None:
    ocpp_id = ids.station()
    first = await registered(aapi, ocpp_id, 1)
    url = secure_server.ocpp_url
    action = "ChangeConfiguration" if version == "1.6" else "SetVariables"
    home = new_source()

    def as_station(password: str) -> Client:
        return Client(url, ocpp_id, password, version=version, source=home)

    def intruder(password: str) -> Client:
        return Client(url, ocpp_id, password, version=version)

    # Accepted: from then on only the new password works.
    async with station(as_station(first)) as cp:
        assert (await cp.boot()).status == "Accepted"
        if version == "1.6":
            cp.configuration["AuthorizationKey"] = ("", False)
        else:
            cp.variables[("SecurityCtrlr", "BasicAuthPassword")] = ""
        rotated = await command(aapi, ocpp_id, "rotate_password")
        second = rotation_request(version, await cp.next_call(action))
        assert second != first
        assert len(second) == 20
        assert "[redacted]" in str(rotated["request"])
        assert second not in str(rotated)
        assert second.encode().hex() not in str(rotated)
        assert rotated["result"] == {"applied": "now"}
    assert (await refused(intruder(first))).status == 401
    assert (await detail(aapi, ocpp_id))["rotation_pending"] is False

    # Refused by the station: the old password stays, the new one never works.
    async with station(as_station(second)) as cp:
        refuse_rotation(version, cp)
        await command(aapi, ocpp_id, "rotate_password", status="rejected")
        third = rotation_request(version, await cp.next_call(action))
    assert (await refused(intruder(third))).status == 401

    # No answer: both work until the station connects with the new one.
    async with station(as_station(second)) as cp:
        cp.delays[action] = NEVER
        await command(aapi, ocpp_id, "rotate_password", status="timed_out", timeout=1, wait=10)
        fourth = rotation_request(version, await cp.next_call(action))
        assert (await detail(aapi, ocpp_id))["rotation_pending"] is True
        again = await post(aapi, ocpp_id, "rotate_password")
        assert (again.status_code, again.json()["error"]) == (409, "conflict")
    async with station(as_station(second)) as cp:
        assert (await cp.boot()).status == "Accepted"  # the old one still works
    async with station(as_station(fourth)) as cp:
        assert (await cp.boot()).status == "Accepted"  # the new one too, and now it is the one
    assert (await detail(aapi, ocpp_id))["rotation_pending"] is False
    assert (await refused(intruder(second))).status == 401

    found = await events(aapi, ocpp_id, "security")
    every_event = (await aapi.get(f"/stations/{ocpp_id}/events", params={"limit": 200})).text
    commands = (await aapi.get(f"/stations/{ocpp_id}/commands")).text
    assert any("no longer works" in e["message"] for e in found)
    assert_secret_kept(
        secure_server,
        [every_event, commands, await messages(aapi, ocpp_id)],
        first,
        second,
        third,
        fourth,
    )


async def test_a_certificate_station_has_no_password_to_rotate(
    secure_server: RunningServer, aapi: httpx.AsyncClient, ids: Ids, tls_files: TlsFiles
) -> None:
    ocpp_id = ids.station()
    await registered(aapi, ocpp_id, 3)
    certificate, key = tls_files.station_ca.issue(ocpp_id)
    client = Client(
        secure_server.tls_ocpp_url, ocpp_id, ssl=tls_files.client_context(certificate, key)
    )
    async with station(client) as cp:
        assert (await cp.boot()).status == "Accepted"
        response = await post(aapi, ocpp_id, "rotate_password")
        assert response.status_code == 422
    assert "ChangeConfiguration" not in cp.actions()


# SignCertificate → CertificateSigned ---------------------------------------------------------


async def sign(cp: Any, version: str, csr: str) -> str:
    if version == "1.6":
        answer = await cp.call(call16.SignCertificate(csr=csr))
        return str(answer.status)
    answer = await cp.send_action(
        "SignCertificate", {"csr": csr, "certificateType": "ChargingStationCertificate"}
    )
    return str(answer.status)


@pytest.mark.parametrize("version", ["1.6", "2.0.1"])
async def test_kilowatts_ca_signs_the_stations_certificate(
    secure_server: RunningServer,
    aapi: httpx.AsyncClient,
    ids: Ids,
    tls_files: TlsFiles,
    version: str,
) -> None:
    ocpp_id = ids.station()
    password = await registered(aapi, ocpp_id, 2)
    tls_url = secure_server.tls_ocpp_url
    client = Client(tls_url, ocpp_id, password, ssl=tls_files.client_context(), version=version)
    async with station(client) as cp:
        assert (await cp.boot()).status == "Accepted"
        csr, key = signing_request(ocpp_id)
        assert await sign(cp, version, csr) == "Accepted"
        signed = await cp.next_call("CertificateSigned")
        if version == "2.0.1":
            assert signed["certificateType"] == "ChargingStationCertificate"
        leaf, ca = chain_of(signed["certificateChain"])
        assert common_name(leaf) == ocpp_id
        assert ca == tls_files.station_ca.certificate
        verify_issued_by(leaf, ca)
        assert leaf.public_key() == key.public_key()

        # A request for another identity is refused, and reported.
        other, _ = signing_request(ids.station("OTHER"))
        assert await sign(cp, version, other) == "Rejected"
        assert await sign(cp, version, "-----BEGIN CERTIFICATE REQUEST-----\nx\n") == "Rejected"
        installed = await eventually(
            lambda: events(aapi, ocpp_id, "certificate"),
            lambda found: any("installed" in e["message"] for e in found),
        )
        assert any("signed" in e["message"] for e in installed)
    assert cp.actions().count("CertificateSigned") == 1
    security = await events(aapi, ocpp_id, "security")
    assert any(e["data"].get("reason") == "InvalidCommonName" for e in security)

    # The station now connects with the certificate it was given: profile 3.
    with_certificate = Client(
        tls_url,
        ocpp_id,
        ssl=tls_files.client_context_pem(signed["certificateChain"], key),
        version=version,
    )
    async with station(with_certificate) as cp:
        assert (await cp.boot()).status == "Accepted"
    assert (await detail(aapi, ocpp_id))["security_profile"] == 3


@pytest.mark.parametrize("version", ["1.6", "2.0.1"])
async def test_an_unauthenticated_connection_gets_no_certificate(
    secure_server: RunningServer, aapi: httpx.AsyncClient, ids: Ids, version: str
) -> None:
    ocpp_id = ids.station()
    await register(aapi, ocpp_id)
    async with station(Client(secure_server.ocpp_url, ocpp_id, version=version)) as cp:
        assert (await cp.boot()).status == "Accepted"
        csr, _ = signing_request(ocpp_id)
        assert await sign(cp, version, csr) == "Rejected"
        await asyncio.sleep(0.3)
    assert "CertificateSigned" not in cp.actions()
    [refusal] = await events(aapi, ocpp_id, "security")
    assert refusal["data"]["reason"] == "NotAuthenticated"


# Limits ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def hurried_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """Kilowatt allowing a handshake no time at all to be checked (the limit does not depend on
    the database: SQLite only)."""
    server = start_server(
        "sqlite", Path(tmp_path_factory.mktemp("kilowatt-hurried")), ocpp_handshake_timeout=1e-6
    )
    try:
        yield server
    finally:
        stop_server(server)


async def test_a_handshake_that_takes_too_long_is_answered_503(
    hurried_server: RunningServer, ids: Ids
) -> None:
    ocpp_id = ids.station()
    async with async_api(hurried_server) as aapi:
        await register(aapi, ocpp_id)
        late = await refused(Client(hurried_server.ocpp_url, ocpp_id))
        assert (late.status, late.body["error"]) == (503, "handshake_timeout")
        assert (await detail(aapi, ocpp_id))["online"] is False
    assert "handshake timed out" in hurried_server.log()


# Serving TLS ---------------------------------------------------------------------------------


def serve_env(data_dir: Path, **settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KILOWATT_")}
    env.update(KILOWATT_DATA_DIR=str(data_dir), KILOWATT_GC_TUNING="false")
    env.update({f"KILOWATT_{name.upper()}": value for name, value in settings.items()})
    return env


def test_serve_on_one_port_in_tls_only(tmp_path: Path, tls_files: TlsFiles) -> None:
    port = free_port()
    env = serve_env(
        tmp_path,
        port=str(port),
        tls_cert_file=str(tls_files.server_cert_file),
        tls_key_file=str(tls_files.server_key_file),
    )
    log = tmp_path / "serve.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "kilowatt", "serve", "--host", "127.0.0.1"],
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, log.read_text()
            try:
                health = httpx.get(
                    f"https://127.0.0.1:{port}/health",
                    verify=ssl.create_default_context(cafile=str(tls_files.server_ca_file)),
                    timeout=2,
                )
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.2)
        assert health.json()["status"] == "ok"
        with pytest.raises(httpx.TransportError):
            httpx.get(f"http://127.0.0.1:{port}/health", timeout=2)
        # Client certificates chain to Kilowatt's own CA, made in the data dir at start-up.
        assert (tmp_path / "ca" / "ca.pem").is_file()
        assert f"wss://127.0.0.1:{port}/ocpp" in log.read_text()
    finally:
        process.terminate()
        process.wait(timeout=20)  # uvicorn ends on the signal it was sent, once shut down


@pytest.mark.parametrize("setting", ["tls_cert_file", "ca_cert_file"])
def test_serve_refuses_tls_or_ca_files_it_cannot_read(tmp_path: Path, setting: str) -> None:
    env = serve_env(tmp_path, port=str(free_port()), **{setting: str(tmp_path / "missing.pem")})
    result = subprocess.run(
        [sys.executable, "-m", "kilowatt", "serve", "--host", "127.0.0.1"],
        env=env,
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )
    assert result.returncode == 2
    assert "missing.pem" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
