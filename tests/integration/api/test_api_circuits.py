"""A site's electrical tree over HTTP (both databases): written and read back whole, with the
stations on their circuits; precise 422s naming the field (a cycle, an unknown parent, a
station of another site, a limit at or below 0); a circuit's limit above its parent's kept
with a note; the change audited; another site's stations never assignable."""

from __future__ import annotations

from typing import Any

import httpx

from tests.conftest import Ids, register_station
from tests.integration.api.test_api_sites import assert_field_error, create_site
from tests.integration.api.test_audit import entries

Json = dict[str, Any]


def tree(**fields: Any) -> Json:
    return {
        "max_current_a": 250,
        "circuits": [
            {"key": "P1", "name": "Panel A", "kind": "panel", "max_current_a": 63},
            {"key": "C1", "name": "Bay 1", "parent": "P1", "max_current_a": 16},
            {
                "key": "C2",
                "name": "Bay 2",
                "parent": "P1",
                "max_current_a": 32,
                "max_power_w": 22_000,
            },
        ],
        **fields,
    }


def test_a_tree_is_written_read_back_and_audited(api: httpx.Client, ids: Ids) -> None:
    site = create_site(api, f"Depot {ids.suffix}", grid_capacity_w=400_000)
    a, b, c = ids.station("A"), ids.station("B"), ids.station("C")
    for station in (a, b, c):
        register_station(api, station, site_id=site["id"])

    empty = api.get(f"/sites/{site['id']}/circuits")
    assert empty.status_code == 200, empty.text
    assert empty.json() == {
        "site_id": site["id"],
        "capacity_w": 400_000,
        "max_current_a": None,
        "circuits": [],
        "stations": {},
        "unassigned": sorted([a, b, c]),
        "notes": [],
    }

    written = api.put(f"/sites/{site['id']}/circuits", json=tree(stations={a: "C1", b: "C1"}))
    assert written.status_code == 200, written.text
    body = written.json()
    assert body == api.get(f"/sites/{site['id']}/circuits").json()
    assert body["max_current_a"] == 250
    assert [(n["key"], n["parent"], n["depth"], n["max_current_a"]) for n in body["circuits"]] == [
        ("P1", None, 0, 63),
        ("C1", "P1", 1, 16),
        ("C2", "P1", 1, 32),
    ]
    assert body["circuits"][2]["max_power_w"] == 22_000
    assert body["circuits"][0]["load"] == {"sessions": 0, "limits_a": [0, 0, 0], "limits_w": 0}
    assert body["stations"] == {a: "C1", b: "C1"}
    assert body["unassigned"] == [c]
    assert body["notes"] == []

    # Replaced whole: a station moved, a circuit gone, a child above its parent (noted).
    again = tree(stations={a: "C2"})
    again["circuits"] = [again["circuits"][0], {**again["circuits"][2], "max_current_a": 80}]
    moved = api.put(f"/sites/{site['id']}/circuits", json=again)
    assert moved.status_code == 200, moved.text
    assert [n["key"] for n in moved.json()["circuits"]] == ["P1", "C2"]
    assert moved.json()["stations"] == {a: "C2"}
    assert moved.json()["notes"] == [
        {
            "field": "circuits.1.max_current_a",
            "message": "above its parent's 63 A: the parent's limit applies",
        }
    ]
    audited = entries(api, object_type="site", object_id=site["id"])
    trees = [e for e in audited if e["action"] == "site.electrical_tree"]
    assert len(trees) == 2
    assert trees[0]["changes"]["stations"] == {a: "C2"}

    cleared = api.put(f"/sites/{site['id']}/circuits", json={})
    assert cleared.status_code == 200, cleared.text
    assert (cleared.json()["circuits"], cleared.json()["stations"]) == ([], {})


def test_a_tree_that_cannot_be_is_refused_naming_the_field(api: httpx.Client, ids: Ids) -> None:
    site = create_site(api, f"Depot {ids.suffix}")
    other = create_site(api, f"Other {ids.suffix}")
    mine, theirs = ids.station("MINE"), ids.station("THEIRS")
    register_station(api, mine, site_id=site["id"])
    register_station(api, theirs, site_id=other["id"])
    path = f"/sites/{site['id']}/circuits"

    cycle = tree()
    cycle["circuits"][0]["parent"] = "C1"
    refused = assert_field_error(api.put(path, json=cycle), "invalid_input", "circuits.0.parent")
    assert "cycle: P1 → C1 → P1" in refused["fields"][0]["message"]

    unknown = tree()
    unknown["circuits"][1]["parent"] = "P9"
    assert_field_error(api.put(path, json=unknown), "invalid_input", "circuits.1.parent")

    negative = tree()
    negative["circuits"][2]["max_current_a"] = -16
    # Limits at or below 0 are refused by the request's shape, naming the field alike.
    bad = "validation_error"
    assert_field_error(api.put(path, json=negative), bad, "circuits.2.max_current_a")
    negative = tree()
    negative["circuits"][2]["max_power_w"] = 0
    assert_field_error(api.put(path, json=negative), bad, "circuits.2.max_power_w")
    assert_field_error(api.put(path, json=tree(max_current_a=-1)), bad, "max_current_a")

    duplicate = tree()
    duplicate["circuits"][2]["key"] = "C1"
    assert_field_error(api.put(path, json=duplicate), "invalid_input", "circuits.2.key")

    elsewhere = api.put(path, json=tree(stations={theirs: "C1"}))
    assert_field_error(elsewhere, "invalid_input", f"stations.{theirs}")
    nowhere = api.put(path, json=tree(stations={mine: "C9"}))
    assert_field_error(nowhere, "invalid_input", f"stations.{mine}")

    # Nothing of it was kept.
    assert api.get(path).json()["circuits"] == []
    assert api.get("/sites/2000000000/circuits").status_code == 404
