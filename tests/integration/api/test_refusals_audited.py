"""Refusals leave a trace: a request without a valid API key (401) and one whose role lacks a
permission (403, through the API and the dashboard) are in the audit log, sampled per source
and reason so that nobody can flood it, never with the key presented; a station of profile 1
connecting without credentials while offline leaves a security event.

The server believes X-Forwarded-For from 127.0.0.1, so that each test's requests come from
an address of their own and the sampling of one test does not hide another's entries."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import BACKENDS, Ids
from tests.support.commands import async_api, register
from tests.support.secure import Client, new_source, refused
from tests.support.server import RunningServer, start_server, stop_server
from tests.support.tenants import PASSWORD, api_client, created
from tests.support.web import CSRF, new_operator

Json = dict[str, Any]


@pytest.fixture(scope="session", params=BACKENDS)
def proxied_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningServer]:
    backend = str(request.param)
    server = start_server(
        backend,
        Path(tmp_path_factory.mktemp(f"kilowatt-refusals-{backend}")),
        trusted_proxies="127.0.0.1",
    )
    try:
        yield server
    finally:
        stop_server(server)


def audit(server: RunningServer, **filters: Any) -> list[Json]:
    with api_client(server, server.api_key) as owner:
        response = owner.get("/audit", params={"limit": 200, **filters})
    assert response.status_code == 200, response.text
    items: list[Json] = response.json()["items"]
    return items


def new_key(server: RunningServer, role: str) -> Json:
    with api_client(server, server.api_key) as owner:
        return created(
            owner.post("/api-keys", json={"name": f"key-{uuid.uuid4().hex[:8]}", "role": role})
        )


def call(key: str | None, server: RunningServer, source: str, method: str, path: str) -> int:
    headers = {"X-Forwarded-For": source}
    if key is not None:
        headers["Authorization"] = f"Bearer {key}"
    with httpx.Client(base_url=f"{server.base_url}/api/v1", headers=headers) as client:
        return client.request(method, path, json={} if method == "POST" else None).status_code


def test_refused_api_keys_are_audited_once_per_source_and_reason_without_the_key(
    proxied_server: RunningServer,
) -> None:
    server = proxied_server
    revoked = new_key(server, "viewer")
    with api_client(server, server.api_key) as owner:
        assert owner.delete(f"/api-keys/{revoked['id']}").status_code == 204
    guessed = f"kw_{revoked['prefix']}_{uuid.uuid4().hex}"
    here, there = new_source(), new_source()

    for _ in range(20):
        assert call(revoked["secret"], server, here, "GET", "/stations") == 401
    assert call(guessed, server, there, "GET", "/sites") == 401

    found = [
        e
        for e in audit(server, action="access.unauthorized", object_id=str(revoked["id"]))
        if e["client_address"] in (here, there)
    ]
    by_address = {e["client_address"]: e for e in found}
    assert len(found) == 2, found
    first, second = by_address[here], by_address[there]
    assert first["changes"] == {
        "reason": "revoked_key",
        "route": "GET /api/v1/stations",
        "key_name": revoked["name"],
    }
    assert first["actor_type"] == "anonymous"
    assert first["actor_name"] == f"kw_{revoked['prefix']}"
    assert first["object_type"] == "api_key"
    assert second["changes"]["reason"] == "wrong_secret"
    assert second["changes"]["route"] == "GET /api/v1/sites"
    text = json.dumps(found)
    assert revoked["secret"] not in text
    assert guessed.rsplit("_", 1)[1] not in text

    # Requests without a key, or with a key that is not Kilowatt's, are refused and logged
    # (they belong to no organization), never with what was presented.
    stranger = new_source()
    assert call(None, server, stranger, "GET", "/stations") == 401
    assert call("not-a-kilowatt-key-4711", server, stranger, "GET", "/stations") == 401
    log = server.log()
    assert "request refused: no valid API key" in log
    assert "missing_key" in log
    assert "malformed_key" in log
    assert "not-a-kilowatt-key-4711" not in log
    assert revoked["secret"] not in log


def test_a_role_without_the_permission_is_audited_once_per_caller_and_reason(
    proxied_server: RunningServer,
) -> None:
    server = proxied_server
    viewer = new_key(server, "viewer")
    source = new_source()
    for _ in range(10):
        assert call(viewer["secret"], server, source, "POST", "/sites") == 403
    assert call(viewer["secret"], server, source, "GET", "/users") == 403

    found = audit(server, action="access.forbidden", actor_type="api_key", actor_id=viewer["id"])
    assert [e["object_id"] for e in found] == ["GET /api/v1/users", "POST /api/v1/sites"]
    users, sites = found
    assert sites["actor_type"] == "api_key"
    assert sites["actor_name"] == viewer["name"]
    assert sites["object_type"] == "route"
    assert sites["client_address"] == source
    assert sites["changes"] == {"role": "viewer", "limited": False, "missing": ["assets:write"]}
    assert users["changes"]["missing"] == ["users:manage"]


def test_a_page_the_role_may_not_see_is_audited(proxied_server: RunningServer) -> None:
    server = proxied_server
    viewer = new_operator(server, "viewer")
    with httpx.Client(base_url=server.base_url, timeout=30) as browser:
        form = browser.get("/login")
        token = CSRF.search(form.text)
        assert token is not None
        signed_in = browser.post(
            "/login",
            data={"email": viewer["email"], "password": PASSWORD, "csrf_token": token.group(1)},
        )
        assert signed_in.status_code == 303, signed_in.text
        assert browser.get("/assets/stations/new").status_code == 403
    found = audit(server, action="access.forbidden", actor_type="user", actor_id=viewer["id"])
    assert [(e["actor_type"], e["object_id"]) for e in found] == [
        ("user", "GET /assets/stations/new")
    ]
    assert found[0]["changes"]["missing"] == ["assets:write"]


async def test_a_station_without_credentials_while_offline_leaves_a_security_event(
    proxied_server: RunningServer, ids: Ids
) -> None:
    server = proxied_server
    ocpp_id = ids.station("NOCRED")
    async with async_api(server) as aapi:
        await register(aapi, ocpp_id)
        issued = await aapi.post(f"/stations/{ocpp_id}/credentials", json={"security_profile": 1})
        assert issued.status_code == 200, issued.text
        source = new_source()
        for _ in range(3):
            missing = await refused(Client(server.ocpp_url, ocpp_id, source=source))
            assert (missing.status, missing.body["error"]) == (401, "credentials_required")
        response = await aapi.get(f"/stations/{ocpp_id}/events", params={"kind": "security"})
        assert response.status_code == 200, response.text
        found = [e for e in response.json()["items"] if e["data"].get("reason")]
    # Once a minute per station and address: three attempts, one event.
    assert len(found) == 1, found
    assert found[0]["data"]["reason"] == "credentials_required"
    assert found[0]["data"]["online"] is False
    assert found[0]["data"]["remote"] == source
    assert found[0]["severity"] == "warning"
