"""The API keys page over HTTP: a key made through the form is shown once and works against
the API; revoked, it stops working; errors beside their fields; other roles refused; another
organization's keys out of reach."""

from __future__ import annotations

import re
import uuid

import httpx
import pytest

from tests.integration.web.test_web_assets import field_error
from tests.support.server import RunningServer
from tests.support.tenants import PASSWORD, api_client, created, second_organization
from tests.support.web import Visitor, new_operator

SECRET = re.compile(r'<code id="api-key-secret">([^<]+)</code>')


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def works(server: RunningServer, secret: str) -> int:
    with api_client(server, secret) as client:
        return client.get("/sites").status_code


def row_of(html: str, name: str) -> str:
    start = html.index(f'data-key="{name}"')
    return html[start : html.index("</tr>", start)]


def test_a_key_is_shown_once_works_and_stops_when_revoked(server: RunningServer) -> None:
    admin = new_operator(server, "admin")
    name = unique("exporter")
    with Visitor(server) as visitor:
        visitor.sign_in(admin["email"])
        assert visitor.client.get("/admin/api-keys/new").status_code == 200
        made = visitor.post("/admin/api-keys/new", {"name": name, "role": "viewer"})
        assert made.status_code == 200
        assert made.headers["cache-control"] == "no-store"
        found = SECRET.search(made.text)
        assert found is not None
        secret = found.group(1)
        assert works(server, secret) == 200
        listed = visitor.client.get("/admin/api-keys")
        assert secret not in listed.text
        row = row_of(listed.text, name)
        assert "Viewer" in row
        assert "Active" in row
        assert "Every site" in row
        key_id = re.search(r'action="/admin/api-keys/(\d+)/revoke"', row)
        assert key_id is not None
        revoked = visitor.post(f"/admin/api-keys/{key_id.group(1)}/revoke")
        assert revoked.status_code == 303
        assert works(server, secret) == 401
        row = row_of(visitor.client.get("/admin/api-keys").text, name)
        assert "Revoked" in row
        assert "/revoke" not in row


def test_a_key_limited_to_a_site_sees_only_that_site(server: RunningServer) -> None:
    with server.api() as api:
        mine = created(api.post("/sites", json={"name": unique("Key site")}))
        other = created(api.post("/sites", json={"name": unique("Other site")}))
    admin = new_operator(server, "admin")
    with Visitor(server) as visitor:
        visitor.sign_in(admin["email"])
        made = visitor.post(
            "/admin/api-keys/new",
            {"name": unique("limited"), "role": "operator", "scope": "some", "site": mine["id"]},
        )
        found = SECRET.search(made.text)
        assert found is not None
    with api_client(server, found.group(1)) as client:
        names = {s["name"] for s in client.get("/sites", params={"limit": 200}).json()["items"]}
    assert mine["name"] in names
    assert other["name"] not in names


def test_the_form_says_what_is_wrong_beside_each_field(server: RunningServer) -> None:
    admin = new_operator(server, "admin")
    with Visitor(server) as visitor:
        visitor.sign_in(admin["email"])
        empty = visitor.post("/admin/api-keys/new", {"role": "viewer"})
        assert empty.status_code == 422
        assert field_error(empty.text, "name") == "Name the key after what will use it."
        long = visitor.post("/admin/api-keys/new", {"name": "x" * 101, "role": "viewer"})
        assert field_error(long.text, "name") == "At most 100 characters."
        no_sites = visitor.post(
            "/admin/api-keys/new", {"name": "k", "role": "viewer", "scope": "some"}
        )
        assert field_error(no_sites.text, "site") == "Tick at least one site, or choose every site."
        owner = visitor.post("/admin/api-keys/new", {"name": "k", "role": "owner"})
        assert owner.status_code == 422
        assert field_error(owner.text, "role") == "Your role cannot give this role."
        forged = visitor.client.post("/admin/api-keys/new", data={"name": "k", "role": "viewer"})
        assert forged.status_code == 403
        assert visitor.post("/admin/api-keys/999999999/revoke").status_code == 404
        assert visitor.post("/admin/api-keys/x/revoke").status_code == 404


@pytest.mark.parametrize("role", ["operator", "technician", "finance", "viewer"])
def test_only_those_who_manage_keys_see_the_page(server: RunningServer, role: str) -> None:
    person = new_operator(server, role)
    with Visitor(server) as visitor:
        visitor.sign_in(person["email"])
        assert visitor.client.get("/admin/api-keys").status_code == 403
        assert visitor.client.get("/admin/api-keys/new").status_code == 403
        answer = visitor.post("/admin/api-keys/new", {"name": "k", "role": "viewer"})
        assert answer.status_code == 403


def test_another_organizations_keys_are_out_of_reach(server: RunningServer) -> None:
    name = unique("ours")
    with server.api() as api:
        ours = created(api.post("/api-keys", json={"name": name, "role": "viewer"}))
    other_key = second_organization(server, "Keys")
    with api_client(server, other_key) as other_api:
        stranger = created(
            other_api.post(
                "/users",
                json={"email": f"{unique('k')}@example.com", "password": PASSWORD, "role": "owner"},
            )
        )
    with Visitor(server) as visitor:
        visitor.sign_in(stranger["email"])
        assert name not in visitor.client.get("/admin/api-keys").text
        assert visitor.post(f"/admin/api-keys/{ours['id']}/revoke").status_code == 404
    assert works(server, ours["secret"]) == 200
    with httpx.Client(base_url=server.base_url) as anonymous:
        answer = anonymous.get("/admin/api-keys", follow_redirects=False)
        assert answer.status_code == 303
