"""The operators page over HTTP: an owner invites a person by email (a local aiosmtpd receives
the letter), the person chooses a password through the link and signs in; invitations sent
again or withdrawn; accounts deactivated and reactivated; errors beside their fields; other
roles refused; another organization's accounts out of reach."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from tests.integration.web.test_web_assets import field_error
from tests.support.mailbox import Mailbox
from tests.support.server import RunningServer, start_server, stop_server
from tests.support.tenants import PASSWORD, api_client, created, second_organization
from tests.support.web import CSRF, Visitor, new_operator

NEW_PASSWORD = "the-invitees-own-password"


@pytest.fixture(scope="module")
def mailbox() -> Iterator[Mailbox]:
    box = Mailbox().start()
    try:
        yield box
    finally:
        box.stop()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, mailbox: Mailbox
) -> Iterator[RunningServer]:
    data_dir = Path(tmp_path_factory.mktemp(f"kilowatt-operators-{request.param}"))
    running = start_server(
        str(request.param),
        data_dir,
        smtp_host="127.0.0.1",
        smtp_port=mailbox.port,
        smtp_from="kilowatt@example.test",
    )
    try:
        yield running
    finally:
        stop_server(running)


@pytest.fixture(scope="module")
def owner(server: RunningServer) -> dict[str, Any]:
    return new_operator(server, "owner")


@pytest.fixture
def visitor(server: RunningServer, owner: dict[str, Any]) -> Iterator[Visitor]:
    with Visitor(server) as signed_in:
        yield signed_in.sign_in(owner["email"])


def address() -> str:
    return f"invitee-{uuid.uuid4().hex[:8]}@example.com"


def invite(visitor: Visitor, email: str, **fields: Any) -> httpx.Response:
    return visitor.post(
        "/admin/operators/invite", {"email": email, "role": "operator", "scope": "all", **fields}
    )


def path_of(link: str) -> str:
    return urlsplit(link).path


def row_of(html: str, email: str) -> str:
    start = html.index(f'data-user="{email}"')
    return html[start : html.index("</tr>", start)]


def user_id(server: RunningServer, email: str) -> int:
    with server.api() as api:
        found = api.get("/users", params={"limit": 200})
        assert found.status_code == 200, found.text
        [user] = [u for u in found.json()["items"] if u["email"] == email]
        return int(user["id"])


def accept(server: RunningServer, link: str, **fields: str) -> httpx.Response:
    with httpx.Client(base_url=server.base_url, follow_redirects=False) as client:
        form = client.get(path_of(link))
        assert form.status_code == 200, form.text
        token = CSRF.search(form.text)
        assert token is not None
        return client.post(path_of(link), data={"csrf_token": token.group(1), **fields})


def test_an_invited_person_chooses_a_password_and_signs_in(
    server: RunningServer, visitor: Visitor, mailbox: Mailbox, owner: dict[str, Any]
) -> None:
    email = address()
    sent = invite(visitor, email, name="Ina Invitee", role="technician")
    assert sent.status_code == 303
    assert sent.headers["location"] == "/admin/operators?notice=invited"
    letter = mailbox.to(email)
    assert "on Kilowatt" in letter.subject
    assert "as Technician" in letter.text
    assert letter.link.startswith(server.base_url + "/invitation/")
    listed = visitor.client.get("/admin/operators")
    assert listed.status_code == 200
    row = row_of(listed.text, email)
    assert "Invited, not yet accepted" in row
    assert "Technician" in row
    assert "Every site" in row
    # Invited is not signed in: no password works yet.
    with Visitor(server) as stranger:
        page = stranger.client.get("/login")
        csrf = CSRF.search(page.text)
        assert csrf is not None
        refused = stranger.client.post(
            "/login", data={"email": email, "password": PASSWORD, "csrf_token": csrf.group(1)}
        )
        assert refused.status_code == 401
    form = httpx.get(letter.link)
    assert form.status_code == 200
    assert email in form.text
    short = accept(server, letter.link, password="short", repeat="short")
    assert short.status_code == 422
    assert field_error(short.text, "password") == "At least 12 characters."
    differ = accept(server, letter.link, password=NEW_PASSWORD, repeat=NEW_PASSWORD + "x")
    assert differ.status_code == 422
    assert field_error(differ.text, "repeat") == "The two passwords differ."
    accepted = accept(
        server, letter.link, name="Ina I.", password=NEW_PASSWORD, repeat=NEW_PASSWORD
    )
    assert accepted.status_code == 303
    assert accepted.headers["location"].startswith("/login")
    with Visitor(server) as invitee:
        invitee.sign_in(email, NEW_PASSWORD)
        home = invitee.client.get("/")
        assert "Signed in as Ina I." in home.text
        # A technician manages no accounts.
        assert invitee.client.get("/admin/operators").status_code == 403
    spent = httpx.get(letter.link)
    assert spent.status_code == 404
    assert "does not work" in spent.text
    row = row_of(visitor.client.get("/admin/operators").text, email)
    assert "Active" in row
    with server.api() as api:
        audit = api.get("/audit", params={"object_type": "user", "limit": 200})
        assert audit.status_code == 200, audit.text
        actions = {e["action"] for e in audit.json()["items"]}
    assert {"user.invite", "user.accept_invitation"} <= actions


def test_the_invitation_form_says_what_is_wrong_beside_each_field(
    server: RunningServer, visitor: Visitor, owner: dict[str, Any], mailbox: Mailbox
) -> None:
    form = visitor.client.get("/admin/operators/invite")
    assert form.status_code == 200
    assert 'value="owner"' in form.text  # an owner may make owners
    empty = visitor.post("/admin/operators/invite", {"role": "operator"})
    assert empty.status_code == 422
    assert field_error(empty.text, "email") == "Enter the email address of the person."
    bad = invite(visitor, "not-an-address")
    assert bad.status_code == 422
    assert "email address" in field_error(bad.text, "email")
    taken = invite(visitor, owner["email"])
    assert taken.status_code == 422
    assert field_error(taken.text, "email") == "This email address already has an account."
    no_role = visitor.post("/admin/operators/invite", {"email": address(), "role": "king"})
    assert no_role.status_code == 422
    assert field_error(no_role.text, "role") == "Choose one of the roles."
    no_sites = invite(visitor, address(), scope="some")
    assert no_sites.status_code == 422
    assert field_error(no_sites.text, "site") == "Tick at least one site, or choose every site."
    with server.api() as api:
        site = created(api.post("/sites", json={"name": f"Scope {uuid.uuid4().hex[:6]}"}))
    owner_limited = invite(visitor, address(), role="owner", scope="some", site=str(site["id"]))
    assert owner_limited.status_code == 422
    assert "An owner sees every site" in field_error(owner_limited.text, "scope")
    foreign_site = invite(visitor, address(), scope="some", site="999999")
    assert foreign_site.status_code == 422
    assert field_error(foreign_site.text, "site") == "Choose sites from the list."
    email = address()
    limited = invite(visitor, email, scope="some", site=str(site["id"]), role="viewer")
    assert limited.status_code == 303
    row = row_of(visitor.client.get("/admin/operators").text, email)
    assert site["name"] in row
    assert "Viewer" in row
    before = len(mailbox.received)
    assert (
        visitor.client.post(
            "/admin/operators/invite", data={"email": address(), "role": "viewer"}
        ).status_code
        == 403
    )  # no CSRF token
    assert len(mailbox.received) == before


def test_an_invitation_sent_again_replaces_the_link_and_a_withdrawn_one_is_gone(
    server: RunningServer, visitor: Visitor, mailbox: Mailbox
) -> None:
    email = address()
    assert invite(visitor, email).status_code == 303
    first = mailbox.to(email).link
    uid = user_id(server, email)
    again = visitor.post(f"/admin/operators/{uid}/resend")
    assert again.status_code == 303
    assert again.headers["location"] == "/admin/operators?notice=resent"
    assert mailbox.count(email) == 2
    second = mailbox.to(email).link
    assert second != first
    assert httpx.get(first).status_code == 404
    assert httpx.get(second).status_code == 200
    withdrawn = visitor.post(f"/admin/operators/{uid}/withdraw")
    assert withdrawn.status_code == 303
    assert httpx.get(second).status_code == 404
    assert f'data-user="{email}"' not in visitor.client.get("/admin/operators").text
    assert visitor.post(f"/admin/operators/{uid}/withdraw").status_code == 404


def test_an_account_is_deactivated_and_reactivated(
    server: RunningServer, visitor: Visitor, owner: dict[str, Any]
) -> None:
    colleague = new_operator(server, "operator")
    with Visitor(server) as other:
        other.sign_in(colleague["email"])
        off = visitor.post(f"/admin/operators/{colleague['id']}/deactivate")
        assert off.status_code == 303
        assert off.headers["location"] == "/admin/operators?notice=deactivated"
        # Signed out at once.
        assert other.client.get("/").status_code == 303
    assert "Deactivated" in row_of(visitor.client.get("/admin/operators").text, colleague["email"])
    with Visitor(server) as again:
        page = again.client.get("/login")
        csrf = CSRF.search(page.text)
        assert csrf is not None
        assert (
            again.client.post(
                "/login",
                data={
                    "email": colleague["email"],
                    "password": PASSWORD,
                    "csrf_token": csrf.group(1),
                },
            ).status_code
            == 401
        )
    assert visitor.post(f"/admin/operators/{colleague['id']}/reactivate").status_code == 303
    with Visitor(server) as back:
        back.sign_in(colleague["email"])
    # Not oneself, and not a waiting invitation.
    mine = row_of(visitor.client.get("/admin/operators").text, owner["email"])
    assert "Deactivate" not in mine
    assert visitor.post(f"/admin/operators/{owner['id']}/deactivate").status_code == 409
    assert visitor.post("/admin/operators/0/deactivate").status_code == 404
    assert visitor.post("/admin/operators/abc/deactivate").status_code == 404


@pytest.mark.parametrize("role", ["operator", "technician", "finance", "viewer"])
def test_only_those_who_manage_accounts_see_the_page(server: RunningServer, role: str) -> None:
    person = new_operator(server, role)
    with Visitor(server) as visitor:
        visitor.sign_in(person["email"])
        assert visitor.client.get("/admin/operators").status_code == 403
        assert visitor.client.get("/admin/operators/invite").status_code == 403
        assert visitor.post("/admin/operators/invite", {"email": address()}).status_code == 403
        assert "/admin/operators" not in visitor.client.get("/").text


def test_an_admin_limited_to_a_site_manages_no_accounts(server: RunningServer) -> None:
    with server.api() as api:
        site = created(api.post("/sites", json={"name": f"Only {uuid.uuid4().hex[:6]}"}))
    limited = new_operator(server, "admin", site_ids=[site["id"]])
    with Visitor(server) as visitor:
        visitor.sign_in(limited["email"])
        assert visitor.client.get("/admin/operators").status_code == 403


def test_an_admin_cannot_make_owners_nor_touch_them(
    server: RunningServer, owner: dict[str, Any]
) -> None:
    admin = new_operator(server, "admin")
    with Visitor(server) as visitor:
        visitor.sign_in(admin["email"])
        form = visitor.client.get("/admin/operators/invite")
        assert 'value="owner"' not in form.text
        refused = invite(visitor, address(), role="owner")
        assert refused.status_code == 422
        assert field_error(refused.text, "role") == "Your role cannot give this role."
        row = row_of(visitor.client.get("/admin/operators").text, owner["email"])
        assert "Deactivate" not in row
        assert visitor.post(f"/admin/operators/{owner['id']}/deactivate").status_code == 403


def test_another_organizations_accounts_are_out_of_reach(
    server: RunningServer, visitor: Visitor, mailbox: Mailbox
) -> None:
    email = address()
    assert invite(visitor, email).status_code == 303
    waiting = user_id(server, email)
    other_key = second_organization(server, "Other")
    with api_client(server, other_key) as other_api:
        stranger = created(
            other_api.post(
                "/users",
                json={"email": address(), "password": PASSWORD, "role": "owner"},
            )
        )
        theirs = created(
            other_api.post(
                "/users",
                json={"email": address(), "password": PASSWORD, "role": "operator"},
            )
        )
    with Visitor(server) as outsider:
        outsider.sign_in(stranger["email"])
        listed = outsider.client.get("/admin/operators")
        assert email not in listed.text
        assert theirs["email"] in listed.text
        for action in ("resend", "withdraw", "deactivate", "reactivate"):
            answer = outsider.post(f"/admin/operators/{waiting}/{action}")
            assert answer.status_code == 404, action
    assert httpx.get(mailbox.to(email).link).status_code == 200


def test_a_broken_or_forged_link_is_refused(server: RunningServer) -> None:
    for path in ("/invitation/nothing", "/invitation/1.9999999999.abcdef.0123456789abcdef"):
        answer = httpx.get(server.base_url + path)
        assert answer.status_code == 404
        assert "does not work" in answer.text
