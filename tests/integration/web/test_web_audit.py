"""The audit log page over HTTP: entries in words, filtered by action, object, actor and days,
exported as CSV with the same filters; other roles refused; another organization's entries
never shown."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from tests.integration.web.test_web_assets import field_error
from tests.support.server import RunningServer
from tests.support.tenants import PASSWORD, api_client, created, second_organization
from tests.support.web import Visitor, new_operator


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def test_entries_are_filtered_and_exported_in_words(server: RunningServer) -> None:
    admin = new_operator(server, "admin")
    name = unique("Audited site")
    with server.api() as api:
        site = created(api.post("/sites", json={"name": name}))
        assert api.patch(f"/sites/{site['id']}", json={"city": "Oulu"}).status_code == 200
    today = datetime.now(UTC).date()
    with Visitor(server) as visitor:
        visitor.sign_in(admin["email"])
        page = visitor.client.get("/admin/audit")
        assert page.status_code == 200
        assert "Site created" in page.text
        assert "site.create" not in page.text.split("<table", 1)[1].split("</table>", 1)[0]
        created_only = visitor.client.get(
            "/admin/audit", params={"action": "site.create", "object_id": str(site["id"])}
        )
        assert created_only.status_code == 200
        table = created_only.text.split("<tbody>", 1)[1]
        assert table.count("<tr data-entry=") == 1
        assert "Site created" in table
        assert "Site changed" not in table
        changed = visitor.client.get(
            "/admin/audit",
            params={"object_type": "site", "object_id": str(site["id"]), "since": str(today)},
        )
        assert "Site changed" in changed.text
        assert "Oulu" in changed.text
        tomorrow = today + timedelta(days=1)
        future = visitor.client.get(
            "/admin/audit", params={"object_id": str(site["id"]), "since": str(tomorrow)}
        )
        assert "No entry matches these filters." in future.text
        backwards = visitor.client.get(
            "/admin/audit", params={"since": str(today), "until": str(today - timedelta(days=1))}
        )
        assert backwards.status_code == 422
        assert field_error(backwards.text, "until") == "The last day comes before the first."
        bad_day = visitor.client.get("/admin/audit", params={"since": "yesterday"})
        assert bad_day.status_code == 422
        assert field_error(bad_day.text, "since") == "Enter a date as YYYY-MM-DD."
        bad_action = visitor.client.get("/admin/audit", params={"action": "DROP TABLE"})
        assert field_error(bad_action.text, "action") == "Choose one of the options."
        export = visitor.client.get(
            "/admin/audit.csv", params={"object_type": "site", "object_id": str(site["id"])}
        )
        assert export.status_code == 200
        assert export.headers["content-type"].startswith("text/csv")
        assert "attachment" in export.headers["content-disposition"]
        rows = list(csv.reader(io.StringIO(export.text)))
        assert rows[0][:3] == ["Time (UTC)", "Action", "Object"]
        assert sorted(r[1] for r in rows[1:]) == ["Site changed", "Site created"]
        assert {r[2] for r in rows[1:]} == {"Site"}
        assert {r[3] for r in rows[1:]} == {str(site["id"])}


@pytest.mark.parametrize("role", ["operator", "technician", "finance", "viewer"])
def test_only_those_who_read_the_audit_log_see_it(server: RunningServer, role: str) -> None:
    person = new_operator(server, role)
    with Visitor(server) as visitor:
        visitor.sign_in(person["email"])
        assert visitor.client.get("/admin/audit").status_code == 403
        assert visitor.client.get("/admin/audit.csv").status_code == 403


def test_another_organizations_entries_are_never_shown(server: RunningServer) -> None:
    marker = unique("Secret site")
    with server.api() as api:
        created(api.post("/sites", json={"name": marker}))
    other_key = second_organization(server, "Audit")
    with api_client(server, other_key) as other_api:
        stranger = created(
            other_api.post(
                "/users",
                json={"email": f"{unique('a')}@example.com", "password": PASSWORD, "role": "owner"},
            )
        )
    with Visitor(server) as visitor:
        visitor.sign_in(stranger["email"])
        page = visitor.client.get("/admin/audit", params={"action": "site.create"})
        assert page.status_code == 200
        assert marker not in page.text
        assert marker not in visitor.client.get("/admin/audit.csv").text
