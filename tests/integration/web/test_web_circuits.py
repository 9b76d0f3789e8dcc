"""A site's electrical tree on the dashboard over HTTP (both databases): panels and circuits
added, changed and deleted, a station put on a circuit, the grid connection's limit set, each
change audited; a bad value answered beside its field (422, nothing saved), a loop refused at
the parent; a CSV imported, and a file with problems answered row by row; the load panel
embeds each circuit's limit against the sessions' limits below it; a viewer sees the tree
without the forms and may not post them."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from tests.conftest import Ids
from tests.integration.web.test_web_loads import field_error
from tests.integration.web.test_web_monitoring import Visitor, new_site, visitor
from tests.support.commands import async_api, register
from tests.support.server import RunningServer


@pytest.fixture
async def aapi(server: RunningServer) -> AsyncIterator[httpx.AsyncClient]:
    async with async_api(server) as client:
        yield client


async def tree(aapi: httpx.AsyncClient, site_id: int) -> dict[str, object]:
    answer = await aapi.get(f"/sites/{site_id}/circuits")
    assert answer.status_code == 200, answer.text
    body: dict[str, object] = answer.json()
    return body


async def upload(admin: Visitor, site_id: int, content: bytes) -> httpx.Response:
    return await admin.client.post(
        f"/sites/{site_id}/circuits/import",
        data={"csrf_token": admin.csrf},
        files={"file": ("tree.csv", content, "text/csv")},
    )


CIRCUIT = {"editing": "", "key": "C1", "name": "Bay 1", "kind": "circuit", "parent": "",
           "max_current_a": "16", "max_power_kw": ""}  # fmt: skip


async def test_the_tree_is_edited_on_the_dashboard(
    server: RunningServer, aapi: httpx.AsyncClient, ids: Ids
) -> None:
    site_id = await new_site(aapi, f"Depot {ids.suffix}")
    station = ids.station()
    await register(aapi, station, connectors=1, site_id=site_id)
    admin = await visitor(server, aapi, "admin")
    empty = await admin.get(f"/sites/{site_id}/circuits")
    assert empty.status_code == 200
    assert 'id="circuit-form"' in empty.text
    assert "No panel or circuit yet" in empty.text

    panel = {**CIRCUIT, "key": "P1", "name": "Panel A", "kind": "panel", "max_current_a": "63"}
    added = await admin.post(f"/sites/{site_id}/circuits", panel)
    assert added.status_code == 303, added.text
    added = await admin.post(f"/sites/{site_id}/circuits", {**CIRCUIT, "parent": "P1"})
    assert added.status_code == 303, added.text
    body = await tree(aapi, site_id)
    assert [(c["key"], c["parent"], c["max_current_a"]) for c in body["circuits"]] == [  # type: ignore[attr-defined]
        ("P1", None, 63),
        ("C1", "P1", 16),
    ]

    # Bad values beside their fields, nothing saved.
    bad = await admin.post(
        f"/sites/{site_id}/circuits",
        {**CIRCUIT, "key": "C2", "name": "", "max_current_a": "-3", "max_power_kw": "x"},
    )
    assert bad.status_code == 422
    assert field_error(bad.text, "name") == "Fill in this field."
    assert field_error(bad.text, "max_current_a") == (
        "Enter a current above 0 A, to a tenth of an ampere."
    )
    assert field_error(bad.text, "max_power_kw") == "Enter a number."
    taken = await admin.post(f"/sites/{site_id}/circuits", {**CIRCUIT, "name": "Again"})
    assert field_error(taken.text, "key") == "Another panel or circuit has this key."
    loop = await admin.post(
        f"/sites/{site_id}/circuits", {**panel, "editing": "P1", "parent": "C1"}
    )
    assert loop.status_code == 422
    assert field_error(loop.text, "parent") == (
        "That parent is below this one: a circuit cannot feed itself."
    )
    assert len(body["circuits"]) == len((await tree(aapi, site_id))["circuits"])  # type: ignore[arg-type]

    # Changed (renamed: its station follows it), a station assigned, the grid limit set.
    assigned = await admin.post(
        f"/sites/{site_id}/circuits/stations", {"station": station, "circuit": "C1"}
    )
    assert assigned.status_code == 303, assigned.text
    renamed = await admin.post(
        f"/sites/{site_id}/circuits",
        {**CIRCUIT, "editing": "C1", "key": "BAY1", "parent": "P1", "max_current_a": "20"},
    )
    assert renamed.status_code == 303, renamed.text
    grid = await admin.post(f"/sites/{site_id}/circuits/grid", {"grid_current_a": "250"})
    assert grid.status_code == 303, grid.text
    body = await tree(aapi, site_id)
    assert body["stations"] == {station: "BAY1"}
    assert body["max_current_a"] == 250
    page = (await admin.get(f"/sites/{site_id}/circuits")).text
    assert 'data-circuit="BAY1"' in page
    assert "20 A" in page.split('data-circuit="BAY1"')[1].split("</tr>")[0]

    # A panel that feeds others is not deleted; a circuit is, its station back on the grid.
    refused = await admin.post(f"/sites/{site_id}/circuits/delete", {"key": "P1"})
    assert refused.status_code == 422
    assert "It feeds other panels or circuits" in refused.text
    deleted = await admin.post(f"/sites/{site_id}/circuits/delete", {"key": "BAY1"})
    assert deleted.status_code == 303
    body = await tree(aapi, site_id)
    assert ([c["key"] for c in body["circuits"]], body["stations"]) == (["P1"], {})  # type: ignore[attr-defined]

    audited = [e for e in await _entries(aapi, site_id) if e["action"] == "site.electrical_tree"]
    assert len(audited) == 6  # two added, assigned, renamed, the grid, deleted

    viewer = await visitor(server, aapi, "viewer")
    seen = await viewer.get(f"/sites/{site_id}/circuits")
    assert seen.status_code == 200
    assert 'id="circuit-form"' not in seen.text
    assert (await viewer.post(f"/sites/{site_id}/circuits", CIRCUIT)).status_code == 403


async def _entries(aapi: httpx.AsyncClient, site_id: int) -> list[dict[str, object]]:
    answer = await aapi.get("/audit", params={"limit": 200, "object_type": "site",
                                              "object_id": site_id})  # fmt: skip
    assert answer.status_code == 200, answer.text
    items: list[dict[str, object]] = answer.json()["items"]
    return items


async def test_a_tree_is_imported_from_a_csv_file_or_refused_row_by_row(
    server: RunningServer, aapi: httpx.AsyncClient, ids: Ids
) -> None:
    site_id = await new_site(aapi, f"Depot {ids.suffix}")
    a, b = ids.station("A"), ids.station("B")
    for station in (a, b):
        await register(aapi, station, connectors=1, site_id=site_id)
    admin = await visitor(server, aapi, "admin")
    good = (
        "key;name;kind;parent;max_current_a;max_power_kw;stations\n"
        "P1;Panel A;panel;;63;;\n"
        f"C1;Bay 1;circuit;P1;16;11,04;{a} {b}\n"
    ).encode()
    imported = await upload(admin, site_id, good)
    assert imported.status_code == 303, imported.text
    body = await tree(aapi, site_id)
    assert body["stations"] == {a: "C1", b: "C1"}
    assert [(c["key"], c["max_power_w"]) for c in body["circuits"]] == [  # type: ignore[attr-defined]
        ("P1", None),
        ("C1", 11_040),
    ]

    bad = (
        b"key,name,kind,parent,max_current_a,stations\n"
        b"P1,Panel A,board,,63,\n"
        b"C1,Bay 1,circuit,P1,-16,CP-NOWHERE\n"
    )
    refused = await upload(admin, site_id, bad)
    assert refused.status_code == 422
    problems = refused.text.split('id="import-problems"')[1].split("</div>")[0]
    assert "Row 2, column kind: must be one of panel, circuit" in problems
    assert "Row 3, column max_current_a: above 0 A and at most 10000 A" in problems
    assert (await tree(aapi, site_id))["stations"] == {a: "C1", b: "C1"}  # unchanged
    elsewhere = await upload(admin, site_id, b"key,name,stations\nC1,Bay,CP-NOWHERE\n")
    assert "Row 2, column stations: CP-NOWHERE: no station of this site has that id" in (
        elsewhere.text
    )

    # The load panel embeds the table of circuits and their load.
    panel = await admin.get(f"/sites/{site_id}/load")
    assert f'hx-get="/sites/{site_id}/circuits"' in panel.text
    shown = (await admin.get(f"/sites/{site_id}/circuits")).text
    section = shown.split('id="circuit-loads"')[1].split("</section>")[0]
    assert 'data-circuit="C1"' in section
    assert "0 A / 16 A" in section
