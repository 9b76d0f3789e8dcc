"""A place that goes takes its tariff assignments with it: a site, a station (and its EVSEs),
a token group. Otherwise a later place that happened to get the same id would inherit a
tariff nobody gave it, and the tariff page would list assignments to nothing."""

from __future__ import annotations

from typing import Any

import httpx

from tests.conftest import Ids, register_station
from tests.support.tenants import created

TARIFF: dict[str, Any] = {
    "currency": "EUR",
    "vat": "24",
    "elements": [{"price_components": [{"type": "ENERGY", "price": "0.30"}]}],
}


def assign(api: httpx.Client, tariff_id: int, scope: str, scope_id: int | None, **more: Any) -> int:
    body = {"tariff_id": tariff_id, "scope": scope, "scope_id": scope_id, **more}
    return int(created(api.post("/tariff-assignments", json=body))["id"])


def assigned(api: httpx.Client) -> set[int]:
    response = api.get("/tariff-assignments")
    assert response.status_code == 200, response.text
    return {a["id"] for a in response.json()}


def test_deleted_places_take_their_assignments_with_them(api: httpx.Client, ids: Ids) -> None:
    tariff = created(api.post("/tariffs", json={"name": f"Places {ids.suffix}", **TARIFF}))["id"]
    site = created(api.post("/sites", json={"name": f"Going {ids.suffix}"}))["id"]
    kept_site = created(api.post("/sites", json={"name": f"Staying {ids.suffix}"}))["id"]
    station = register_station(api, ids.station("GONE"))
    group = created(api.post("/token-groups", json={"name": f"Going {ids.suffix}"}))["id"]
    to_site = assign(api, tariff, "site", site)
    to_kept = assign(api, tariff, "site", kept_site)
    to_station = assign(api, tariff, "station", None, station=station["ocpp_id"])
    to_evse = assign(api, tariff, "evse", None, station=station["ocpp_id"], evse_id=2)
    to_group = assign(api, tariff, "token_group", group)
    assert {to_site, to_kept, to_station, to_evse, to_group} <= assigned(api)
    listed = {a["id"]: a for a in api.get("/tariff-assignments").json()}
    assert listed[to_evse]["station"] == station["ocpp_id"]
    assert listed[to_evse]["evse_id"] == 2
    assert listed[to_site]["station"] is None

    assert api.delete(f"/sites/{site}").status_code == 204
    assert api.delete(f"/stations/{station['ocpp_id']}").status_code == 204
    assert api.delete(f"/token-groups/{group}").status_code == 204

    left = assigned(api)
    assert to_kept in left
    assert not {to_site, to_station, to_evse, to_group} & left


def test_a_station_is_named_by_its_identity_or_refused_naming_the_field(
    api: httpx.Client, ids: Ids
) -> None:
    tariff = created(api.post("/tariffs", json={"name": f"Named {ids.suffix}", **TARIFF}))["id"]
    site = created(api.post("/sites", json={"name": f"Named {ids.suffix}"}))["id"]

    def refused(body: dict[str, Any], status: int) -> dict[str, Any]:
        response = api.post("/tariff-assignments", json={"tariff_id": tariff, **body})
        assert response.status_code == status, response.text
        answer: dict[str, Any] = response.json()
        return answer

    assert refused({"scope": "station", "station": "NOBODY-" + ids.suffix}, 404)
    wrong_scope = refused({"scope": "site", "scope_id": site, "station": "X"}, 422)
    assert "station" in str(wrong_scope)
    assert "scope_id" in str(refused({"scope": "station"}, 422))
