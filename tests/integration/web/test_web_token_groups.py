"""The drivers, token groups and access rules pages over HTTP: made through their forms
(errors beside the fields), deleted or deactivated, read-only for viewers, refused to
technicians, and another organization's (or another site's) out of reach."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.integration.web.test_web_assets import field_error
from tests.support.server import RunningServer
from tests.support.tenants import PASSWORD, api_client, created, second_organization
from tests.support.web import Visitor, new_operator


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def visitor(server: RunningServer) -> Iterator[Visitor]:
    operator = new_operator(server, "operator")
    with Visitor(server) as signed_in:
        yield signed_in.sign_in(operator["email"])


@pytest.fixture
def api(server: RunningServer) -> Iterator[httpx.Client]:
    with server.api() as client:
        yield client


def group_named(api: httpx.Client, name: str) -> dict[str, Any] | None:
    items = api.get("/token-groups", params={"limit": 200}).json()["items"]
    return next((g for g in items if g["name"] == name), None)


def test_a_group_is_made_listed_and_deleted(visitor: Visitor, api: httpx.Client) -> None:
    name = unique("Taxi fleet")
    tag = unique("TAXI")
    form = visitor.client.get("/admin/token-groups/new").text
    assert "Higher charges first under the priority strategy." in form
    made = visitor.post(
        "/admin/token-groups/new",
        {"name": name, "kind": "fleet", "parent_id_tag": tag, "load_priority": "5"},
    )
    assert made.status_code == 303
    listed = visitor.client.get("/admin/token-groups")
    start = listed.text.index(f'data-group="{name}"')
    row = listed.text[start : listed.text.index("</tr>", start)]
    assert "Fleet" in row
    assert tag in row
    assert 'data-load-priority="5">5<' in row
    group = group_named(api, name)
    assert group is not None
    assert group["load_priority"] == 5
    too_high = visitor.post("/admin/token-groups/new", {"name": "x", "load_priority": "12"})
    assert too_high.status_code == 422
    assert field_error(too_high.text, "load_priority") == "Enter a whole number from 0 to 9."
    empty = visitor.post("/admin/token-groups/new", {"kind": "fleet"})
    assert field_error(empty.text, "name") == "Name the group."
    bad_kind = visitor.post("/admin/token-groups/new", {"name": "x", "kind": "gang"})
    assert field_error(bad_kind.text, "kind") == "Choose one of the options."
    same_tag = visitor.post("/admin/token-groups/new", {"name": unique("x"), "parent_id_tag": tag})
    assert field_error(same_tag.text, "parent_id_tag") == (
        "Another group already has this parent id tag."
    )
    assert visitor.post(f"/admin/token-groups/{group['id']}/delete").status_code == 303
    assert group_named(api, name) is None
    assert visitor.post(f"/admin/token-groups/{group['id']}/delete").status_code == 404


def test_an_access_rule_is_made_at_a_site_or_a_station_and_deleted(
    visitor: Visitor, api: httpx.Client
) -> None:
    group = created(api.post("/token-groups", json={"name": unique("Tenants"), "kind": "tenants"}))
    site = created(api.post("/sites", json={"name": unique("Garage")}))
    station = unique("CP-RULE")
    created(api.post("/stations", json={"ocpp_id": station, "site_id": site["id"]}))
    at_site = visitor.post(
        "/admin/access-rules/new",
        {"group_id": group["id"], "where": "site", "site_id": site["id"], "description": "garage"},
    )
    assert at_site.status_code == 303
    at_station = visitor.post(
        "/admin/access-rules/new",
        {"group_id": group["id"], "where": "station", "station": station},
    )
    assert at_station.status_code == 303
    listed = visitor.client.get("/admin/access-rules").text
    assert f"Site {site['name']}" in listed
    assert f"Station {station}" in listed
    assert "At any time" in listed
    rules = api.get("/access-rules", params={"token_group_id": group["id"]}).json()["items"]
    assert len(rules) == 2
    no_group = visitor.post("/admin/access-rules/new", {"where": "site", "site_id": site["id"]})
    assert field_error(no_group.text, "group_id") == "Choose a group from the list."
    no_site = visitor.post("/admin/access-rules/new", {"group_id": group["id"], "where": "site"})
    assert field_error(no_site.text, "site_id") == "Choose a site from the list."
    nowhere = visitor.post(
        "/admin/access-rules/new",
        {"group_id": group["id"], "where": "station", "station": "NO-SUCH-STATION"},
    )
    assert field_error(nowhere.text, "station") == (
        "There is no such station, or it is not yours to see."
    )
    for rule in rules:
        assert visitor.post(f"/admin/access-rules/{rule['id']}/delete").status_code == 303
    assert api.get("/access-rules", params={"token_group_id": group["id"]}).json()["items"] == []


def test_a_driver_is_added_deactivated_and_reactivated(visitor: Visitor, api: httpx.Client) -> None:
    email = f"{unique('dora')}@example.com"
    made = visitor.post("/admin/drivers/new", {"email": email, "name": "Dora", "phone": "+358 40"})
    assert made.status_code == 303
    listed = visitor.client.get("/admin/drivers", params={"q": email})
    assert "Dora" in listed.text
    [driver] = api.get("/drivers", params={"q": email}).json()["items"]
    assert visitor.post(f"/admin/drivers/{driver['id']}/deactivate").status_code == 303
    assert api.get(f"/drivers/{driver['id']}").json()["is_active"] is False
    assert "Deactivated" in visitor.client.get("/admin/drivers", params={"q": email}).text
    assert visitor.post(f"/admin/drivers/{driver['id']}/reactivate").status_code == 303
    assert api.get(f"/drivers/{driver['id']}").json()["is_active"] is True
    twice = visitor.post("/admin/drivers/new", {"email": email})
    assert field_error(twice.text, "email") == "A driver with this email already exists."
    bad = visitor.post("/admin/drivers/new", {"email": "nobody"})
    assert field_error(bad.text, "email") == "Enter an email address, such as name@example.com."
    empty = visitor.post("/admin/drivers/new", {})
    assert field_error(empty.text, "email") == "Enter the driver&#39;s email address."


def test_viewers_read_and_technicians_do_not(server: RunningServer) -> None:
    viewer = new_operator(server, "viewer")
    with Visitor(server) as visitor:
        visitor.sign_in(viewer["email"])
        for path in ("/admin/drivers", "/admin/token-groups", "/admin/access-rules", "/admin"):
            page = visitor.client.get(path)
            assert page.status_code == 200, path
            assert "/new" not in page.text.split("<main", 1)[1], path
        for path in ("/admin/drivers/new", "/admin/token-groups/new", "/admin/access-rules/new"):
            assert visitor.client.get(path).status_code == 403, path
            assert visitor.post(path, {"name": "x", "email": "x@y.z"}).status_code == 403, path
    technician = new_operator(server, "technician")
    with Visitor(server) as visitor:
        visitor.sign_in(technician["email"])
        for path in ("/admin/drivers", "/admin/token-groups", "/admin/access-rules", "/admin"):
            assert visitor.client.get(path).status_code == 403, path


def test_another_organizations_groups_rules_and_drivers_are_out_of_reach(
    server: RunningServer, api: httpx.Client
) -> None:
    marker = unique("OURS")
    group = created(api.post("/token-groups", json={"name": f"Group {marker}"}))
    site = created(api.post("/sites", json={"name": f"Site {marker}"}))
    rule = created(
        api.post("/access-rules", json={"token_group_id": group["id"], "site_id": site["id"]})
    )
    driver = created(api.post("/drivers", json={"email": f"{marker.lower()}@example.com"}))
    other_key = second_organization(server, "Groups")
    with api_client(server, other_key) as other_api:
        stranger = created(
            other_api.post(
                "/users",
                json={"email": f"{unique('g')}@example.com", "password": PASSWORD, "role": "admin"},
            )
        )
    mine = created(api.post("/sites", json={"name": unique("Mine")}))
    limited = new_operator(server, "operator", site_ids=[mine["id"]])
    with Visitor(server) as visitor:
        visitor.sign_in(stranger["email"])
        for path in ("/admin/drivers", "/admin/token-groups", "/admin/access-rules"):
            assert marker not in visitor.client.get(path).text, path
        assert visitor.post(f"/admin/token-groups/{group['id']}/delete").status_code == 404
        assert visitor.post(f"/admin/access-rules/{rule['id']}/delete").status_code == 404
        assert visitor.post(f"/admin/drivers/{driver['id']}/deactivate").status_code == 404
        foreign = visitor.post(
            "/admin/access-rules/new", {"group_id": group["id"], "site_id": site["id"]}
        )
        assert field_error(foreign.text, "group_id") == "Choose a group from the list."
    with Visitor(server) as visitor:
        visitor.sign_in(limited["email"])
        assert f"Site {marker}" not in visitor.client.get("/admin/access-rules").text
        assert visitor.post(f"/admin/access-rules/{rule['id']}/delete").status_code == 404
    assert api.get(f"/access-rules/{rule['id']}").status_code == 200
    assert api.get(f"/token-groups/{group['id']}").status_code == 200
    assert api.get(f"/drivers/{driver['id']}").json()["is_active"] is True
