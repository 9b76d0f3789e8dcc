"""The id tokens page over HTTP: a token added through the form, blocked, accepted and
deleted; cards imported in bulk from CSV and Excel (all or nothing, problems named by row and
column) and exported in the same columns; roles and other organizations kept out."""

from __future__ import annotations

import csv
import io
import re
import uuid
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook

from tests.integration.web.test_web_assets import field_error
from tests.support.server import RunningServer
from tests.support.tenants import PASSWORD, api_client, created, second_organization
from tests.support.web import Visitor, new_operator

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}".upper()


def token_of(server: RunningServer, value: str) -> dict[str, Any] | None:
    with server.api() as api:
        found = api.get("/id-tokens", params={"q": value, "limit": 50}).json()["items"]
    return next((t for t in found if t["value"] == value), None)


def row_of(html: str, value: str) -> str:
    start = html.index(f'data-token="{value}"')
    return html[start : html.index("</tr>", start)]


def csv_file(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode()


def upload(visitor: Visitor, name: str, content: bytes, kind: str = "text/csv") -> Any:
    return visitor.client.post(
        "/admin/tokens/import",
        data={"csrf_token": visitor.csrf},
        files={"file": (name, content, kind)},
    )


@pytest.fixture
def visitor(server: RunningServer) -> Any:
    operator = new_operator(server, "operator")
    with Visitor(server) as signed_in:
        yield signed_in.sign_in(operator["email"])


def test_a_token_is_added_blocked_accepted_and_deleted(
    server: RunningServer, visitor: Visitor
) -> None:
    value = unique("CARD")
    with server.api() as api:
        group = created(api.post("/token-groups", json={"name": unique("Fleet"), "kind": "fleet"}))
    form = visitor.client.get("/admin/tokens/new")
    assert form.status_code == 200
    assert group["name"] in form.text
    added = visitor.post(
        "/admin/tokens/new",
        {
            "value": value,
            "type": "ISO14443",
            "status": "Accepted",
            "group_id": group["id"],
            "label": "Card 17",
            "expires": "2031-12-31",
        },
    )
    assert added.status_code == 303
    row = row_of(visitor.client.get("/admin/tokens", params={"q": value}).text, value)
    assert "RFID card (ISO 14443)" in row
    assert "Accepted" in row
    assert "2031-12-31" in row
    token = token_of(server, value)
    assert token is not None
    assert token["token_group_id"] == group["id"]
    blocked = visitor.post(f"/admin/tokens/{token['id']}/status", {"status": "Blocked"})
    assert blocked.status_code == 303
    assert "Blocked" in row_of(visitor.client.get("/admin/tokens", params={"q": value}).text, value)
    only_blocked = visitor.client.get("/admin/tokens", params={"status": "Blocked", "q": value})
    assert value in only_blocked.text
    only_accepted = visitor.client.get("/admin/tokens", params={"status": "Accepted", "q": value})
    assert f'data-token="{value}"' not in only_accepted.text
    assert visitor.post(f"/admin/tokens/{token['id']}/delete").status_code == 303
    assert token_of(server, value) is None
    assert visitor.post(f"/admin/tokens/{token['id']}/delete").status_code == 404


def test_the_token_form_says_what_is_wrong_beside_each_field(
    server: RunningServer, visitor: Visitor
) -> None:
    empty = visitor.post("/admin/tokens/new", {"type": "ISO14443"})
    assert empty.status_code == 422
    assert field_error(empty.text, "value") == "Enter the number or code of the card."
    bad_type = visitor.post("/admin/tokens/new", {"value": unique("X"), "type": "Magic"})
    assert field_error(bad_type.text, "type") == "Choose one of the options."
    no_group = visitor.post("/admin/tokens/new", {"value": unique("X"), "group_id": "99999999"})
    assert field_error(no_group.text, "group_id") == "Choose a group from the list."
    bad_day = visitor.post("/admin/tokens/new", {"value": unique("X"), "expires": "31.12.2030"})
    assert field_error(bad_day.text, "expires") == "Enter a date as YYYY-MM-DD."
    value = unique("TWICE")
    assert visitor.post("/admin/tokens/new", {"value": value}).status_code == 303
    twice = visitor.post("/admin/tokens/new", {"value": value})
    assert field_error(twice.text, "value") == "A token with this value and type already exists."
    bad_status = visitor.client.get("/admin/tokens", params={"status": "Sleeping"})
    assert bad_status.status_code == 422
    assert field_error(bad_status.text, "status") == "Choose one of the options."


def test_cards_are_imported_all_or_nothing_and_exported_in_the_same_columns(
    server: RunningServer, visitor: Visitor
) -> None:
    email = f"{unique('driver').lower()}@example.com"
    with server.api() as api:
        created(api.post("/drivers", json={"email": email, "name": "Dana Driver"}))
    parent = unique("FLEET")
    first, second, third = unique("C1"), unique("C2"), unique("C3")
    header = ["value", "type", "status", "parent_id_tag", "driver_email", "label", "expires_at"]
    broken = csv_file(
        [
            header,
            [first, "", "", parent, email, "one", "2030-01-31"],
            [second, "ISO14443", "Sleeping", "", "", "", ""],
            [first, "", "", "", "", "", ""],
            [third, "", "", "", "nobody@example.com", "", "soon"],
        ]
    )
    refused = upload(visitor, "cards.csv", broken)
    assert refused.status_code == 422
    problems = re.findall(r"<li>(Row \d+, column [a-z_]+: [^<]+)</li>", refused.text)
    assert "Row 3, column status: one of Accepted, Blocked, Expired, Invalid" in problems
    assert "Row 4, column value: the same card as row 2" in problems
    assert "Row 5, column expires_at: a date as YYYY-MM-DD" in problems
    assert token_of(server, first) is None
    unknown_driver = upload(visitor, "c.csv", csv_file([header, [third, "", "", "", "x@y.z"]]))
    assert "Row 2, column driver_email: no driver has this email" in unknown_driver.text
    good = csv_file(
        [header, [first, "", "", parent, email, "one", "2030-01-31"], [second, "", "Blocked"]]
    )
    imported = upload(visitor, "cards.csv", good)
    assert imported.status_code == 200
    assert "2 cards were imported." in imported.text
    assert "1 token group was made" in imported.text
    card = token_of(server, first)
    assert card is not None
    assert card["group_id"] == parent
    assert card["expires_at"].startswith("2030-01-31")
    assert token_of(server, second)["status"] == "Blocked"  # type: ignore[index]
    # Semicolons (as Excel writes CSV in many countries), and a workbook.
    semicolons = f"value;label\n{third};by semicolon\n".encode()
    assert "1 card was imported." in upload(visitor, "semi.csv", semicolons).text
    book = Workbook()
    book.active.append(["value", "status"])
    book.active.append([unique("XL"), "Accepted"])
    out = io.BytesIO()
    book.save(out)
    assert "1 card was imported." in upload(visitor, "cards.xlsx", out.getvalue(), XLSX).text
    assert "not an Excel workbook" in upload(visitor, "x.xlsx", b"PK nonsense", XLSX).text
    assert upload(visitor, "none.csv", b"").status_code == 422
    # The export has the import's columns: importing it again finds every card there already.
    export = visitor.client.get("/admin/tokens.csv", params={"q": first})
    assert export.status_code == 200
    rows = list(csv.reader(io.StringIO(export.text)))
    assert rows[0] == header
    assert rows[1][:5] == [first, "ISO14443", "Accepted", parent, email]
    again = upload(visitor, "again.csv", export.content)
    assert "Row 2, column value: this card already exists" in again.text
    workbook = visitor.client.get("/admin/tokens.xlsx", params={"q": second})
    assert workbook.headers["content-type"] == XLSX
    sheet = load_workbook(io.BytesIO(workbook.content)).active
    assert [c.value for c in sheet[2]][:3] == [second, "ISO14443", "Blocked"]


def test_who_may_read_and_who_may_change_tokens(server: RunningServer) -> None:
    technician = new_operator(server, "technician")
    with Visitor(server) as visitor:
        visitor.sign_in(technician["email"])
        for path in ("/admin/tokens", "/admin/tokens.csv", "/admin/tokens/new"):
            assert visitor.client.get(path).status_code == 403, path
    viewer = new_operator(server, "viewer")
    with Visitor(server) as visitor:
        visitor.sign_in(viewer["email"])
        listed = visitor.client.get("/admin/tokens")
        assert listed.status_code == 200
        assert "/admin/tokens/new" not in listed.text
        assert visitor.client.get("/admin/tokens/new").status_code == 403
        assert visitor.client.get("/admin/tokens/import").status_code == 403
        assert visitor.post("/admin/tokens/new", {"value": unique("V")}).status_code == 403
        answer = visitor.client.post(
            "/admin/tokens/import",
            data={"csrf_token": visitor.csrf},
            files={"file": ("c.csv", b"value\nX\n", "text/csv")},
        )
        assert answer.status_code == 403


def test_another_organizations_tokens_are_out_of_reach(server: RunningServer) -> None:
    value = unique("OURS")
    with server.api() as api:
        ours = created(api.post("/id-tokens", json={"value": value}))
    other_key = second_organization(server, "Tokens")
    with api_client(server, other_key) as other_api:
        stranger = created(
            other_api.post(
                "/users",
                json={
                    "email": f"{unique('t').lower()}@example.com",
                    "password": PASSWORD,
                    "role": "admin",
                },
            )
        )
    with Visitor(server) as visitor:
        visitor.sign_in(stranger["email"])
        listed = visitor.client.get("/admin/tokens", params={"q": value}).text
        assert f'data-token="{value}"' not in listed
        assert value not in visitor.client.get("/admin/tokens.csv").text
        assert (
            visitor.post(f"/admin/tokens/{ours['id']}/status", {"status": "Blocked"}).status_code
            == 404
        )
        assert visitor.post(f"/admin/tokens/{ours['id']}/delete").status_code == 404
        # The same card value is theirs to import: organizations do not share cards.
        imported = upload(visitor, "c.csv", f"value\n{value}\n".encode())
        assert "1 card was imported." in imported.text
    assert token_of(server, value)["status"] == "Accepted"  # type: ignore[index]
