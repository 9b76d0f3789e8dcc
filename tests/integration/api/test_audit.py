"""The audit log: who did what to which record, when and from where, and that nothing can
change an entry (the repository refuses; the database's triggers refuse a raw UPDATE)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from kilowatt.bootstrap import build_services, prepare_database
from kilowatt.config import Settings
from kilowatt.domain.audit import AuditEntry
from kilowatt.domain.errors import AppendOnly
from kilowatt.domain.users import ActorKind
from kilowatt.persistence.db import Database
from kilowatt.persistence.unit_of_work import SqlUnitOfWorkFactory
from tests.support.server import (
    RunningServer,
    create_postgres_database,
    drop_postgres_database,
)
from tests.support.tenants import PASSWORD, created

Json = dict[str, Any]


def entries(api: httpx.Client, **filters: Any) -> list[Json]:
    response = api.get("/audit", params={"limit": 200, **filters})
    assert response.status_code == 200, response.text
    items: list[Json] = response.json()["items"]
    return items


def key_id(api: httpx.Client, server: RunningServer) -> int:
    prefix = server.api_key.split("_")[1]
    keys = api.get("/api-keys", params={"limit": 500}).json()["items"]
    return int(next(k["id"] for k in keys if k["prefix"] == prefix))


def test_site_changes_are_recorded_with_who_what_when_and_where(
    server: RunningServer, api: httpx.Client
) -> None:
    started = datetime.now(UTC) - timedelta(seconds=1)
    site = created(api.post("/sites", json={"name": "Audited", "city": "Oulu"}))
    assert api.patch(f"/sites/{site['id']}", json={"name": "Audited too"}).status_code == 200
    assert api.delete(f"/sites/{site['id']}").status_code == 204
    found = entries(api, object_type="site", object_id=str(site["id"]))
    assert [e["action"] for e in found] == ["site.delete", "site.update", "site.create"]
    create, update = found[2], found[1]
    me = key_id(api, server)
    for entry in found:
        assert entry["actor_type"] == "api_key"
        assert entry["actor_id"] == me
        assert entry["actor_name"] == "tests"
        assert entry["client_address"] == "127.0.0.1"
        assert started <= datetime.fromisoformat(entry["at"]) <= datetime.now(UTC)
    assert create["changes"]["name"] == "Audited"
    assert create["changes"]["city"] == "Oulu"
    assert update["changes"] == {"name": ["Audited", "Audited too"]}
    # Filters: by actor, by time range.
    mine = entries(api, actor_id=me, object_id=str(site["id"]), object_type="site")
    assert len(mine) == 3
    later = (datetime.now(UTC) + timedelta(minutes=1)).isoformat()
    assert entries(api, object_type="site", object_id=str(site["id"]), **{"from": later}) == []
    assert (
        len(entries(api, object_type="site", object_id=str(site["id"]), to=later, actor="TESTS"))
        == 3
    )


def test_x_forwarded_for_is_ignored_without_a_trusted_proxy(
    server: RunningServer, api: httpx.Client
) -> None:
    token = created(
        api.post(
            "/id-tokens",
            json={"value": f"XFF{uuid.uuid4().hex[:8]}"},
            headers={"X-Forwarded-For": "203.0.113.7"},
        )
    )
    (entry,) = entries(api, action="id_token.create", object_id=str(token["id"]))
    assert entry["client_address"] == "127.0.0.1"


def test_accounts_keys_and_commands_are_recorded_without_secrets(
    server: RunningServer, api: httpx.Client
) -> None:
    marker = uuid.uuid4().hex[:8]
    user = created(
        api.post(
            "/users",
            json={"email": f"a-{marker}@example.com", "password": PASSWORD, "role": "viewer"},
        )
    )
    assert api.patch(f"/users/{user['id']}", json={"password": PASSWORD + "2"}).status_code == 200
    issued = created(api.post("/api-keys", json={"name": f"k-{marker}", "role": "viewer"}))
    assert api.delete(f"/api-keys/{issued['id']}").status_code == 204
    station = f"AUD-{marker}"
    created(api.post("/stations", json={"ocpp_id": station}))
    sent = api.post(
        f"/stations/{station}/commands/change-configuration",
        params={"wait": 0},
        json={"key": "AuthorizationKey", "value": "0123456789abcdef0123"},
    )
    assert sent.status_code in (409, 422), sent.text
    text_of_log = str(entries(api)) + str(entries(api, object_type="api_key"))
    for secret in (PASSWORD, issued["secret"], "0123456789abcdef0123"):
        assert secret not in text_of_log
    users = entries(api, object_type="user", object_id=str(user["id"]))
    assert [e["action"] for e in users] == ["user.update", "user.create"]
    assert users[0]["changes"] == {"password": "[redacted]"}
    assert users[1]["changes"]["email"] == user["email"]
    keys = entries(api, object_type="api_key", object_id=str(issued["id"]))
    assert [e["action"] for e in keys] == ["api_key.revoke", "api_key.create"]
    assert keys[1]["changes"]["role"] == "viewer"
    commands = entries(api, action="command.change_configuration", object_id=station)
    if sent.status_code == 409:  # offline: recorded as sent (and failed at once)
        assert commands[0]["changes"]["params"] == {
            "key": "AuthorizationKey",
            "value": "[redacted]",
        }


def test_a_command_sent_is_recorded(server: RunningServer, api: httpx.Client) -> None:
    station = f"AUDC-{uuid.uuid4().hex[:8]}"
    created(api.post("/stations", json={"ocpp_id": station}))
    sent = api.post(
        f"/stations/{station}/commands/reset", params={"wait": 0}, json={"type": "soft"}
    )
    assert sent.status_code == 409  # not connected: recorded, and failed at once
    (entry,) = entries(api, action="command.reset", object_id=station)
    assert entry["object_type"] == "station"
    assert entry["changes"]["params"] == {"type": "soft"}
    command_id = entry["changes"]["command_id"]
    assert api.get(f"/commands/{command_id}").json()["status"] == "failed"


def test_the_audit_log_has_no_route_to_change_it(server: RunningServer, api: httpx.Client) -> None:
    for method in ("PUT", "PATCH", "DELETE"):
        assert api.request(method, "/audit").status_code == 405
        assert api.request(method, "/audit/1").status_code == 404


# The storage itself ---------------------------------------------------------------------


async def _database(backend: str, tmp_path: Path) -> AsyncIterator[tuple[Database, Settings]]:
    if backend == "postgresql":
        url = await create_postgres_database()
    else:
        url = f"sqlite+aiosqlite:///{tmp_path / 'audit.sqlite3'}"
    database = Database(url)
    try:
        await prepare_database(database, upgrade=True)
        yield database, Settings(data_dir=tmp_path, database_url=url)
    finally:
        await database.dispose()
        if backend == "postgresql":
            await drop_postgres_database(url)


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_entries_cannot_be_changed_or_removed(backend: str, tmp_path: Path) -> None:
    async def check() -> None:
        async for database, settings in _database(backend, tmp_path):
            services = build_services(settings, database)
            added = await services.audit.add(
                AuditEntry(
                    at=datetime.now(UTC),
                    action="test.append",
                    actor_type=ActorKind.SYSTEM,
                    actor_name="test",
                    object_type="test",
                    object_id="1",
                    organization_id=None,
                )
            )
            assert added.id is not None
            uow = SqlUnitOfWorkFactory(database)
            async with uow() as work:
                with pytest.raises(AppendOnly):
                    await work.audit.update(added, action="changed")
                with pytest.raises(AppendOnly):
                    await work.audit.delete(added)
            for statement in (
                "UPDATE audit_log SET action = 'changed' WHERE id = :id",
                "DELETE FROM audit_log WHERE id = :id",
                "DELETE FROM audit_log",
            ):
                async with database.engine.begin() as connection:
                    with pytest.raises(DBAPIError, match="append-only"):
                        await connection.execute(text(statement), {"id": added.id})
            async with database.engine.connect() as connection:
                row = (
                    await connection.execute(
                        text("SELECT action FROM audit_log WHERE id = :id"), {"id": added.id}
                    )
                ).one()
            assert row.action == "test.append"
            await services.close()

    asyncio.run(check())
