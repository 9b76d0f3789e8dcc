"""The operators page changes an account's role and site scope after the invitation, with the
service's rules: nobody gives a role above their own rights, nobody changes their own role or
sites (they could lock themselves out), a role outside the list is named beside its field, and
the change is in the audit log. The service's refusals read in the visitor's language."""

from __future__ import annotations

import html
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kilowatt.web.kit.i18n import LANGUAGE_COOKIE, translations
from tests.integration.web.test_web_assets import field_error
from tests.integration.web.test_web_operators import row_of
from tests.support.server import RunningServer, start_server, stop_server
from tests.support.tenants import created
from tests.support.web import Visitor, new_operator


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningServer]:
    data_dir = Path(tmp_path_factory.mktemp(f"kilowatt-roles-{request.param}"))
    running = start_server(str(request.param), data_dir)
    try:
        yield running
    finally:
        stop_server(running)


@pytest.fixture(scope="module")
def owner(server: RunningServer) -> dict[str, Any]:
    return new_operator(server, "owner")


@pytest.fixture(scope="module")
def site(server: RunningServer) -> dict[str, Any]:
    with server.api() as api:
        made: dict[str, Any] = created(
            api.post("/sites", json={"name": f"Roles {uuid.uuid4().hex[:6]}"})
        )
    return made


@pytest.fixture
def visitor(server: RunningServer, owner: dict[str, Any]) -> Iterator[Visitor]:
    with Visitor(server) as signed_in:
        yield signed_in.sign_in(owner["email"])


def account(server: RunningServer, user_id: int) -> dict[str, Any]:
    with server.api() as api:
        found = api.get(f"/users/{user_id}")
        assert found.status_code == 200, found.text
        user: dict[str, Any] = found.json()
        return user


def test_an_owner_changes_a_colleagues_role_and_sites(
    server: RunningServer, visitor: Visitor, site: dict[str, Any]
) -> None:
    colleague = new_operator(server, "operator")
    listed = visitor.client.get("/admin/operators")
    assert f'href="/admin/operators/{colleague["id"]}/edit"' in row_of(
        listed.text, colleague["email"]
    )
    form = visitor.client.get(f"/admin/operators/{colleague['id']}/edit")
    assert form.status_code == 200
    assert 'name="role" value="operator" checked' in form.text
    assert 'name="scope" value="all" checked' in form.text
    changed = visitor.post(
        f"/admin/operators/{colleague['id']}/edit",
        {"role": "technician", "scope": "some", "site": str(site["id"])},
    )
    assert changed.status_code == 303
    assert changed.headers["location"] == "/admin/operators?notice=changed"
    after = account(server, colleague["id"])
    assert after["role"] == "technician"
    assert after["site_ids"] == [site["id"]]
    row = row_of(visitor.client.get("/admin/operators").text, colleague["email"])
    assert "Technician" in row
    assert site["name"] in row
    again = visitor.client.get(f"/admin/operators/{colleague['id']}/edit")
    assert 'name="scope" value="some" checked' in again.text
    assert f'name="site" value="{site["id"]}" checked' in again.text
    back = visitor.post(f"/admin/operators/{colleague['id']}/edit", {"role": "admin"})
    assert back.status_code == 303
    assert account(server, colleague["id"])["site_ids"] is None
    with server.api() as api:
        audit = api.get(
            "/audit", params={"object_type": "user", "object_id": colleague["id"], "limit": 50}
        )
        assert audit.status_code == 200, audit.text
        updates = [e for e in audit.json()["items"] if e["action"] == "user.update"]
    assert len(updates) == 2
    assert {"role", "site_ids"} <= set(updates[-1]["changes"]) | set(updates[0]["changes"])
    # The person works with the new role from their next page.
    with Visitor(server) as person:
        person.sign_in(colleague["email"])
        assert person.client.get("/admin/operators").status_code == 200


def test_the_role_form_says_what_is_wrong_beside_each_field(
    server: RunningServer, visitor: Visitor, site: dict[str, Any]
) -> None:
    colleague = new_operator(server, "viewer")
    url = f"/admin/operators/{colleague['id']}/edit"
    king = visitor.post(url, {"role": "king"})
    assert king.status_code == 422
    assert field_error(king.text, "role") == "Choose one of the roles."
    no_sites = visitor.post(url, {"role": "viewer", "scope": "some"})
    assert no_sites.status_code == 422
    assert field_error(no_sites.text, "site") == "Tick at least one site, or choose every site."
    limited_owner = visitor.post(url, {"role": "owner", "scope": "some", "site": str(site["id"])})
    assert limited_owner.status_code == 422
    assert "An owner sees every site" in field_error(limited_owner.text, "scope")
    foreign = visitor.post(url, {"role": "viewer", "scope": "some", "site": "999999"})
    assert foreign.status_code == 422
    assert field_error(foreign.text, "site") == "Choose sites from the list."
    forged = visitor.client.post(url, data={"role": "admin"})  # no CSRF token
    assert forged.status_code == 403
    assert account(server, colleague["id"])["role"] == "viewer"
    assert visitor.client.get("/admin/operators/0/edit").status_code == 404
    assert visitor.post("/admin/operators/abc/edit", {"role": "viewer"}).status_code == 404


def test_nobody_changes_their_own_role_or_sites(
    server: RunningServer, visitor: Visitor, owner: dict[str, Any], site: dict[str, Any]
) -> None:
    mine = row_of(visitor.client.get("/admin/operators").text, owner["email"])
    assert "/edit" not in mine
    assert visitor.client.get(f"/admin/operators/{owner['id']}/edit").status_code == 409
    refused = visitor.post(f"/admin/operators/{owner['id']}/edit", {"role": "viewer"})
    assert refused.status_code == 409
    assert "You cannot change your own role or sites." in html.unescape(refused.text)
    assert account(server, owner["id"])["role"] == "owner"
    # An admin limiting themself to a site could manage no accounts afterwards.
    admin = new_operator(server, "admin")
    with Visitor(server) as self_editor:
        self_editor.sign_in(admin["email"])
        limited = self_editor.post(
            f"/admin/operators/{admin['id']}/edit",
            {"role": "admin", "scope": "some", "site": str(site["id"])},
        )
        assert limited.status_code == 409
    assert account(server, admin["id"])["site_ids"] is None


def test_an_admin_neither_gives_the_owner_role_nor_changes_owners(
    server: RunningServer, owner: dict[str, Any]
) -> None:
    admin = new_operator(server, "admin")
    colleague = new_operator(server, "operator")
    with Visitor(server) as visitor:
        visitor.sign_in(admin["email"])
        form = visitor.client.get(f"/admin/operators/{colleague['id']}/edit")
        assert form.status_code == 200
        assert 'value="owner"' not in form.text
        raised = visitor.post(f"/admin/operators/{colleague['id']}/edit", {"role": "owner"})
        assert raised.status_code == 422
        assert field_error(raised.text, "role") == "Your role cannot give this role."
        assert "/edit" not in row_of(visitor.client.get("/admin/operators").text, owner["email"])
        assert visitor.client.get(f"/admin/operators/{owner['id']}/edit").status_code == 403
        demoted = visitor.post(f"/admin/operators/{owner['id']}/edit", {"role": "viewer"})
        assert demoted.status_code == 403
    assert account(server, colleague["id"])["role"] == "operator"
    assert account(server, owner["id"])["role"] == "owner"


@pytest.mark.parametrize("role", ["viewer", "technician", "operator"])
def test_those_who_manage_no_accounts_change_no_roles(server: RunningServer, role: str) -> None:
    person = new_operator(server, role)
    colleague = new_operator(server, "viewer")
    with Visitor(server) as visitor:
        visitor.sign_in(person["email"])
        url = f"/admin/operators/{colleague['id']}/edit"
        assert visitor.client.get(url).status_code == 403
        assert visitor.post(url, {"role": "admin"}).status_code == 403
    assert account(server, colleague["id"])["role"] == "viewer"


def test_a_service_refusal_reads_in_the_visitors_language(
    server: RunningServer, visitor: Visitor, owner: dict[str, Any]
) -> None:
    finnish = translations("fi").gettext
    english = "You cannot change your own role or sites, nor deactivate or remove yourself."
    expected = finnish(english)
    assert expected != english
    visitor.client.cookies.set(LANGUAGE_COOKIE, "fi")
    refused = visitor.post(f"/admin/operators/{owner['id']}/deactivate")
    assert refused.status_code == 409
    text = html.unescape(refused.text)
    assert expected in text
    assert "deactivate yourself" not in text
    assert english not in text
