"""Tenant isolation, the role matrix and site scopes, for every route of REST API v1.

The routes are enumerated from the OpenAPI document; each must be in ROUTES, with the
permissions it needs, or these tests fail (a new route cannot slip through unchecked).
Organizations A and B each hold a site, a station, a token, a transaction, a command, a
reservation, a diagnostics upload, a firmware image and campaign, a vendor template, a user
and an API key. A's owner must get 404 for each of B's objects by id, never see them in a
list or by a filter, and cannot change or delete them.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from kilowatt.domain.permissions import GRANTS, Permission
from kilowatt.domain.users import Role
from tests.support.server import RunningServer
from tests.support.tenants import (
    IMAGE,
    TARIFF,
    Json,
    Tenant,
    api_client,
    build_tenant,
    created,
    request_body,
    second_organization,
)

AR = frozenset({Permission.ASSETS_READ})
AW = frozenset({Permission.ASSETS_WRITE})
TR = frozenset({Permission.TOKENS_READ})
TW = frozenset({Permission.TOKENS_WRITE})
SR = frozenset({Permission.SESSIONS_READ})
MR = frozenset({Permission.MESSAGES_READ})
FM = frozenset({Permission.FIRMWARE_MANAGE})
UM = frozenset({Permission.USERS_MANAGE})
AU = frozenset({Permission.AUDIT_READ})
OC = frozenset({Permission.ORGANIZATIONS_CREATE})
JM = frozenset({Permission.JOBS_MANAGE})
CS = frozenset({Permission.COMMANDS_SEND})
CF = CS | FM
CX = CS | {Permission.SECURITY_MANAGE}
FI = frozenset({Permission.FINANCE_MANAGE})
QUOTE = {
    "start": "2026-12-08T16:00:00Z",
    "charging_until": "2026-12-08T17:00:00Z",
    "energy_wh": 1000,
}

Cross = Callable[[Tenant, Tenant], list[tuple[Any, tuple[int, ...]]]]
"""(A, B) → requests of A naming B's objects: (JSON body, statuses allowed)."""


@dataclass(frozen=True)
class Route:
    permissions: frozenset[Permission]
    query: Callable[[Tenant], dict[str, Any]] | None = None
    """Filters naming B's objects, for a list."""
    cross: Cross | None = None
    """For a route without B's ids in its path: bodies naming B's objects."""
    expect: tuple[int, ...] = (404,)
    """A's answer when the path names B's objects."""
    body: Any = field(default=None)
    headers: dict[str, str] = field(default_factory=dict)


def _none(_: Tenant, __: Tenant) -> list[tuple[Any, tuple[int, ...]]]:
    return []


def _new(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


LIST = (200,)
KEYED = {"Idempotency-Key": "tenancy-probe"}
"""A money movement needs its key, or it is refused before the wallet is looked up."""
COMMAND_OPERATIONS = {
    "remote-start": CS,
    "remote-stop": CS,
    "reset": CS,
    "change-availability": CS,
    "unlock-connector": CS,
    "get-configuration": CS,
    "change-configuration": CS,
    "get-variables": CS,
    "set-variables": CS,
    "get-base-report": CS,
    "get-report": CS,
    "trigger-message": CS,
    "clear-cache": CS,
    "data-transfer": CS,
    "send-local-list": CS,
    "get-local-list-version": CS,
    "reserve-now": CS,
    "cancel-reservation": CS,
    "set-charging-profile": CS,
    "clear-charging-profile": CS,
    "get-composite-schedule": CS,
    "get-charging-profiles": CS,
    "set-display-message": CS,
    "get-display-messages": CS,
    "clear-display-message": CS,
    "vendor": CS,
    "update-firmware": CF,
    "signed-update-firmware": CF,
    "get-diagnostics": CF,
    "get-log": CF,
    "rotate-password": CX,
    "install-certificate": CX,
    "delete-certificate": CX,
    "get-installed-certificate-ids": CX,
    "extended-trigger-message": CS,
}

V1 = "/api/v1"
ROUTES: dict[tuple[str, str], Route] = {
    # sites
    ("GET", "/sites"): Route(AR, query=lambda b: {"q": b.marker}, expect=LIST),
    ("POST", "/sites"): Route(
        AW, cross=lambda a, b: [({"name": _new("A site")}, (201,))], expect=(201,)
    ),
    ("GET", "/sites/{site_id}"): Route(AR),
    ("PATCH", "/sites/{site_id}"): Route(AW, body={"name": "taken over"}),
    ("DELETE", "/sites/{site_id}"): Route(AW),
    # money
    ("GET", "/tariffs"): Route(SR, query=lambda b: {}, expect=LIST),
    ("POST", "/tariffs"): Route(FI, cross=_none, expect=(201,)),
    ("GET", "/tariffs/{tariff_id}"): Route(SR),
    ("PUT", "/tariffs/{tariff_id}"): Route(FI, body=TARIFF),
    ("POST", "/tariffs/{tariff_id}/archive"): Route(FI),
    ("POST", "/tariffs/{tariff_id}/quote"): Route(SR, body=QUOTE),
    ("GET", "/tariff-assignments"): Route(SR, cross=_none, expect=LIST),
    ("POST", "/tariff-assignments"): Route(
        FI,
        cross=lambda a, b: [
            ({"tariff_id": b.tariff["id"], "scope": "organization"}, (404,)),
            ({"tariff_id": a.tariff["id"], "scope": "site", "scope_id": b.site["id"]}, (404,)),
        ],
    ),
    ("DELETE", "/tariff-assignments/{assignment_id}"): Route(FI),
    ("GET", "/wallets"): Route(SR, query=lambda b: {}, expect=LIST),
    ("POST", "/wallets"): Route(FI, cross=_none, expect=(201,)),
    ("GET", "/wallets/{wallet_id}"): Route(SR),
    ("PATCH", "/wallets/{wallet_id}"): Route(FI, body={"min_balance": "1.00"}),
    ("POST", "/wallets/{wallet_id}/top-ups"): Route(FI, body={"amount": "1.00"}, headers=KEYED),
    ("POST", "/wallets/{wallet_id}/refunds"): Route(FI, body={"amount": "1.00"}, headers=KEYED),
    ("POST", "/wallets/{wallet_id}/adjustments"): Route(
        FI, body={"amount": "1.00", "reason": "x"}, headers=KEYED
    ),
    ("GET", "/wallet-entries"): Route(
        SR, query=lambda b: {"wallet_id": b.wallet["id"]}, expect=LIST
    ),
    ("GET", "/wallet-entries/export"): Route(SR, cross=_none, expect=LIST),
    ("PUT", "/tokens/{token_id}/wallet"): Route(FI, body={"wallet_id": None}),
    ("GET", "/cdrs"): Route(SR, query=lambda b: {}, expect=LIST),
    ("GET", "/cdrs/{cdr_id}"): Route(SR),
    ("POST", "/cdrs/{cdr_id}/credit"): Route(FI, body={"reason": "x"}),
    ("GET", "/transactions/{transaction_id}/cdrs"): Route(SR),
    ("GET", "/transactions/{transaction_id}/cost"): Route(SR),
    ("GET", "/charge-orders"): Route(SR, query=lambda b: {}, expect=LIST),
    ("POST", "/charge-orders"): Route(CS, cross=_none, expect=(201, 422)),
    ("GET", "/charge-orders/{order_id}"): Route(SR),
    ("POST", "/charge-orders/{order_id}/stop"): Route(CS),
    ("GET", "/sites/{site_id}/load"): Route(AR),
    ("PUT", "/sites/{site_id}/load/settings"): Route(AW, body={"capacity_w": 1000}),
    ("POST", "/sites/{site_id}/load/readings"): Route(AW, body={"load_w": 1}),
    ("GET", "/sites/{site_id}/circuits"): Route(AR),
    ("PUT", "/sites/{site_id}/circuits"): Route(
        AW, body={"circuits": [{"key": "C1", "name": "Bay", "max_current_a": 16}]}
    ),
    # stations
    ("GET", "/stations"): Route(
        AR, query=lambda b: {"site_id": b.site["id"], "q": b.marker}, expect=LIST
    ),
    ("POST", "/stations"): Route(
        AW,
        cross=lambda a, b: [({"ocpp_id": _new("CP-A"), "site_id": b.site["id"]}, (422,))],
    ),
    ("GET", "/stations/{station_id}"): Route(AR),
    ("PATCH", "/stations/{station_id}"): Route(AW, body={"name": "taken over"}),
    ("DELETE", "/stations/{station_id}"): Route(AW),
    ("GET", "/stations/{station_id}/connectors"): Route(AR),
    ("POST", "/stations/{station_id}/connectors"): Route(AW, body={"evse_id": 9}),
    ("PATCH", "/stations/{station_id}/connectors/{evse_id}/{connector_id}"): Route(
        AW, body={"max_power_w": 1000}
    ),
    ("DELETE", "/stations/{station_id}/connectors/{evse_id}/{connector_id}"): Route(AW),
    ("GET", "/stations/{station_id}/connectors/{evse_id}/{connector_id}/history"): Route(AR),
    ("GET", "/stations/{station_id}/events"): Route(AR),
    ("GET", "/stations/{station_id}/messages"): Route(MR),
    ("GET", "/stations/{station_id}/device-model"): Route(AR),
    ("POST", "/stations/{station_id}/credentials"): Route(AW, body={"new_password": True}),
    ("GET", "/certificate-authority"): Route(AR, cross=_none, expect=LIST),
    # id tokens
    ("GET", "/id-tokens"): Route(
        TR,
        query=lambda b: {
            "q": b.marker,
            "group_id": b.group["parent_id_tag"],
            "token_group_id": b.group["id"],
            "driver_id": b.driver["id"],
        },
        expect=LIST,
    ),
    ("POST", "/id-tokens"): Route(
        TW, cross=lambda a, b: [({"value": _new("A")}, (201,))], expect=(201,)
    ),
    ("GET", "/id-tokens/{token_id}"): Route(TR),
    ("PATCH", "/id-tokens/{token_id}"): Route(TW, body={"label": "taken over"}),
    ("DELETE", "/id-tokens/{token_id}"): Route(TW),
    # token groups, drivers and access rules
    ("GET", "/token-groups"): Route(TR, query=lambda b: {"q": b.marker}, expect=LIST),
    ("POST", "/token-groups"): Route(
        TW,
        cross=lambda a, b: [({"name": _new("A group")}, (201,))],
        expect=(201,),
    ),
    ("GET", "/token-groups/{group_id}"): Route(TR),
    ("PATCH", "/token-groups/{group_id}"): Route(TW, body={"name": "taken over"}),
    ("DELETE", "/token-groups/{group_id}"): Route(TW),
    ("GET", "/drivers"): Route(TR, query=lambda b: {"q": b.marker}, expect=LIST),
    ("POST", "/drivers"): Route(
        TW,
        cross=lambda a, b: [({"email": f"{_new('a')}@example.com"}, (201,))],
        expect=(201,),
    ),
    ("GET", "/drivers/new-per-day"): Route(TR, cross=_none, expect=LIST),
    ("GET", "/drivers/{driver_id}"): Route(TR),
    ("PATCH", "/drivers/{driver_id}"): Route(TW, body={"name": "taken over"}),
    ("DELETE", "/drivers/{driver_id}"): Route(TW),
    ("GET", "/drivers/{driver_id}/id-tokens"): Route(TR),
    ("GET", "/access-rules"): Route(
        TR,
        query=lambda b: {
            "token_group_id": b.group["id"],
            "site_id": b.site["id"],
            "station_id": b.station,
        },
        expect=LIST,
    ),
    ("POST", "/access-rules"): Route(
        TW,
        cross=lambda a, b: [
            ({"token_group_id": b.group["id"], "site_id": a.site["id"]}, (422,)),
            ({"token_group_id": a.group["id"], "site_id": b.site["id"]}, (422,)),
            ({"token_group_id": a.group["id"], "station_id": b.station}, (422,)),
        ],
    ),
    ("GET", "/access-rules/{rule_id}"): Route(TR),
    ("PATCH", "/access-rules/{rule_id}"): Route(TW, body={"description": "taken over"}),
    ("DELETE", "/access-rules/{rule_id}"): Route(TW),
    ("POST", "/stations/{station_id}/access-check"): Route(AR | TR),
    # transactions
    ("GET", "/transactions"): Route(
        SR,
        query=lambda b: {"station_id": b.station, "id_tag": b.token["value"]},
        expect=LIST,
    ),
    ("GET", "/transactions/{transaction_id}"): Route(SR),
    ("GET", "/transactions/export"): Route(SR, cross=_none, expect=LIST),
    # commands
    **{
        ("POST", f"/stations/{{station_id}}/commands/{name}"): Route(permissions)
        for name, permissions in COMMAND_OPERATIONS.items()
    },
    ("GET", "/stations/{station_id}/commands"): Route(AR),
    ("GET", "/commands/{command_id}"): Route(AR),
    # reservations
    ("GET", "/reservations"): Route(SR, query=lambda b: {"station_id": b.station}, expect=(404,)),
    ("GET", "/reservations/{reservation_id}"): Route(SR),
    # live events (checked by their own test)
    ("GET", "/events"): Route(AR, cross=_none, expect=LIST),
    # firmware
    ("POST", "/firmware"): Route(FM, cross=_none, expect=(201,)),
    ("GET", "/firmware"): Route(AR, query=lambda b: {}, expect=LIST),
    ("GET", "/firmware/versions"): Route(AR, query=lambda b: {}, expect=LIST),
    ("GET", "/firmware/{firmware_id}"): Route(AR),
    ("DELETE", "/firmware/{firmware_id}"): Route(FM),
    ("GET", "/firmware/{firmware_id}/file"): Route(FM),
    ("POST", "/firmware-campaigns"): Route(
        FM,
        cross=lambda a, b: [
            ({"firmware_id": b.firmware["id"], "station_ids": [a.station]}, (404,)),
            ({"firmware_id": a.firmware["id"], "station_ids": [b.station]}, (404,)),
            ({"firmware_id": a.firmware["id"], "site_id": b.site["id"]}, (404,)),
        ],
    ),
    ("GET", "/firmware-campaigns"): Route(AR, query=lambda b: {}, expect=LIST),
    ("GET", "/firmware-campaigns/{campaign_id}"): Route(AR),
    ("POST", "/firmware-campaigns/{campaign_id}/cancel"): Route(FM),
    ("GET", "/stations/{station_id}/firmware-updates"): Route(AR),
    # diagnostics
    ("GET", "/stations/{station_id}/diagnostics"): Route(AR),
    ("GET", "/stations/{station_id}/diagnostics/{upload_id}"): Route(AR),
    ("GET", "/stations/{station_id}/diagnostics/{upload_id}/file"): Route(FM),
    # vendor templates
    ("GET", "/vendor-templates"): Route(AR, query=lambda b: {}, expect=LIST),
    ("POST", "/vendor-templates"): Route(
        FM,
        cross=lambda a, b: [({"name": _new("a-tpl"), "vendor_id": "com.a"}, (201,))],
        expect=(201,),
    ),
    ("GET", "/vendor-templates/{template_id}"): Route(AR),
    ("PATCH", "/vendor-templates/{template_id}"): Route(FM, body={"description": "taken over"}),
    ("DELETE", "/vendor-templates/{template_id}"): Route(FM),
    # faults and the fault-code dictionary
    ("GET", "/fault-codes"): Route(AR, query=lambda b: {"q": b.marker}, expect=LIST),
    ("POST", "/fault-codes"): Route(
        AW,
        cross=lambda a, b: [({"code": _new("E"), "description": "A's code"}, (201,))],
        expect=(201,),
    ),
    ("POST", "/fault-codes/delete"): Route(
        AW, cross=lambda a, b: [({"ids": [b.fault_code["id"]]}, (404,))]
    ),
    ("GET", "/fault-codes/{code_id}"): Route(AR),
    ("PATCH", "/fault-codes/{code_id}"): Route(AW, body={"description": "taken over"}),
    ("DELETE", "/fault-codes/{code_id}"): Route(AW),
    ("GET", "/faults"): Route(
        AR, query=lambda b: {"station_id": b.station, "site_id": b.site["id"]}, expect=LIST
    ),
    ("GET", "/faults/{fault_id}"): Route(AR),
    # users and API keys
    ("GET", "/users"): Route(UM, query=lambda b: {"q": b.marker}, expect=LIST),
    ("POST", "/users"): Route(
        UM,
        cross=lambda a, b: [
            (
                {
                    "email": f"{_new('a')}@example.com",
                    "password": "a-long-enough-password",
                    "role": "viewer",
                    "site_ids": [b.site["id"]],
                },
                (422,),
            )
        ],
    ),
    ("GET", "/users/{user_id}"): Route(UM),
    ("PATCH", "/users/{user_id}"): Route(UM, body={"name": "taken over"}),
    ("DELETE", "/users/{user_id}"): Route(UM),
    ("DELETE", "/users/{user_id}/two-factor"): Route(UM),
    ("GET", "/api-keys"): Route(UM, query=lambda b: {}, expect=LIST),
    ("POST", "/api-keys"): Route(
        UM,
        cross=lambda a, b: [
            ({"name": _new("a"), "role": "viewer", "site_ids": [b.site["id"]]}, (422,))
        ],
    ),
    ("GET", "/api-keys/{key_id}"): Route(UM),
    ("DELETE", "/api-keys/{key_id}"): Route(UM),
    # audit log
    ("GET", "/audit"): Route(AU, query=lambda b: {"object_id": b.station}, expect=LIST),
    # organizations
    ("GET", "/organizations/current"): Route(AR, cross=_none, expect=LIST),
    # its own organization only: nothing of B's to name
    ("PATCH", "/organizations/current"): Route(UM, cross=_none, expect=LIST),
    # reports (figures only: B's names never appear; its numbers are checked in
    # test_api_reports.py)
    ("GET", "/reports/summary"): Route(SR | AR, query=lambda b: {}, expect=LIST),
    ("GET", "/reports/monthly"): Route(SR | AR, query=lambda b: {}, expect=LIST),
    ("POST", "/organizations"): Route(
        OC, cross=lambda a, b: [({"name": _new("Org")}, (201,))], expect=(201,)
    ),
    # jobs: the installation's, the same for every organization (nothing of B's to name)
    ("GET", "/jobs"): Route(JM, query=lambda b: {}, expect=LIST),
    ("GET", "/jobs/{job}/runs"): Route(JM, expect=LIST),
    ("POST", "/jobs/{job}/run"): Route(JM, expect=(200, 202, 409)),
}
HTTP_METHODS = {"get", "post", "put", "patch", "delete"}


def openapi(server: RunningServer) -> Json:
    document: Json = httpx.get(f"{server.base_url}/api/openapi.json", timeout=10).json()
    return document


def api_operations(document: Json) -> dict[tuple[str, str], Json]:
    return {
        (method.upper(), path.removeprefix(V1)): operation
        for path, item in document["paths"].items()
        if path.startswith(f"{V1}/")
        for method, operation in item.items()
        if method in HTTP_METHODS
    }


def fill(path: str, ids: dict[str, str]) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: ids[m.group(1)], path)


@dataclass
class World:
    server: RunningServer
    a: Tenant
    b: Tenant
    document: Json


@pytest.fixture(scope="module")
def world(server: RunningServer) -> Iterator[World]:
    a = build_tenant(server, server.api_key, "A")
    b = build_tenant(server, second_organization(server, "Tenant B"), "B")
    return World(server, a, b, openapi(server))


def test_every_route_is_in_the_table(server: RunningServer) -> None:
    listed = set(api_operations(openapi(server)))
    assert listed - set(ROUTES) == set(), "routes without a permission and isolation entry"
    assert set(ROUTES) - listed == set(), "entries of routes that no longer exist"


def _all_pages(client: httpx.Client, path: str, params: dict[str, Any]) -> list[str]:
    """Every page's text (a list route), or the one answer's."""
    texts = []
    cursor = None
    for _ in range(200):
        query = dict(params)
        if cursor is not None:
            query["cursor"] = cursor
        response = client.get(path, params=query)
        assert response.status_code == 200, (path, response.text)
        texts.append(response.text)
        body = response.json()
        cursor = body.get("next_cursor") if isinstance(body, dict) else None
        if cursor is None:
            return texts
    raise AssertionError(f"{path}: paging never ended")


def _snapshot(world: World) -> dict[str, Any]:
    b = world.b
    with api_client(world.server, b.key) as client:
        station = client.get(f"/stations/{b.station}").json()
        return {
            "site": client.get(f"/sites/{b.site['id']}").json(),
            "station": {k: station[k] for k in ("name", "site_id", "registration_status")},
            "connectors": station["connectors"],
            "token": client.get(f"/id-tokens/{b.token['id']}").json(),
            "group": client.get(f"/token-groups/{b.group['id']}").json(),
            "driver": client.get(f"/drivers/{b.driver['id']}").json(),
            "rule": client.get(f"/access-rules/{b.rule['id']}").json(),
            "firmware": client.get(f"/firmware/{b.firmware['id']}").json(),
            "campaign": client.get(f"/firmware-campaigns/{b.campaign_id}").json()["status"],
            "template": client.get(f"/vendor-templates/{b.template['id']}").json(),
            "fault_code": client.get(f"/fault-codes/{b.fault_code['id']}").json(),
            "user": client.get(f"/users/{b.user['id']}").json(),
            "key": client.get(f"/api-keys/{b.api_key['id']}").json()["revoked_at"],
            "commands": client.get(f"/stations/{b.station}/commands").json()["items"],
            "transaction": client.get(f"/transactions/{b.transaction_id}").json()["id"],
            "reservation": client.get(f"/reservations/{b.reservation_id}").json()["id"],
        }


def test_a_caller_of_one_organization_never_reaches_anothers_objects(world: World) -> None:
    a, b = world.a, world.b
    operations = api_operations(world.document)
    before = _snapshot(world)
    failures: list[str] = []
    with api_client(world.server, a.key) as client:
        for (method, path), route in ROUTES.items():
            answers: list[tuple[httpx.Response, tuple[int, ...]]] = []
            if path == "/events":
                continue  # a stream: see test_live_events_stay_in_their_organization
            if path == "/firmware" and method == "POST":
                upload = client.post(
                    "/firmware",
                    files={"file": ("a.bin", IMAGE, "application/octet-stream")},
                    data={"version": _new("A")},
                )
                answers.append((upload, route.expect))
            elif route.cross is not None:
                for body, expected in route.cross(a, b):
                    answers.append((client.request(method, path, json=body), expected))
                if method == "GET":
                    answers.append((client.get(path), route.expect))
            elif route.query is not None:
                for params in (route.query(b), {}):
                    for text in (
                        _all_pages(client, path, {**params, "limit": 500})
                        if (route.expect == LIST)
                        else []
                    ):
                        if b.shows(text):
                            failures.append(f"{method} {path} {params}: shows B's objects")
                    if route.expect != LIST:
                        answers.append((client.get(path, params=params), route.expect))
                        break
            else:
                body = route.body
                if body is None:
                    body = request_body(world.document, operations[(method, path)])
                url = fill(path, b.ids())
                response = client.request(method, url, json=body, headers=route.headers)
                answers.append((response, route.expect))
            for response, expected in answers:
                if response.status_code not in expected:
                    failures.append(
                        f"{method} {path}: {response.status_code} not in {expected}: "
                        f"{response.text[:200]}"
                    )
                elif response.status_code < 300 and b.shows(response.text):
                    failures.append(f"{method} {path}: shows B's objects")
                elif response.status_code >= 400:
                    error = response.json()
                    assert set(error) >= {"error", "detail"}, (method, path, error)
        # Mixed: A's own station with B's diagnostics upload.
        mixed = client.get(f"/stations/{a.station}/diagnostics/{b.upload_id}")
        if mixed.status_code != 404:
            failures.append(f"A's station with B's upload: {mixed.status_code}")
        current = client.get("/organizations/current").json()
        assert current["id"] == a.organization["id"] != b.organization["id"]
    assert failures == []
    assert _snapshot(world) == before, "B's objects changed"
    # B's own key and B's keys still work; B still sees its objects.
    with api_client(world.server, b.api_key_secret) as viewer:
        assert viewer.get(f"/stations/{b.station}").status_code == 200


def test_live_events_stay_in_their_organization(world: World) -> None:
    a, b = world.a, world.b
    with (
        api_client(world.server, a.key) as client_a,
        api_client(world.server, b.key) as client_b,
        client_a.stream("GET", "/events", timeout=30) as stream,
    ):
        assert stream.status_code == 200
        lines = stream.iter_lines()
        assert next(lines).startswith(": subscribed")
        for status in ("Pending", "Accepted"):
            patched = client_b.patch(f"/stations/{b.station}", json={"registration_status": status})
            assert patched.status_code == 200
        ours = client_a.patch(f"/stations/{a.station}", json={"registration_status": "Pending"})
        assert ours.status_code == 200
        seen = []
        for line in lines:
            seen.append(line)
            if a.station in line:
                break
        assert not any(b.shows(line) for line in seen), seen
        client_a.patch(f"/stations/{a.station}", json={"registration_status": "Accepted"})


# The role matrix ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def role_keys(server: RunningServer) -> dict[Role, str]:
    keys = {}
    with server.api() as owner:
        for role in Role:
            issued = created(owner.post("/api-keys", json={"name": f"role {role}", "role": role}))
            keys[role] = issued["secret"]
    return keys


MISSING = {
    "site_id": "1999999999",
    "station_id": "NO-SUCH-STATION",
    "evse_id": "1",
    "connector_id": "1",
    "token_id": "1999999999",
    "group_id": "1999999999",
    "driver_id": "1999999999",
    "rule_id": "1999999999",
    "transaction_id": "1999999999",
    "command_id": "1999999999",
    "reservation_id": "1999999999",
    "upload_id": "1999999999",
    "firmware_id": "1999999999",
    "campaign_id": "1999999999",
    "template_id": "1999999999",
    "user_id": "1999999999",
    "key_id": "1999999999",
    "code_id": "1999999999",
    "fault_id": "1999999999",
    "tariff_id": "1999999999",
    "assignment_id": "1999999999",
    "wallet_id": "1999999999",
    "cdr_id": "1999999999",
    "order_id": "1999999999",
    "job": "no-such-job",
}


@pytest.mark.parametrize("role", list(Role))
def test_each_role_gets_exactly_the_routes_its_grants_allow(
    server: RunningServer, role_keys: dict[Role, str], role: Role
) -> None:
    """Names nothing that exists and sends empty bodies: an allowed call ends in 404, 415 or
    422 and changes nothing; a forbidden one is 403 before anything is looked at."""
    operations = api_operations(openapi(server))
    assert set(operations) == set(ROUTES)
    wrong = []
    with api_client(server, role_keys[role]) as client:
        for (method, path), route in ROUTES.items():
            allowed = route.permissions <= GRANTS[role]
            url = fill(path, MISSING)
            if path == "/events":
                with client.stream("GET", url, timeout=10) as streamed:
                    status = streamed.status_code
                    body = streamed.read().decode() if status != 200 else ""
            else:
                json_body = {} if method in ("POST", "PATCH") else None
                response = client.request(method, url, json=json_body, headers=route.headers)
                status, body = response.status_code, response.text
            if allowed and status in (401, 403):
                wrong.append(f"{method} {path}: {status}, but {role} may")
            if not allowed:
                if status != 403:
                    wrong.append(f"{method} {path}: {status}, but {role} may not")
                elif httpx.Response(403, text=body).json()["error"] != "forbidden":
                    wrong.append(f"{method} {path}: {body}")
            if allowed and status >= 500:
                wrong.append(f"{method} {path}: {status} {body[:200]}")
    assert wrong == []


def test_a_forbidden_answer_names_the_missing_permission(
    server: RunningServer, role_keys: dict[Role, str]
) -> None:
    with api_client(server, role_keys[Role.VIEWER]) as viewer:
        response = viewer.post("/sites", json={"name": "not by a viewer"})
    assert response.status_code == 403
    assert response.json() == {
        "error": "forbidden",
        "detail": "role viewer lacks the permission assets:write",
    }


# Site scopes -----------------------------------------------------------------------------


@dataclass
class Scoped:
    own: Tenant
    """The organization's own world, the scoped key limited to its site."""
    other_site: Json
    other_station: str
    other_transaction: int
    other_command: int
    other_reservation: int
    other_campaign: int
    key: str
    admin_key: str


@pytest.fixture(scope="module")
def scoped(server: RunningServer) -> Scoped:
    """In a fresh organization: the world's site, plus a second site with a station that has
    a transaction, a command, a reservation and a campaign; an operator key and an admin key
    limited to the first site."""
    owner_key = second_organization(server, "Scoped")
    own = build_tenant(server, owner_key, "S")
    other = build_tenant(server, owner_key, "T")
    with api_client(server, owner_key) as owner:
        key = created(
            owner.post(
                "/api-keys",
                json={"name": "landlord", "role": "operator", "site_ids": [own.site["id"]]},
            )
        )["secret"]
        admin_key = created(
            owner.post(
                "/api-keys",
                json={"name": "site admin", "role": "admin", "site_ids": [own.site["id"]]},
            )
        )["secret"]
    return Scoped(
        own=own,
        other_site=other.site,
        other_station=other.station,
        other_transaction=other.transaction_id,
        other_command=other.command_id,
        other_reservation=other.reservation_id,
        other_campaign=other.campaign_id,
        key=key,
        admin_key=admin_key,
    )


def _ids(items: list[Json], name: str = "id") -> set[Any]:
    return {item[name] for item in items}


def test_a_site_limited_key_sees_only_its_sites_and_their_stations(
    server: RunningServer, scoped: Scoped
) -> None:
    own = scoped.own
    with api_client(server, scoped.key) as client:
        sites = client.get("/sites", params={"limit": 500}).json()["items"]
        assert _ids(sites) == {own.site["id"]}
        assert client.get(f"/sites/{scoped.other_site['id']}").status_code == 404
        stations = client.get("/stations", params={"limit": 500}).json()["items"]
        assert _ids(stations, "ocpp_id") == {own.station}
        filtered = client.get("/stations", params={"site_id": scoped.other_site["id"]})
        assert filtered.json()["items"] == []
        other = scoped.other_station
        for path in (
            f"/stations/{other}",
            f"/stations/{other}/connectors",
            f"/stations/{other}/connectors/1/1/history",
            f"/stations/{other}/events",
            f"/stations/{other}/messages",
            f"/stations/{other}/device-model",
            f"/stations/{other}/commands",
            f"/stations/{other}/firmware-updates",
            f"/stations/{other}/diagnostics",
            f"/transactions/{scoped.other_transaction}",
            f"/commands/{scoped.other_command}",
            f"/reservations/{scoped.other_reservation}",
            f"/firmware-campaigns/{scoped.other_campaign}",
            f"/reservations?station_id={other}",
        ):
            assert client.get(path).status_code == 404, path
        for path in (f"/stations/{own.station}", f"/transactions/{own.transaction_id}"):
            assert client.get(path).status_code == 200, path
        transactions = client.get("/transactions", params={"limit": 500}).json()["items"]
        assert _ids(transactions) == {own.transaction_id}
        assert client.get("/transactions", params={"station_id": other}).json()["items"] == []
        commands = client.get(f"/stations/{own.station}/commands").json()["items"]
        assert commands
        assert all(c["station_id"] == own.station for c in commands)
        reservations = client.get("/reservations", params={"limit": 500}).json()["items"]
        assert _ids(reservations) == {own.reservation_id}
        campaigns = client.get("/firmware-campaigns", params={"limit": 500}).json()["items"]
        assert _ids(campaigns) == {own.campaign_id}
        versions = client.get("/firmware/versions").json()
        assert sum(v["stations"] for v in versions) == 1


def test_a_site_limited_key_changes_only_its_sites(server: RunningServer, scoped: Scoped) -> None:
    own = scoped.own
    other = scoped.other_station
    with api_client(server, scoped.key) as client:
        refused = client.post("/sites", json={"name": "a site of my own"})
        assert refused.status_code == 403
        elsewhere = client.post(
            "/stations", json={"ocpp_id": _new("CP-S"), "site_id": scoped.other_site["id"]}
        )
        assert elsewhere.status_code == 422
        nowhere = client.post("/stations", json={"ocpp_id": _new("CP-S")})
        assert nowhere.status_code == 422
        assert "site_id" in nowhere.json()["detail"]
        mine = client.post("/stations", json={"ocpp_id": _new("CP-S"), "site_id": own.site["id"]})
        assert mine.status_code == 201
        moved = client.patch(f"/stations/{own.station}", json={"site_id": scoped.other_site["id"]})
        assert moved.status_code == 422
        assert client.patch(f"/stations/{other}", json={"name": "mine now"}).status_code == 404
        assert client.delete(f"/stations/{other}").status_code == 404
        sent = client.post(f"/stations/{other}/commands/clear-cache", params={"wait": 0}, json={})
        assert sent.status_code == 404
        assert client.patch(
            f"/sites/{scoped.other_site['id']}", json={"name": "x"}
        ).status_code == (404)
    with api_client(server, scoped.admin_key) as admin:  # an operator has no firmware:manage
        for selection in ({"site_id": scoped.other_site["id"]}, {"station_ids": [other]}):
            campaign = admin.post(
                "/firmware-campaigns", json={"firmware_id": own.firmware["id"], **selection}
            )
            assert campaign.status_code == 404, selection


def test_a_site_limited_admin_cannot_manage_accounts_or_read_the_audit_log(
    server: RunningServer, scoped: Scoped
) -> None:
    with api_client(server, scoped.admin_key) as client:
        for method, path in (
            ("GET", "/users"),
            ("POST", "/api-keys"),
            ("GET", "/audit"),
            ("GET", "/jobs"),
            ("POST", "/jobs/meter-values-retention/run"),
        ):
            response = client.request(
                method, path, json={"name": "x", "role": "viewer"} if method == "POST" else None
            )
            assert response.status_code == 403, (method, path)
            assert "limited to some sites" in response.json()["detail"]
        assert client.get("/sites").status_code == 200
