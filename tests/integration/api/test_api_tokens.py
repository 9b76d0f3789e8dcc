"""REST API v1 id tokens: CRUD, filters, paging, time zones, and what an OCPP 1.6 station
is told when it presents a token an operator changed."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from tests.conftest import Ids, create_token, register_station
from tests.support.ocpp16 import charge_point
from tests.support.server import RunningServer

TYPES = [
    "Central",
    "eMAID",
    "ISO14443",
    "ISO15693",
    "KeyCode",
    "Local",
    "MacAddress",
    "NoAuthorization",
]
STATUSES = ["Accepted", "Blocked", "Expired", "Invalid"]
MISSING_ID = 2_000_000_000


@pytest.fixture
async def aapi(server: RunningServer) -> AsyncIterator[httpx.AsyncClient]:
    """The API for async tests, which must not block the loop their charge point runs on."""
    async with httpx.AsyncClient(
        base_url=f"{server.base_url}/api/v1",
        headers={"Authorization": f"Bearer {server.api_key}"},
        timeout=30,
    ) as client:
        yield client


def values(response: httpx.Response) -> list[tuple[str, str]]:
    assert response.status_code == 200, response.text
    return [(t["value"], t["type"]) for t in response.json()["items"]]


def assert_field_error(response: httpx.Response, error: str, field: str) -> None:
    assert response.status_code == 422, response.text
    body = response.json()
    assert set(body) - {"reason"} == {"error", "detail", "fields"}  # reason: when named
    assert body["error"] == error
    assert field in body["detail"]
    assert [f["field"] for f in body["fields"]] == [field]
    assert all(f["message"] for f in body["fields"])


def expect_field_error_or_fail(response: httpx.Response, error: str, field: str) -> None:
    """Like ``assert_field_error``, for requests that currently crash the server .

    It fails without a Python traceback on purpose: the server runs in a thread of this
    process and logs the 500's traceback just as the test fails, and CPython 3.11.7 builds
    ASTs for both tracebacks with shared, thread-unsafe recursion bookkeeping
    (python/cpython#106905), which now and then aborts the whole run with INTERNALERROR.
    """
    ok = response.status_code == 422 and response.json().get("error") == error
    if not ok or [f["field"] for f in response.json()["fields"]] != [field]:
        pytest.fail(
            f"expected 422 {error} naming {field!r}, got {response.status_code}: "
            f"{response.text[:200]}",
            pytrace=False,
        )


def expect_a_clean_answer_or_fail(response: httpx.Response, field: str) -> None:
    """A null for an optional text field may clear it (200) or be refused (422 naming the
    field), but never crash; fails without a traceback (see above)."""
    if response.status_code == 200:
        return
    if response.status_code != 422 or [f["field"] for f in response.json()["fields"]] != [field]:
        pytest.fail(
            f"expected 200 or a 422 naming {field!r}, got {response.status_code}: "
            f"{response.text[:200]}",
            pytrace=False,
        )


def expect_status_or_fail(response: httpx.Response, *allowed: int) -> None:
    """For requests that currently crash the server : one of ``allowed``, errors in
    the JSON shape; fails without a traceback (see ``expect_field_error_or_fail``)."""
    ok = response.status_code in allowed
    if ok and response.status_code >= 400:
        ok = response.headers.get("content-type") == "application/json" and {
            "error",
            "detail",
        } <= set(response.json())
    if not ok:
        pytest.fail(
            f"{response.request.method} {response.request.url.path}: expected {allowed}, "
            f"got {response.status_code}: {response.text[:200]}",
            pytrace=False,
        )


def test_create_get_patch_delete(api: httpx.Client, ids: Ids) -> None:
    value = ids.tag("CARD")
    created = create_token(
        api,
        value,
        type="ISO15693",
        status="Accepted",
        expires_at="2031-06-30T21:00:00Z",
        group_id="FLEET-1",
        label="Company car 7",
    )
    assert isinstance(created["id"], int)
    assert created["value"] == value
    assert created["type"] == "ISO15693"
    assert created["status"] == "Accepted"
    assert created["expires_at"] == "2031-06-30T21:00:00Z"
    assert created["group_id"] == "FLEET-1"
    assert created["label"] == "Company car 7"
    assert created["updated_at"] == created["created_at"]
    fetched = api.get(f"/id-tokens/{created['id']}")
    assert fetched.status_code == 200
    assert fetched.json() == created

    patched = api.patch(
        f"/id-tokens/{created['id']}",
        json={"status": "Blocked", "label": "Lost card", "group_id": None, "expires_at": None},
    )
    assert patched.status_code == 200, patched.text
    changed = patched.json()
    assert changed["status"] == "Blocked"
    assert changed["label"] == "Lost card"
    assert changed["group_id"] is None
    assert changed["expires_at"] is None
    assert (changed["value"], changed["type"]) == (value, "ISO15693")
    assert datetime.fromisoformat(changed["updated_at"]) > datetime.fromisoformat(
        created["updated_at"]
    )
    assert api.get(f"/id-tokens/{created['id']}").json() == changed

    deleted = api.delete(f"/id-tokens/{created['id']}")
    assert deleted.status_code == 204
    assert deleted.content == b""
    gone = api.get(f"/id-tokens/{created['id']}")
    assert gone.status_code == 404
    assert gone.json() == {"error": "not_found", "detail": f"id token {created['id']} not found"}
    assert api.delete(f"/id-tokens/{created['id']}").status_code == 404
    assert values(api.get("/id-tokens", params={"q": value})) == []


def test_defaults(api: httpx.Client, ids: Ids) -> None:
    created = create_token(api, ids.tag())
    assert created["type"] == "ISO14443"
    assert created["status"] == "Accepted"
    assert (created["expires_at"], created["group_id"], created["label"]) == (None, None, "")


@pytest.mark.parametrize("token_type", TYPES)
@pytest.mark.parametrize("status", STATUSES)
def test_every_type_and_status(api: httpx.Client, ids: Ids, token_type: str, status: str) -> None:
    value = ids.tag("T")
    created = create_token(api, value, type=token_type, status=status)
    assert (created["type"], created["status"]) == (token_type, status)
    listed = api.get("/id-tokens", params={"q": value, "type": token_type, "status": status})
    assert [t["id"] for t in listed.json()["items"]] == [created["id"]]


@pytest.mark.parametrize(
    ("body", "error", "field"),
    [
        ({"type": "Magic"}, "validation_error", "type"),
        ({"status": "Maybe"}, "validation_error", "status"),
        ({"expires_at": "2031-01-01T00:00:00"}, "validation_error", "expires_at"),
        ({"expires_at": "next week"}, "validation_error", "expires_at"),
        ({"group_id": "G" * 256}, "validation_error", "group_id"),
        ({"label": "L" * 201}, "validation_error", "label"),
        ({"id": 5}, "validation_error", "id"),
    ],
)
def test_create_refuses_bad_input(
    api: httpx.Client, ids: Ids, body: dict[str, Any], error: str, field: str
) -> None:
    value = ids.tag()
    response = api.post("/id-tokens", json={"value": value, **body})
    assert_field_error(response, error, field)
    assert values(api.get("/id-tokens", params={"q": value})) == []


@pytest.mark.parametrize(
    ("value", "error"),
    [("", "validation_error"), (" PADDED", "invalid_input"), ("X" * 256, "validation_error")],
)
def test_create_refuses_a_bad_value(api: httpx.Client, value: str, error: str) -> None:
    assert_field_error(api.post("/id-tokens", json={"value": value}), error, "value")


def test_a_naive_expiry_is_refused_with_a_hint(api: httpx.Client, ids: Ids) -> None:
    response = api.post(
        "/id-tokens", json={"value": ids.tag(), "expires_at": "2031-01-01T00:00:00"}
    )
    assert response.status_code == 422
    assert "time zone" in response.json()["fields"][0]["message"]
    token = create_token(api, ids.tag("OK"))
    patched = api.patch(f"/id-tokens/{token['id']}", json={"expires_at": "2031-01-01T00:00:00"})
    assert_field_error(patched, "validation_error", "expires_at")
    assert api.get(f"/id-tokens/{token['id']}").json()["expires_at"] is None


def test_an_expiry_with_an_offset_is_kept_as_the_same_instant(api: httpx.Client, ids: Ids) -> None:
    token = create_token(api, ids.tag(), expires_at="2031-01-01T02:00:00+02:00")
    stored = api.get(f"/id-tokens/{token['id']}").json()["expires_at"]
    assert stored == "2031-01-01T00:00:00Z"
    assert datetime.fromisoformat(token["expires_at"]) == datetime(2031, 1, 1, tzinfo=UTC)


def test_create_and_patch_answer_the_expiry_in_utc(api: httpx.Client, ids: Ids) -> None:
    token = create_token(api, ids.tag(), expires_at="2031-01-01T02:00:00+02:00")
    assert token["expires_at"] == "2031-01-01T00:00:00Z"
    patched = api.patch(
        f"/id-tokens/{token['id']}", json={"expires_at": "2032-01-01T05:30:00+05:30"}
    )
    assert patched.json()["expires_at"] == "2032-01-01T00:00:00Z"


def test_a_duplicate_value_and_type_is_409_another_type_is_not(api: httpx.Client, ids: Ids) -> None:
    value = ids.tag()
    first = create_token(api, value, type="ISO14443")
    duplicate = api.post("/id-tokens", json={"value": value, "type": "ISO14443"})
    assert duplicate.status_code == 409
    body = duplicate.json()
    assert body == {"error": "conflict", "detail": body["detail"]}
    assert value in body["detail"]
    assert "ISO14443" in body["detail"]
    default_type = api.post("/id-tokens", json={"value": value})
    assert default_type.status_code == 409

    other = create_token(api, value, type="eMAID")
    assert other["id"] != first["id"]
    third = create_token(api, value, type="Central")
    assert values(api.get("/id-tokens", params={"q": value})) == [
        (value, "ISO14443"),
        (value, "eMAID"),
        (value, "Central"),
    ]
    assert api.post("/id-tokens", json={"value": value, "type": "eMAID"}).status_code == 409
    # Deleting one frees its value+type, and only that one.
    assert api.delete(f"/id-tokens/{third['id']}").status_code == 204
    assert api.post("/id-tokens", json={"value": value, "type": "Central"}).status_code == 201
    assert api.post("/id-tokens", json={"value": value, "type": "ISO14443"}).status_code == 409


def test_filters_status_type_group_and_q(api: httpx.Client, ids: Ids) -> None:
    s = ids.suffix
    a = create_token(api, f"A{s}", group_id=f"G{s}", label="Driver Anna")
    b = create_token(api, f"B{s}", group_id=f"G{s}", status="Blocked", type="eMAID")
    c = create_token(api, f"C{s}", status="Blocked", label=f"Spare {s}")
    d = create_token(api, f"D{s}", type="KeyCode", status="Expired", group_id=f"H{s}")

    def found(**params: Any) -> list[int]:
        response = api.get("/id-tokens", params={"q": s, **params})
        assert response.status_code == 200, response.text
        return [t["id"] for t in response.json()["items"]]

    assert found() == [a["id"], b["id"], c["id"], d["id"]]
    assert found(status="Blocked") == [b["id"], c["id"]]
    assert found(status="Expired") == [d["id"]]
    assert found(status="Invalid") == []
    assert found(type="eMAID") == [b["id"]]
    assert found(type="ISO14443") == [a["id"], c["id"]]
    assert found(group_id=f"G{s}") == [a["id"], b["id"]]
    assert found(group_id=f"G{s}", status="Blocked") == [b["id"]]
    assert found(group_id=f"g{s}") == []
    assert found(status="Blocked", type="ISO14443") == [c["id"]]
    # q looks in the value and in the label, ignoring case.
    assert found(q=f"b{s.lower()}") == [b["id"]]
    assert found(q=f"spare {s.lower()}") == [c["id"]]
    by_label = api.get("/id-tokens", params={"q": "driver anna", "group_id": f"G{s}"})
    assert [t["id"] for t in by_label.json()["items"]] == [a["id"]]


def test_q_treats_underscore_and_percent_literally(api: httpx.Client, ids: Ids) -> None:
    wanted = create_token(api, f"A_{ids.suffix}")
    create_token(api, f"AX{ids.suffix}")
    found = api.get("/id-tokens", params={"q": f"a_{ids.suffix}"}).json()["items"]
    assert [t["id"] for t in found] == [wanted["id"]]
    assert api.get("/id-tokens", params={"q": f"%{ids.suffix}%X"}).json()["items"] == []


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"status": "Maybe"}, "query.status"),
        ({"type": "Magic"}, "query.type"),
        ({"limit": 0}, "query.limit"),
        ({"cursor": "x"}, "query.cursor"),
    ],
)
def test_list_refuses_bad_filters(api: httpx.Client, params: dict[str, Any], field: str) -> None:
    assert_field_error(api.get("/id-tokens", params=params), "validation_error", field)


def test_list_pages(api: httpx.Client, ids: Ids) -> None:
    made = [create_token(api, f"P{n}{ids.suffix}")["id"] for n in range(5)]
    seen: list[int] = []
    sizes: list[int] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"q": ids.suffix, "limit": 2}
        if cursor is not None:
            params["cursor"] = cursor
        page = api.get("/id-tokens", params=params).json()
        sizes.append(len(page["items"]))
        seen.extend(t["id"] for t in page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            break
        assert cursor == seen[-1]
    assert sizes == [2, 2, 1]
    assert seen == made


@pytest.mark.parametrize(
    ("body", "error", "field"),
    [
        ({"value": "NEW"}, "validation_error", "value"),
        ({"type": "eMAID"}, "validation_error", "type"),
        ({"status": "Maybe"}, "validation_error", "status"),
        ({"expires_at": "tomorrow"}, "validation_error", "expires_at"),
    ],
)
def test_patch_refuses_bad_input_and_changes_nothing(
    api: httpx.Client, ids: Ids, body: dict[str, Any], error: str, field: str
) -> None:
    token = create_token(api, ids.tag(), label="kept")
    assert_field_error(api.patch(f"/id-tokens/{token['id']}", json=body), error, field)
    assert api.get(f"/id-tokens/{token['id']}").json() == token


def test_patch_with_null_status_is_422(api: httpx.Client, ids: Ids) -> None:
    token = create_token(api, ids.tag())
    response = api.patch(f"/id-tokens/{token['id']}", json={"status": None})
    expect_field_error_or_fail(response, "validation_error", "status")


def test_patch_with_null_label_never_crashes(api: httpx.Client, ids: Ids) -> None:
    token = create_token(api, ids.tag(), label="Keyring")
    response = api.patch(f"/id-tokens/{token['id']}", json={"label": None})
    expect_a_clean_answer_or_fail(response, "label")
    if response.status_code == 200:
        assert response.json()["label"] == ""


@pytest.mark.parametrize("big", [2**31, 2**63])
def test_numbers_beyond_the_database_range_never_crash(
    request: pytest.FixtureRequest, server: RunningServer, api: httpx.Client, big: int
) -> None:
    for method in ("GET", "PATCH", "DELETE"):
        body = {"label": "x"} if method == "PATCH" else None
        expect_status_or_fail(api.request(method, f"/id-tokens/{big}", json=body), 404, 422)
    expect_status_or_fail(api.get("/id-tokens", params={"cursor": big}), 200, 422)


@pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE"])
def test_unknown_token_is_404(api: httpx.Client, method: str) -> None:
    response = api.request(
        method, f"/id-tokens/{MISSING_ID}", json={"label": "x"} if method == "PATCH" else None
    )
    assert response.status_code == 404
    assert response.json() == {"error": "not_found", "detail": f"id token {MISSING_ID} not found"}


async def test_blocking_a_token_is_what_the_station_is_told_next(
    server: RunningServer, api: httpx.Client, aapi: httpx.AsyncClient, ids: Ids
) -> None:
    station, tag = ids.station(), ids.tag()
    register_station(api, station, connectors=1)
    token = create_token(api, tag, group_id="PARENT-1")
    async with charge_point(server.ocpp_url, station) as cp:
        await cp.boot()
        accepted = await cp.authorize(tag)
        assert accepted.id_tag_info["status"] == "Accepted"
        assert accepted.id_tag_info.get("parent_id_tag") == "PARENT-1"

        blocked = await aapi.patch(f"/id-tokens/{token['id']}", json={"status": "Blocked"})
        assert blocked.status_code == 200
        assert blocked.json()["status"] == "Blocked"
        assert (await cp.authorize(tag)).id_tag_info["status"] == "Blocked"
        # 1.6 idTags compare case-insensitively.
        assert (await cp.authorize(tag.lower())).id_tag_info["status"] == "Blocked"

        for status in ("Invalid", "Expired", "Accepted"):
            response = await aapi.patch(f"/id-tokens/{token['id']}", json={"status": status})
            assert response.status_code == 200
            assert (await cp.authorize(tag)).id_tag_info["status"] == status

        past = (datetime.now(UTC) - timedelta(minutes=5)).isoformat()
        expired = await aapi.patch(f"/id-tokens/{token['id']}", json={"expires_at": past})
        assert expired.status_code == 200
        assert (await cp.authorize(tag)).id_tag_info["status"] == "Expired"
        future = (datetime.now(UTC) + timedelta(days=30)).replace(microsecond=0)
        renewed = await aapi.patch(
            f"/id-tokens/{token['id']}", json={"expires_at": future.isoformat()}
        )
        assert renewed.status_code == 200
        answer = (await cp.authorize(tag)).id_tag_info
        assert answer["status"] == "Accepted"
        assert datetime.fromisoformat(answer["expiry_date"].replace("Z", "+00:00")) == future

        assert (await aapi.delete(f"/id-tokens/{token['id']}")).status_code == 204
        assert (await cp.authorize(tag)).id_tag_info["status"] == "Invalid"


async def test_deleting_a_token_keeps_its_transactions(
    server: RunningServer, api: httpx.Client, aapi: httpx.AsyncClient, ids: Ids
) -> None:
    station, tag = ids.station(), ids.tag()
    register_station(api, station, connectors=1)
    token = create_token(api, tag)
    async with charge_point(server.ocpp_url, station) as cp:
        await cp.boot()
        started = await cp.start_tx(1, tag, 10_000)
        await cp.stop_tx(started.transaction_id, 10_500, id_tag=tag)
    deleted = await aapi.delete(f"/id-tokens/{token['id']}")
    assert deleted.status_code == 204, deleted.text
    kept = await aapi.get(f"/transactions/{started.transaction_id}")
    assert kept.status_code == 200
    assert kept.json()["id_tag"] == tag
    assert kept.json()["energy_wh"] == 500
