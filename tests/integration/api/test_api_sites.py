"""REST API v1 sites: create, list, search, read, change, delete, and precise 4xx answers."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import httpx
import pytest

from tests.conftest import Ids, register_station
from tests.support.server import RunningServer

MISSING_ID = 2_000_000_000


def when(text: str) -> datetime:
    return datetime.fromisoformat(text)


def create_site(api: httpx.Client, name: str, **fields: Any) -> dict[str, Any]:
    response = api.post("/sites", json={"name": name, **fields})
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def all_pages(api: httpx.Client, path: str, **params: Any) -> list[dict[str, Any]]:
    """Follow next_cursor to the end, checking that the pages never overlap."""
    items: list[dict[str, Any]] = []
    cursor = None
    for _ in range(1000):
        query = dict(params)
        if cursor is not None:
            query["cursor"] = cursor
        response = api.get(path, params=query)
        assert response.status_code == 200, response.text
        page = response.json()
        assert set(page) == {"items", "next_cursor"}
        items.extend(page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            return items
    raise AssertionError("paging never ended")


def assert_field_error(response: httpx.Response, error: str, field: str) -> dict[str, Any]:
    assert response.status_code == 422, response.text
    body: dict[str, Any] = response.json()
    assert set(body) - {"reason"} == {"error", "detail", "fields"}  # reason: when named
    assert body["error"] == error
    assert isinstance(body["detail"], str)
    assert field in body["detail"]
    assert [f["field"] for f in body["fields"]] == [field]
    assert all(isinstance(f["message"], str) and f["message"] for f in body["fields"])
    return body


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


def test_create_returns_the_site_and_get_reads_it_back(api: httpx.Client, ids: Ids) -> None:
    created = create_site(
        api,
        f"Depot {ids.suffix}",
        timezone="Europe/Helsinki",
        address="Mannerheimintie 1",
        city="Helsinki",
        postal_code="00100",
        country="fi",
        latitude=60.1699,
        longitude=24.9384,
        grid_capacity_w=250_000,
    )
    assert isinstance(created["id"], int)
    assert created["name"] == f"Depot {ids.suffix}"
    assert created["timezone"] == "Europe/Helsinki"
    assert created["address"] == "Mannerheimintie 1"
    assert created["city"] == "Helsinki"
    assert created["postal_code"] == "00100"
    assert created["country"] == "FI"
    assert created["latitude"] == pytest.approx(60.1699)
    assert created["longitude"] == pytest.approx(24.9384)
    assert created["grid_capacity_w"] == 250_000
    assert created["created_at"].endswith("Z")
    assert created["updated_at"] == created["created_at"]

    fetched = api.get(f"/sites/{created['id']}")
    assert fetched.status_code == 200
    assert fetched.json() == created


def test_create_with_only_a_name_takes_the_defaults(api: httpx.Client, ids: Ids) -> None:
    created = create_site(api, f"  Bare {ids.suffix}  ")
    assert created["name"] == f"Bare {ids.suffix}"
    assert created["timezone"] == "UTC"
    assert (created["address"], created["city"], created["postal_code"], created["country"]) == (
        "",
        "",
        "",
        "",
    )
    assert (created["latitude"], created["longitude"], created["grid_capacity_w"]) == (
        None,
        None,
        None,
    )


def test_list_pages_through_limit_and_next_cursor(api: httpx.Client, ids: Ids) -> None:
    made = [create_site(api, f"Paged {ids.suffix} {n}")["id"] for n in range(5)]

    first = api.get("/sites", params={"q": f"Paged {ids.suffix}", "limit": 2}).json()
    assert [s["id"] for s in first["items"]] == made[:2]
    assert first["next_cursor"] == made[1]
    second = api.get(
        "/sites", params={"q": f"Paged {ids.suffix}", "limit": 2, "cursor": first["next_cursor"]}
    ).json()
    assert [s["id"] for s in second["items"]] == made[2:4]
    third = api.get(
        "/sites", params={"q": f"Paged {ids.suffix}", "limit": 2, "cursor": second["next_cursor"]}
    ).json()
    assert [s["id"] for s in third["items"]] == made[4:]
    assert third["next_cursor"] is None

    exact = api.get("/sites", params={"q": f"Paged {ids.suffix}", "limit": 5}).json()
    assert [s["id"] for s in exact["items"]] == made
    assert exact["next_cursor"] is None

    everything = all_pages(api, "/sites", limit=3)
    listed = [s["id"] for s in everything]
    assert listed == sorted(set(listed))
    assert set(made) <= set(listed)


@pytest.mark.parametrize("limit", [0, 501, "many"])
def test_list_refuses_a_bad_limit(api: httpx.Client, limit: object) -> None:
    response = api.get("/sites", params={"limit": limit})
    assert response.status_code == 422
    body = response.json()
    assert body["error"] == "validation_error"
    assert [f["field"] for f in body["fields"]] == ["query.limit"]


def test_q_searches_name_and_city_case_insensitively(api: httpx.Client, ids: Ids) -> None:
    by_name = create_site(api, f"Harbour {ids.suffix}", city="Turku")
    by_city = create_site(api, "Warehouse", city=f"Oulu{ids.suffix}")
    create_site(api, f"Unrelated {ids.suffix[::-1]}x")

    def found(q: str) -> list[int]:
        response = api.get("/sites", params={"q": q})
        assert response.status_code == 200
        return [s["id"] for s in response.json()["items"]]

    assert found(ids.suffix) == [by_name["id"], by_city["id"]]
    assert found(ids.suffix.lower()) == [by_name["id"], by_city["id"]]
    assert found(f"harbour {ids.suffix}".upper()) == [by_name["id"]]
    assert found(f"oulu{ids.suffix.lower()}") == [by_city["id"]]
    assert found(f"nothing-{ids.suffix}") == []


def test_q_treats_percent_and_underscore_literally(api: httpx.Client, ids: Ids) -> None:
    green = create_site(api, f"{ids.suffix} 100% green")
    create_site(api, f"{ids.suffix} 1000 kW hub")
    create_site(api, f"Plan9 {ids.suffix}")
    found = api.get("/sites", params={"q": f"{ids.suffix} 100%"}).json()["items"]
    assert [s["id"] for s in found] == [green["id"]]
    assert api.get("/sites", params={"q": f"Plan_ {ids.suffix}"}).json()["items"] == []


def test_patch_changes_only_the_given_fields(api: httpx.Client, ids: Ids) -> None:
    site = create_site(
        api, f"Before {ids.suffix}", city="Espoo", latitude=60.2, longitude=24.6, country="FI"
    )
    response = api.patch(
        f"/sites/{site['id']}",
        json={"name": f"After {ids.suffix}", "timezone": "Europe/Stockholm", "country": "se"},
    )
    assert response.status_code == 200, response.text
    changed = response.json()
    assert changed["name"] == f"After {ids.suffix}"
    assert changed["timezone"] == "Europe/Stockholm"
    assert changed["country"] == "SE"
    assert changed["city"] == "Espoo"
    assert (changed["latitude"], changed["longitude"]) == (60.2, 24.6)
    assert changed["created_at"] == site["created_at"]
    assert when(changed["updated_at"]) > when(site["updated_at"])
    assert api.get(f"/sites/{site['id']}").json() == changed

    moved = api.patch(f"/sites/{site['id']}", json={"latitude": 59.33, "longitude": 18.07})
    assert moved.status_code == 200
    assert (moved.json()["latitude"], moved.json()["longitude"]) == (59.33, 18.07)
    cleared = api.patch(f"/sites/{site['id']}", json={"latitude": None, "longitude": None})
    assert cleared.status_code == 200
    assert (cleared.json()["latitude"], cleared.json()["longitude"]) == (None, None)


@pytest.mark.parametrize(
    ("body", "error", "field"),
    [
        ({"name": ""}, "validation_error", "name"),
        ({"name": "   "}, "invalid_input", "name"),
        ({"timezone": "Mars/Base"}, "invalid_input", "timezone"),
        ({"timezone": ""}, "invalid_input", "timezone"),
        ({"timezone": "../../etc/passwd"}, "invalid_input", "timezone"),
        ({"latitude": 60.0}, "invalid_input", "latitude"),
        ({"longitude": 24.0}, "invalid_input", "latitude"),
        ({"latitude": 95, "longitude": 24.0}, "validation_error", "latitude"),
        ({"latitude": -90.5, "longitude": 24.0}, "validation_error", "latitude"),
        ({"latitude": 60.0, "longitude": 181}, "validation_error", "longitude"),
        ({"grid_capacity_w": 0}, "validation_error", "grid_capacity_w"),
        ({"country": "FIN"}, "validation_error", "country"),
        ({"colour": "red"}, "validation_error", "colour"),
    ],
)
def test_create_refuses_bad_input_naming_the_field(
    api: httpx.Client, ids: Ids, body: dict[str, Any], error: str, field: str
) -> None:
    name = f"Invalid {ids.suffix}"
    response = api.post("/sites", json={"name": name, **body})
    assert_field_error(response, error, field)
    assert api.get("/sites", params={"q": ids.suffix}).json()["items"] == []


@pytest.mark.parametrize(
    ("body", "error", "field"),
    [
        ({"name": ""}, "validation_error", "name"),
        ({"name": "  "}, "invalid_input", "name"),
        ({"timezone": "Mars/Base"}, "invalid_input", "timezone"),
        ({"latitude": 60.0}, "invalid_input", "latitude"),
        ({"latitude": 95}, "validation_error", "latitude"),
        ({"grid_capacity_w": -5}, "validation_error", "grid_capacity_w"),
        ({"id": 7}, "validation_error", "id"),
        ({"created_at": "2020-01-01T00:00:00Z"}, "validation_error", "created_at"),
    ],
)
def test_patch_refuses_bad_input_and_changes_nothing(
    api: httpx.Client, ids: Ids, body: dict[str, Any], error: str, field: str
) -> None:
    site = create_site(api, f"Stable {ids.suffix}", timezone="Europe/Helsinki")
    response = api.patch(f"/sites/{site['id']}", json=body)
    assert_field_error(response, error, field)
    assert api.get(f"/sites/{site['id']}").json() == site


@pytest.mark.parametrize("field", ["name", "timezone"])
def test_patch_with_null_for_a_required_field_is_422(
    api: httpx.Client, ids: Ids, field: str
) -> None:
    site = create_site(api, f"Nulls {ids.suffix}")
    response = api.patch(f"/sites/{site['id']}", json={field: None})
    expect_field_error_or_fail(response, "validation_error", field)


@pytest.mark.parametrize("field", ["address", "city", "postal_code", "country"])
def test_patch_with_null_for_a_text_field_never_crashes(
    api: httpx.Client, ids: Ids, field: str
) -> None:
    site = create_site(api, f"Nulls {ids.suffix}", address="Street 1", city="Town")
    response = api.patch(f"/sites/{site['id']}", json={field: None})
    expect_a_clean_answer_or_fail(response, field)
    if response.status_code == 200:
        assert response.json()[field] == ""


@pytest.mark.parametrize("big", [2**31, 2**63])
def test_numbers_beyond_the_database_range_never_crash(
    request: pytest.FixtureRequest, server: RunningServer, api: httpx.Client, ids: Ids, big: int
) -> None:
    for method in ("GET", "PATCH", "DELETE"):
        body = {"name": "x"} if method == "PATCH" else None
        expect_status_or_fail(api.request(method, f"/sites/{big}", json=body), 404, 422)
    expect_status_or_fail(api.get("/sites", params={"cursor": big}), 200, 422)
    created = api.post("/sites", json={"name": f"Huge {ids.suffix}", "grid_capacity_w": big})
    expect_status_or_fail(created, 201, 422)


def test_a_site_with_a_station_cannot_be_deleted(api: httpx.Client, ids: Ids) -> None:
    site = create_site(api, f"Occupied {ids.suffix}")
    station = ids.station()
    register_station(api, station, site_id=site["id"])

    refused = api.delete(f"/sites/{site['id']}")
    assert refused.status_code == 409
    body = refused.json()
    assert body == {"error": "conflict", "detail": body["detail"]}
    assert str(site["id"]) in body["detail"]
    assert "1 station" in body["detail"]
    assert api.get(f"/sites/{site['id']}").status_code == 200

    assert api.patch(f"/stations/{station}", json={"site_id": None}).status_code == 200
    deleted = api.delete(f"/sites/{site['id']}")
    assert deleted.status_code == 204
    assert deleted.content == b""
    gone = api.get(f"/sites/{site['id']}")
    assert gone.status_code == 404
    assert api.delete(f"/sites/{site['id']}").status_code == 404
    assert api.get("/sites", params={"q": f"Occupied {ids.suffix}"}).json()["items"] == []


@pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE"])
def test_unknown_site_is_404_with_the_error_shape(api: httpx.Client, method: str) -> None:
    response = api.request(
        method, f"/sites/{MISSING_ID}", json={"name": "x"} if method == "PATCH" else None
    )
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"error": "not_found", "detail": f"site {MISSING_ID} not found"}


def test_a_site_id_that_is_not_a_number_is_422(api: httpx.Client) -> None:
    response = api.get("/sites/first")
    assert response.status_code == 422
    body = response.json()
    assert body["error"] == "validation_error"
    assert [f["field"] for f in body["fields"]] == ["path.site_id"]
