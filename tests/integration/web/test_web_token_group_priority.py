"""A token group's load priority changed on the dashboard over HTTP, on both databases: the
form shows the priority in force, a bad value is answered beside the field (422, nothing
saved), a good one is saved and audited as the API's PATCH is; a form without the CSRF token,
a viewer, another organization and a group that does not exist are refused."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import httpx
import pytest

from tests.integration.web.test_web_assets import field_error
from tests.support.server import RunningServer
from tests.support.tenants import PASSWORD, api_client, created, second_organization
from tests.support.web import Visitor, new_operator


@pytest.fixture
def visitor(server: RunningServer) -> Iterator[Visitor]:
    operator = new_operator(server, "operator")
    with Visitor(server) as signed_in:
        yield signed_in.sign_in(operator["email"])


@pytest.fixture
def api(server: RunningServer) -> Iterator[httpx.Client]:
    with server.api() as client:
        yield client


def test_a_group_s_load_priority_is_changed_on_its_form(
    visitor: Visitor, api: httpx.Client
) -> None:
    name = f"Ambulances {uuid.uuid4().hex[:8]}"
    group = created(api.post("/token-groups", json={"name": name, "load_priority": 2}))
    path = f"/admin/token-groups/{group['id']}/priority"
    listed = visitor.client.get("/admin/token-groups").text
    row = listed[listed.index(f'data-group="{name}"') :].split("</tr>")[0]
    assert f'href="{path}"' in row

    form = visitor.client.get(path)
    assert form.status_code == 200
    assert 'value="2"' in form.text.split('id="f-load_priority"')[1].split(">")[0]

    for bad in ("10", "-1", "high", ""):
        refused = visitor.post(path, {"load_priority": bad})
        assert refused.status_code == 422, bad
        assert field_error(refused.text, "load_priority") == "Enter a whole number from 0 to 9."
        assert f'value="{bad}"' in refused.text.split('id="f-load_priority"')[1].split(">")[0]
    assert api.get(f"/token-groups/{group['id']}").json()["load_priority"] == 2

    without_csrf = visitor.client.post(path, data={"load_priority": "7"})
    assert without_csrf.status_code == 403
    assert api.get(f"/token-groups/{group['id']}").json()["load_priority"] == 2

    saved = visitor.post(path, {"load_priority": "9"})
    assert saved.status_code == 303
    assert saved.headers["location"] == "/admin/token-groups?notice=priority-changed"
    assert api.get(f"/token-groups/{group['id']}").json()["load_priority"] == 9
    shown = visitor.client.get(saved.headers["location"]).text
    assert "The token group&#39;s load priority was changed." in shown
    assert 'data-load-priority="9">9<' in shown[shown.index(f'data-group="{name}"') :]
    audit = api.get(
        "/audit", params={"action": "token_group.update", "object_id": str(group["id"])}
    ).json()["items"]
    assert [entry["changes"] for entry in audit][:1] == [{"load_priority": [2, 9]}]

    assert visitor.client.get("/admin/token-groups/999999999/priority").status_code == 404
    assert (
        visitor.post("/admin/token-groups/999999999/priority", {"load_priority": "1"}).status_code
        == 404
    )


def test_viewers_and_other_organizations_may_not_change_it(
    server: RunningServer, api: httpx.Client
) -> None:
    group = created(api.post("/token-groups", json={"name": f"Fleet {uuid.uuid4().hex[:8]}"}))
    path = f"/admin/token-groups/{group['id']}/priority"
    viewer = new_operator(server, "viewer")
    with Visitor(server) as visitor:
        visitor.sign_in(viewer["email"])
        assert "/priority" not in visitor.client.get("/admin/token-groups").text
        assert visitor.client.get(path).status_code == 403
        assert visitor.post(path, {"load_priority": "5"}).status_code == 403
    other_key = second_organization(server, "Priorities")
    with api_client(server, other_key) as other_api:
        stranger = created(
            other_api.post(
                "/users",
                json={
                    "email": f"{uuid.uuid4().hex[:8]}@example.com",
                    "password": PASSWORD,
                    "role": "admin",
                },
            )
        )
    with Visitor(server) as visitor:
        visitor.sign_in(stranger["email"])
        assert visitor.client.get(path).status_code == 404
        assert visitor.post(path, {"load_priority": "5"}).status_code == 404
    assert api.get(f"/token-groups/{group['id']}").json()["load_priority"] == 0
