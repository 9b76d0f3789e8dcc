"""Two organizations with one of everything, for tenant-isolation and role tests.

Every name of a tenant's objects carries its ``marker`` (a short random word), so that "B's
objects never show up for A" is checked by looking for B's marker in what A is answered.
"""

from __future__ import annotations

import asyncio
import re
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from tests.support.ocpp16 import charge_point
from tests.support.server import RunningServer, prepare_database

PASSWORD = "a-long-enough-password"
IMAGE = b"kilowatt test firmware\n" * 64
Json = dict[str, Any]


def api_client(server: RunningServer, key: str) -> httpx.Client:
    return httpx.Client(
        base_url=f"{server.base_url}/api/v1",
        headers={"Authorization": f"Bearer {key}"},
        timeout=30,
    )


def later(minutes: int = 60) -> str:
    return (datetime.now(UTC) + timedelta(minutes=minutes)).isoformat()


def created(response: httpx.Response) -> Json:
    assert response.status_code == 201, (response.request.url, response.text)
    body: Json = response.json()
    return body


@dataclass
class Tenant:
    key: str
    marker: str
    organization: Json = field(default_factory=dict)
    site: Json = field(default_factory=dict)
    station: str = ""
    token: Json = field(default_factory=dict)
    group: Json = field(default_factory=dict)
    driver: Json = field(default_factory=dict)
    rule: Json = field(default_factory=dict)
    transaction_id: int = 0
    command_id: int = 0
    reservation_id: int = 0
    upload_id: int = 0
    firmware: Json = field(default_factory=dict)
    campaign_id: int = 0
    template: Json = field(default_factory=dict)
    user: Json = field(default_factory=dict)
    api_key: Json = field(default_factory=dict)
    api_key_secret: str = ""
    fault_code: Json = field(default_factory=dict)
    fault_id: int = 0
    tariff: Json = field(default_factory=dict)
    assignment: Json = field(default_factory=dict)
    wallet: Json = field(default_factory=dict)
    cdr_id: int = 0

    def ids(self) -> dict[str, str]:
        """Path parameters naming this tenant's objects."""
        return {
            "site_id": str(self.site["id"]),
            "station_id": self.station,
            "evse_id": "1",
            "connector_id": "1",
            "token_id": str(self.token["id"]),
            "group_id": str(self.group["id"]),
            "driver_id": str(self.driver["id"]),
            "rule_id": str(self.rule["id"]),
            "transaction_id": str(self.transaction_id),
            "command_id": str(self.command_id),
            "reservation_id": str(self.reservation_id),
            "upload_id": str(self.upload_id),
            "firmware_id": str(self.firmware["id"]),
            "campaign_id": str(self.campaign_id),
            "template_id": str(self.template["id"]),
            "user_id": str(self.user["id"]),
            "key_id": str(self.api_key["id"]),
            "code_id": str(self.fault_code["id"]),
            "fault_id": str(self.fault_id),
            "tariff_id": str(self.tariff["id"]),
            "assignment_id": str(self.assignment["id"]),
            "wallet_id": str(self.wallet["id"]),
            "cdr_id": str(self.cdr_id),
            # No charge order is made per tenant (its station is offline): an id that is
            # nobody's.
            "order_id": "999999999",
            # Jobs belong to the installation, not to a tenant: any job will do.
            "job": "meter-values-retention",
        }

    def shows(self, text: str) -> bool:
        return self.marker.lower() in text.lower()


async def _charge(server: RunningServer, station: str, tag: str) -> int:
    async with charge_point(server.ocpp_url, station) as cp:
        assert (await cp.boot()).status == "Accepted"
        await cp.status(1, "Available")
        started = await cp.start_tx(1, tag, 1000)
        transaction_id = int(started.transaction_id)
        await cp.stop_tx(transaction_id, 2500)
        await cp.status(2, "Faulted", "GroundFailure")
        return transaction_id


def _billed(client: httpx.Client, transaction_id: int) -> int:
    """The id of the session's charge detail record, once billing has written it."""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        records = client.get(f"/transactions/{transaction_id}/cdrs").json()
        if records:
            return int(records[0]["id"])
        time.sleep(0.1)
    raise AssertionError(f"session {transaction_id} was not billed")


def _first_id(client: httpx.Client, path: str, **params: Any) -> int:
    response = client.get(path, params=params)
    assert response.status_code == 200, response.text
    items = response.json()["items"]
    assert items, (path, params)
    return int(items[0]["id"])


def build_tenant(server: RunningServer, key: str, label: str) -> Tenant:
    """One of everything in the organization of ``key`` (an owner's key)."""
    marker = f"{label}{uuid.uuid4().hex[:6]}".upper()
    tenant = Tenant(key=key, marker=marker)
    with api_client(server, key) as client:
        tenant.organization = client.get("/organizations/current").json()
        tenant.site = created(client.post("/sites", json={"name": f"Site {marker}"}))
        tenant.station = f"CP-{marker}"
        created(
            client.post(
                "/stations",
                json={
                    "ocpp_id": tenant.station,
                    "site_id": tenant.site["id"],
                    "connectors": [{"evse_id": 1}, {"evse_id": 2}],
                    "security_profile": 0,
                },
            )
        )
        tenant.group = created(
            client.post(
                "/token-groups",
                json={"name": f"Fleet {marker}", "kind": "fleet", "parent_id_tag": f"P-{marker}"},
            )
        )
        tenant.driver = created(
            client.post(
                "/drivers",
                json={"email": f"driver-{marker.lower()}@example.com", "name": f"Driver {marker}"},
            )
        )
        tenant.token = created(
            client.post(
                "/id-tokens",
                json={
                    "value": f"TAG-{marker}",
                    "token_group_id": tenant.group["id"],
                    "driver_id": tenant.driver["id"],
                },
            )
        )
        tenant.rule = created(
            client.post(
                "/access-rules",
                json={
                    "token_group_id": tenant.group["id"],
                    "site_id": tenant.site["id"],
                    "description": f"rule {marker}",
                },
            )
        )
        tenant.tariff = created(
            client.post("/tariffs", json={"name": f"Tariff {marker}", **TARIFF})
        )
        tenant.assignment = created(
            client.post(
                "/tariff-assignments",
                json={
                    "tariff_id": tenant.tariff["id"],
                    "scope": "site",
                    "scope_id": tenant.site["id"],
                },
            )
        )
        tenant.transaction_id = asyncio.run(_charge(server, tenant.station, tenant.token["value"]))
        tenant.cdr_id = _billed(client, tenant.transaction_id)
        commands = f"/stations/{tenant.station}/commands"
        # The station has gone: each command is recorded, and fails (409) or is still running.
        for operation, body in (
            ("clear-cache", {}),
            ("reserve-now", {"id_tag": tenant.token["value"], "expires_at": later()}),
            ("get-diagnostics", {}),
        ):
            answer = client.post(f"{commands}/{operation}", params={"wait": 0}, json=body)
            assert answer.status_code in (200, 202, 409), answer.text
        tenant.command_id = _first_id(client, commands)
        tenant.reservation_id = _first_id(client, "/reservations", station_id=tenant.station)
        tenant.upload_id = _first_id(client, f"/stations/{tenant.station}/diagnostics")
        tenant.firmware = created(
            client.post(
                "/firmware",
                files={"file": ("fw.bin", IMAGE, "application/octet-stream")},
                data={"version": f"9.9-{marker}"},
            )
        )
        campaign = created(
            client.post(
                "/firmware-campaigns",
                json={
                    "firmware_id": tenant.firmware["id"],
                    "name": f"campaign {marker}",
                    "station_ids": [tenant.station],
                },
            )
        )
        tenant.campaign_id = int(campaign["id"])
        tenant.template = created(
            client.post(
                "/vendor-templates", json={"name": f"tpl-{marker}", "vendor_id": "com.acme"}
            )
        )
        tenant.user = created(
            client.post(
                "/users",
                json={
                    "email": f"user-{marker.lower()}@example.com",
                    "password": PASSWORD,
                    "role": "viewer",
                    "name": f"User {marker}",
                },
            )
        )
        issued = created(client.post("/api-keys", json={"name": f"key-{marker}", "role": "viewer"}))
        tenant.api_key_secret = issued.pop("secret")
        tenant.api_key = issued
        tenant.fault_code = created(
            client.post(
                "/fault-codes", json={"code": f"E-{marker}", "description": f"fault {marker}"}
            )
        )
        tenant.fault_id = _first_id(client, "/faults", station_id=tenant.station)
        tenant.wallet = created(
            client.post("/wallets", json={"name": f"Wallet {marker}", "owner_kind": "account"})
        )
    return tenant


TARIFF: Json = {
    "currency": "EUR",
    "vat": "24",
    "elements": [{"price_components": [{"type": "ENERGY", "price": "0.30"}]}],
}


def second_organization(server: RunningServer, label: str = "Tenant") -> str:
    """An owner's key of a new organization on ``server``."""
    return prepare_database(server.settings, f"{label} {uuid.uuid4().hex[:8]}")


# Request bodies ----------------------------------------------------------------------------


def _resolve(document: Json, schema: Json) -> Json:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[1]
        schema = document["components"]["schemas"][name]
    return schema


def example(document: Json, schema: Json, name: str = "") -> Any:
    """A small value the schema accepts (required properties only)."""
    schema = _resolve(document, schema)
    for union in ("anyOf", "oneOf"):
        if union in schema:
            options = [s for s in schema[union] if _resolve(document, s).get("type") != "null"]
            return example(document, options[0], name)
    if "enum" in schema:
        return schema["enum"][0]
    if "const" in schema:
        return schema["const"]
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        return {
            prop: example(document, sub, prop)
            for prop, sub in schema.get("properties", {}).items()
            if prop in schema.get("required", [])
        }
    if kind == "array":
        return [example(document, schema.get("items", {}), name)] * schema.get("minItems", 0)
    if kind == "integer":
        return max(1, int(schema.get("minimum", 1)))
    if kind == "number":
        return max(1.0, float(schema.get("minimum", 1)))
    if kind == "boolean":
        return True
    if kind == "string":
        if schema.get("format") == "date-time":
            return later()
        pattern = schema.get("pattern", "")
        if pattern.startswith("^-----BEGIN CERTIFICATE"):
            return "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
        value = "x" * max(1, int(schema.get("minLength", 1)))
        if pattern:
            assert re.search(pattern, value), (name, pattern)
        return value
    return {}


def request_body(document: Json, operation: Json) -> Any:
    content = operation.get("requestBody", {}).get("content", {})
    if "application/json" not in content:
        return None
    return example(document, content["application/json"]["schema"])
