"""REST API v1 token groups, drivers and access rules: CRUD, filters, validation, the access
mode of sites and stations, site-limited callers, and the audit entries each change leaves."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from argon2 import PasswordHasher
from sqlalchemy import text

from kilowatt.persistence.db import Database
from tests.conftest import Ids, create_token, register_station
from tests.support.server import RunningServer
from tests.support.tenants import api_client, created, second_organization

Json = dict[str, Any]
MISSING_ID = 2_000_000_000
PASSWORD = "correct horse battery staple"


def field_error(response: httpx.Response, field: str) -> None:
    assert response.status_code == 422, response.text
    body = response.json()
    assert set(body) - {"reason"} == {"error", "detail", "fields"}  # reason: when named
    assert [f["field"] for f in body["fields"]] == [field], body


def audit(api: httpx.Client, object_type: str, object_id: object) -> list[Json]:
    response = api.get(
        "/audit", params={"object_type": object_type, "object_id": str(object_id), "limit": 50}
    )
    assert response.status_code == 200, response.text
    items: list[Json] = response.json()["items"]
    return items


def ids_of(response: httpx.Response) -> list[int]:
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


# Token groups ----------------------------------------------------------------------------------


def test_token_groups_crud(api: httpx.Client, ids: Ids) -> None:
    s = ids.suffix
    group = created(
        api.post(
            "/token-groups",
            json={
                "name": f"Acme fleet {s}",
                "kind": "fleet",
                "description": "Company cars",
                "parent_id_tag": f"ACME{s}",
            },
        )
    )
    assert (group["name"], group["kind"], group["parent_id_tag"]) == (
        f"Acme fleet {s}",
        "fleet",
        f"ACME{s}",
    )
    assert group["tokens"] == 0
    assert api.get(f"/token-groups/{group['id']}").json() == group
    tenants = created(api.post("/token-groups", json={"name": f"Tenants {s}", "kind": "tenants"}))
    assert tenants["parent_id_tag"] is None
    assert tenants["description"] == ""

    assert ids_of(api.get("/token-groups", params={"q": s})) == [group["id"], tenants["id"]]
    assert ids_of(api.get("/token-groups", params={"q": s, "kind": "fleet"})) == [group["id"]]
    assert ids_of(api.get("/token-groups", params={"q": f"acme{s.lower()}"})) == [group["id"]]

    duplicate = api.post("/token-groups", json={"name": "Again", "parent_id_tag": f"ACME{s}"})
    assert duplicate.status_code == 409
    assert duplicate.json()["error"] == "conflict"
    taken = api.patch(f"/token-groups/{tenants['id']}", json={"parent_id_tag": f"ACME{s}"})
    assert taken.status_code == 409

    patched = api.patch(
        f"/token-groups/{group['id']}",
        json={"name": f"Acme cars {s}", "description": None, "parent_id_tag": f"CARS{s}"},
    )
    assert patched.status_code == 200, patched.text
    changed = patched.json()
    assert (changed["name"], changed["description"], changed["parent_id_tag"]) == (
        f"Acme cars {s}",
        "",
        f"CARS{s}",
    )
    assert changed["updated_at"] > group["updated_at"]
    field_error(api.patch(f"/token-groups/{group['id']}", json={"kind": None}), "kind")
    field_error(api.patch(f"/token-groups/{group['id']}", json={"kind": "club"}), "kind")
    field_error(api.post("/token-groups", json={"name": ""}), "name")
    field_error(
        api.post("/token-groups", json={"name": "x", "parent_id_tag": " P"}), "parent_id_tag"
    )

    assert api.delete(f"/token-groups/{group['id']}").status_code == 204
    gone = api.get(f"/token-groups/{group['id']}")
    assert gone.status_code == 404
    assert gone.json() == {"error": "not_found", "detail": f"token group {group['id']} not found"}
    for method in ("GET", "PATCH", "DELETE"):
        body = {"name": "x"} if method == "PATCH" else None
        assert api.request(method, f"/token-groups/{MISSING_ID}", json=body).status_code == 404


def test_tokens_join_a_group_by_id_or_by_parent_id_tag(api: httpx.Client, ids: Ids) -> None:
    s = ids.suffix
    group = created(
        api.post("/token-groups", json={"name": f"Staff {s}", "parent_id_tag": f"STAFF{s}"})
    )
    by_id = create_token(api, ids.tag("A"), token_group_id=group["id"])
    assert (by_id["token_group_id"], by_id["group_id"]) == (group["id"], f"STAFF{s}")
    by_tag = create_token(api, ids.tag("B"), group_id=f"STAFF{s}")
    assert by_tag["token_group_id"] == group["id"]
    # A parent id tag no group has yet makes a group (kind other) named after it.
    fresh = create_token(api, ids.tag("C"), group_id=f"NEW{s}")
    made = api.get(f"/token-groups/{fresh['token_group_id']}").json()
    assert (made["name"], made["kind"], made["parent_id_tag"]) == (f"NEW{s}", "other", f"NEW{s}")
    assert api.get(f"/token-groups/{group['id']}").json()["tokens"] == 2

    field_error(
        api.post(
            "/id-tokens",
            json={"value": ids.tag("D"), "token_group_id": group["id"], "group_id": f"NEW{s}"},
        ),
        "group_id",
    )
    field_error(
        api.post("/id-tokens", json={"value": ids.tag("E"), "token_group_id": MISSING_ID}),
        "token_group_id",
    )
    assert api.get("/id-tokens", params={"q": ids.tag("D")}).json()["items"] == []

    listed = api.get("/id-tokens", params={"token_group_id": group["id"]})
    assert ids_of(listed) == [by_id["id"], by_tag["id"]]
    assert ids_of(api.get("/id-tokens", params={"group_id": f"STAFF{s}"})) == [
        by_id["id"],
        by_tag["id"],
    ]

    moved = api.patch(f"/id-tokens/{by_id['id']}", json={"token_group_id": fresh["token_group_id"]})
    assert moved.status_code == 200, moved.text
    assert moved.json()["group_id"] == f"NEW{s}"
    out = api.patch(f"/id-tokens/{by_tag['id']}", json={"token_group_id": None})
    assert (out.json()["token_group_id"], out.json()["group_id"]) == (None, None)
    field_error(
        api.patch(f"/id-tokens/{by_tag['id']}", json={"token_group_id": MISSING_ID}),
        "token_group_id",
    )
    assert api.get(f"/id-tokens/{by_tag['id']}").json()["token_group_id"] is None

    # Deleting a group keeps its tokens, out of any group.
    assert api.delete(f"/token-groups/{fresh['token_group_id']}").status_code == 204
    kept = api.get(f"/id-tokens/{by_id['id']}").json()
    assert (kept["token_group_id"], kept["group_id"]) == (None, None)


# Drivers -----------------------------------------------------------------------------------------


async def test_drivers_crud_and_their_tokens(
    server: RunningServer, api: httpx.Client, ids: Ids
) -> None:
    s = ids.suffix.lower()
    driver = created(
        api.post(
            "/drivers",
            json={"email": f" Anna.{s}@Example.COM ", "name": "Anna", "password": PASSWORD},
        )
    )
    assert driver["email"] == f"anna.{s}@example.com"
    assert (driver["has_password"], driver["is_active"]) == (True, True)
    assert "password" not in driver
    assert "password_hash" not in driver
    walk_in = created(api.post("/drivers", json={"email": f"walk-in.{s}@example.com"}))
    assert walk_in["has_password"] is False
    assert api.get(f"/drivers/{driver['id']}").json() == driver

    again = api.post("/drivers", json={"email": f"ANNA.{s}@example.com"})
    assert again.status_code == 409
    field_error(api.post("/drivers", json={"email": "not-an-address"}), "email")
    field_error(
        api.post("/drivers", json={"email": f"x.{s}@example.com", "password": "short"}), "password"
    )

    assert ids_of(api.get("/drivers", params={"q": s})) == [driver["id"], walk_in["id"]]
    assert ids_of(api.get("/drivers", params={"q": f"anna.{s}"})) == [driver["id"]]

    patched = api.patch(
        f"/drivers/{walk_in['id']}",
        json={"name": "Walk-in", "phone": "+358 40 123", "password": PASSWORD, "is_active": False},
    )
    assert patched.status_code == 200, patched.text
    changed = patched.json()
    assert (changed["name"], changed["phone"], changed["has_password"], changed["is_active"]) == (
        "Walk-in",
        "+358 40 123",
        True,
        False,
    )
    assert ids_of(api.get("/drivers", params={"q": s, "active": False})) == [walk_in["id"]]
    assert api.patch(f"/drivers/{walk_in['id']}", json={"email": driver["email"]}).status_code == (
        409
    )
    field_error(api.patch(f"/drivers/{walk_in['id']}", json={"password": None}), "password")

    card = create_token(api, ids.tag("CARD"), driver_id=driver["id"])
    fob = create_token(api, ids.tag("FOB"), driver_id=driver["id"])
    create_token(api, ids.tag("OTHER"))
    assert card["driver_id"] == driver["id"]
    assert ids_of(api.get(f"/drivers/{driver['id']}/id-tokens")) == [card["id"], fob["id"]]
    assert ids_of(api.get("/id-tokens", params={"driver_id": driver["id"]})) == [
        card["id"],
        fob["id"],
    ]
    field_error(
        api.post("/id-tokens", json={"value": ids.tag("X"), "driver_id": MISSING_ID}), "driver_id"
    )
    assert api.get(f"/drivers/{MISSING_ID}/id-tokens").status_code == 404

    # The password is kept only as an argon2id hash.
    database = Database(server.settings.database_url)
    try:
        async with database.engine.connect() as connection:
            stored = (
                await connection.execute(
                    text("SELECT password_hash FROM drivers WHERE id = :id"), {"id": driver["id"]}
                )
            ).scalar_one()
    finally:
        await database.dispose()
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored
    assert PasswordHasher().verify(stored, PASSWORD)

    # Deleting a driver keeps the tokens, without a driver.
    assert api.delete(f"/drivers/{driver['id']}").status_code == 204
    assert api.get(f"/drivers/{driver['id']}").status_code == 404
    assert api.get(f"/id-tokens/{card['id']}").json()["driver_id"] is None


def test_new_drivers_are_counted_per_day_of_their_organization(server: RunningServer) -> None:
    with api_client(server, second_organization(server, "Drivers")) as client:
        for name in ("one", "two"):
            created(client.post("/drivers", json={"email": f"{name}@example.com"}))
        today = datetime.now(UTC).date()
        counts = client.get("/drivers/new-per-day", params={"timezone": "UTC"})
        assert counts.status_code == 200, counts.text
        days = counts.json()
        assert len(days) == 30
        assert days[-1] == {"day": today.isoformat(), "drivers": 2}
        assert sum(d["drivers"] for d in days) == 2
        window = client.get(
            "/drivers/new-per-day",
            params={
                "since": (today - timedelta(days=2)).isoformat(),
                "until": (today - timedelta(days=1)).isoformat(),
            },
        )
        assert [d["drivers"] for d in window.json()] == [0, 0]
        backwards = client.get(
            "/drivers/new-per-day",
            params={"since": today.isoformat(), "until": (today - timedelta(days=1)).isoformat()},
        )
        field_error(backwards, "until")
        too_long = client.get(
            "/drivers/new-per-day", params={"since": (today - timedelta(days=400)).isoformat()}
        )
        field_error(too_long, "until")
        field_error(
            client.get("/drivers/new-per-day", params={"timezone": "Mars/Olympus"}), "timezone"
        )


# Access rules ---------------------------------------------------------------------------------


def test_sites_and_stations_are_public_until_made_private(api: httpx.Client, ids: Ids) -> None:
    site = created(api.post("/sites", json={"name": f"Garage {ids.suffix}"}))
    assert site["access"] == "public"
    station = register_station(api, ids.station(), site_id=site["id"])
    assert station["access"] is None
    private = api.patch(f"/sites/{site['id']}", json={"access": "private"})
    assert private.json()["access"] == "private"
    field_error(api.patch(f"/sites/{site['id']}", json={"access": None}), "access")
    field_error(api.patch(f"/sites/{site['id']}", json={"access": "secret"}), "access")
    own = api.patch(f"/stations/{station['ocpp_id']}", json={"access": "public"})
    assert own.json()["access"] == "public"
    assert api.get(f"/stations/{station['ocpp_id']}").json()["access"] == "public"
    made_private = register_station(api, ids.station("CPP"), access="private")
    assert made_private["access"] == "private"
    entries = audit(api, "site", site["id"])
    assert entries[0]["changes"] == {"access": ["public", "private"]}


def test_access_rules_crud(api: httpx.Client, ids: Ids) -> None:
    site = created(api.post("/sites", json={"name": f"Depot {ids.suffix}", "access": "private"}))
    station = register_station(api, ids.station(), site_id=site["id"])["ocpp_id"]
    group = created(api.post("/token-groups", json={"name": f"Night shift {ids.suffix}"}))
    other = created(api.post("/token-groups", json={"name": f"Day shift {ids.suffix}"}))
    nights = [{"days": ["fri", "mon"], "start": "22:00", "end": "06:00"}]
    at_site = created(
        api.post(
            "/access-rules",
            json={
                "token_group_id": group["id"],
                "site_id": site["id"],
                "windows": nights,
                "description": "nights only",
            },
        )
    )
    assert at_site["windows"] == [{"days": ["mon", "fri"], "start": "22:00", "end": "06:00"}]
    assert (at_site["site_id"], at_site["station_id"]) == (site["id"], None)
    at_station = created(
        api.post("/access-rules", json={"token_group_id": other["id"], "station_id": station})
    )
    assert (at_station["site_id"], at_station["station_id"], at_station["windows"]) == (
        None,
        station,
        [],
    )
    assert api.get(f"/access-rules/{at_site['id']}").json() == at_site

    assert ids_of(api.get("/access-rules", params={"token_group_id": group["id"]})) == [
        at_site["id"]
    ]
    assert ids_of(api.get("/access-rules", params={"site_id": site["id"]})) == [at_site["id"]]
    assert ids_of(api.get("/access-rules", params={"station_id": station})) == [at_station["id"]]
    assert api.get("/access-rules", params={"station_id": "NO-SUCH"}).json()["items"] == []

    days = api.patch(
        f"/access-rules/{at_site['id']}",
        json={"windows": [{"days": ["sat", "sun"], "start": "00:00", "end": "00:00"}]},
    )
    assert days.status_code == 200, days.text
    assert days.json()["windows"] == [{"days": ["sat", "sun"], "start": "00:00", "end": "00:00"}]
    assert days.json()["description"] == "nights only"
    cleared = api.patch(f"/access-rules/{at_site['id']}", json={"description": None})
    assert cleared.json()["description"] == ""
    field_error(
        api.patch(f"/access-rules/{at_site['id']}", json={"site_id": site["id"]}), "site_id"
    )

    for body, field in (
        ({"token_group_id": group["id"]}, "site_id"),
        ({"token_group_id": group["id"], "site_id": site["id"], "station_id": station}, "site_id"),
        ({"token_group_id": MISSING_ID, "site_id": site["id"]}, "token_group_id"),
        ({"token_group_id": group["id"], "site_id": MISSING_ID}, "site_id"),
        ({"token_group_id": group["id"], "station_id": "NO-SUCH"}, "station_id"),
        (
            {"token_group_id": group["id"], "site_id": site["id"],
             "windows": [{"days": ["someday"], "start": "08:00", "end": "10:00"}]},
            "windows.0.days.0",
        ),
        (
            {"token_group_id": group["id"], "site_id": site["id"],
             "windows": [{"days": ["mon"], "start": "24:00", "end": "10:00"}]},
            "windows.0.start",
        ),
        (
            {"token_group_id": group["id"], "site_id": site["id"],
             "windows": [{"days": [], "start": "08:00", "end": "10:00"}]},
            "windows.0.days",
        ),
        (
            {"token_group_id": group["id"], "site_id": site["id"],
             "windows": [{"days": ["mon"], "start": "08:00", "end": "10:00"}] * 29},
            "windows",
        ),
    ):  # fmt: skip
        field_error(api.post("/access-rules", json=body), field)
    assert ids_of(api.get("/access-rules", params={"site_id": site["id"]})) == [at_site["id"]]

    assert api.delete(f"/access-rules/{at_site['id']}").status_code == 204
    assert api.get(f"/access-rules/{at_site['id']}").status_code == 404
    # A group's rules go with it.
    assert api.delete(f"/token-groups/{other['id']}").status_code == 204
    assert api.get(f"/access-rules/{at_station['id']}").status_code == 404
    for method in ("GET", "PATCH", "DELETE"):
        body = {"description": "x"} if method == "PATCH" else None
        assert api.request(method, f"/access-rules/{MISSING_ID}", json=body).status_code == 404


def test_rules_go_with_their_station_or_site(api: httpx.Client, ids: Ids) -> None:
    site = created(api.post("/sites", json={"name": f"Closing {ids.suffix}"}))
    station = register_station(api, ids.station(), site_id=site["id"])["ocpp_id"]
    group = created(api.post("/token-groups", json={"name": f"Leaving {ids.suffix}"}))
    at_station = created(
        api.post("/access-rules", json={"token_group_id": group["id"], "station_id": station})
    )
    at_site = created(
        api.post("/access-rules", json={"token_group_id": group["id"], "site_id": site["id"]})
    )
    assert api.delete(f"/stations/{station}").status_code == 204
    assert api.get(f"/access-rules/{at_station['id']}").status_code == 404
    assert api.delete(f"/sites/{site['id']}").status_code == 204
    assert api.get(f"/access-rules/{at_site['id']}").status_code == 404
    assert api.get(f"/token-groups/{group['id']}").status_code == 200


def test_a_site_limited_key_reaches_the_rules_of_its_sites_only(
    server: RunningServer, ids: Ids
) -> None:
    owner_key = second_organization(server, "Rules")
    with api_client(server, owner_key) as owner:
        mine = created(owner.post("/sites", json={"name": "Mine", "access": "private"}))
        theirs = created(owner.post("/sites", json={"name": "Theirs", "access": "private"}))
        my_station = created(
            owner.post("/stations", json={"ocpp_id": ids.station("MY"), "site_id": mine["id"]})
        )["ocpp_id"]
        their_station = created(
            owner.post("/stations", json={"ocpp_id": ids.station("TH"), "site_id": theirs["id"]})
        )["ocpp_id"]
        group = created(owner.post("/token-groups", json={"name": "Shared"}))
        rules = [
            created(owner.post("/access-rules", json={"token_group_id": group["id"], **place}))
            for place in (
                {"site_id": mine["id"]},
                {"station_id": my_station},
                {"site_id": theirs["id"]},
                {"station_id": their_station},
            )
        ]
        limited = created(
            owner.post(
                "/api-keys",
                json={"name": "landlord", "role": "operator", "site_ids": [mine["id"]]},
            )
        )["secret"]
    with api_client(server, limited) as landlord:
        assert ids_of(landlord.get("/access-rules")) == [rules[0]["id"], rules[1]["id"]]
        for rule in rules[2:]:
            assert landlord.get(f"/access-rules/{rule['id']}").status_code == 404
            assert landlord.delete(f"/access-rules/{rule['id']}").status_code == 404
        assert (
            landlord.get("/access-rules", params={"station_id": their_station}).json()["items"]
            == []
        )
        field_error(
            landlord.post(
                "/access-rules", json={"token_group_id": group["id"], "site_id": theirs["id"]}
            ),
            "site_id",
        )
        field_error(
            landlord.post(
                "/access-rules", json={"token_group_id": group["id"], "station_id": their_station}
            ),
            "station_id",
        )
        # The group has rules the landlord cannot see: only someone who sees them all deletes it.
        refused = landlord.delete(f"/token-groups/{group['id']}")
        assert refused.status_code == 403
        assert refused.json()["error"] == "forbidden"
        other_check = landlord.post(
            f"/stations/{their_station}/access-check", json={"id_tag": "ANY"}
        )
        assert other_check.status_code == 404
    with api_client(server, owner_key) as owner:
        assert len(owner.get("/access-rules").json()["items"]) == 4


def test_every_change_is_in_the_audit_log_without_secrets(api: httpx.Client, ids: Ids) -> None:
    s = ids.suffix
    group = created(api.post("/token-groups", json={"name": f"Audited {s}", "kind": "loyalty"}))
    api.patch(f"/token-groups/{group['id']}", json={"name": f"Audited too {s}"})
    driver = created(
        api.post("/drivers", json={"email": f"audit.{s.lower()}@example.com", "password": PASSWORD})
    )
    api.patch(f"/drivers/{driver['id']}", json={"password": PASSWORD + "!", "name": "Ann"})
    site = created(api.post("/sites", json={"name": f"Audit site {s}"}))
    rule = created(
        api.post(
            "/access-rules",
            json={
                "token_group_id": group["id"],
                "site_id": site["id"],
                "windows": [{"days": ["mon"], "start": "08:00", "end": "09:00"}],
            },
        )
    )
    api.patch(f"/access-rules/{rule['id']}", json={"windows": []})
    token = create_token(api, ids.tag(), token_group_id=group["id"], driver_id=driver["id"])
    api.delete(f"/access-rules/{rule['id']}")
    api.delete(f"/drivers/{driver['id']}")
    api.delete(f"/token-groups/{group['id']}")

    groups = audit(api, "token_group", group["id"])
    assert [e["action"] for e in groups] == [
        "token_group.delete",
        "token_group.update",
        "token_group.create",
    ]
    assert groups[2]["changes"]["kind"] == "loyalty"
    assert groups[1]["changes"] == {"name": [f"Audited {s}", f"Audited too {s}"]}
    assert groups[0]["changes"]["tokens"] == 1
    drivers = audit(api, "driver", driver["id"])
    assert [e["action"] for e in drivers] == ["driver.delete", "driver.update", "driver.create"]
    assert drivers[1]["changes"] == {"name": ["", "Ann"], "password": "[redacted]"}
    assert drivers[2]["changes"]["email"] == driver["email"]
    assert drivers[0]["changes"]["tokens"] == 1
    rules = audit(api, "access_rule", rule["id"])
    assert [e["action"] for e in rules] == [
        "access_rule.delete",
        "access_rule.update",
        "access_rule.create",
    ]
    assert rules[2]["changes"]["windows"] == [{"days": ["mon"], "start": "08:00", "end": "09:00"}]
    assert rules[1]["changes"] == {
        "windows": [[{"days": ["mon"], "start": "08:00", "end": "09:00"}], []]
    }
    tokens = audit(api, "id_token", token["id"])
    assert tokens[0]["changes"]["token_group_id"] == group["id"]
    assert tokens[0]["changes"]["driver_id"] == driver["id"]
    everything = str(groups + drivers + rules + tokens)
    assert PASSWORD not in everything
    assert "$argon2" not in everything


@pytest.mark.parametrize("path", ["/token-groups", "/drivers", "/access-rules"])
def test_lists_page(api: httpx.Client, path: str) -> None:
    first = api.get(path, params={"limit": 1})
    assert first.status_code == 200, first.text
    assert len(first.json()["items"]) <= 1
    field_error(api.get(path, params={"limit": 0}), "query.limit")
