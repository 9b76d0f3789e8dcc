"""Search that forgives, on both databases: sites, stations, drivers and id tokens are found
without their accents and in any case ("sodermalm" finds "Södermalm"), and % and _ still mean
themselves."""

from __future__ import annotations

from typing import Any

import httpx

from tests.conftest import Ids, create_token, register_station


def found(api: httpx.Client, path: str, q: str, key: str) -> list[Any]:
    response = api.get(path, params={"q": q, "limit": 100})
    assert response.status_code == 200, response.text
    return [item[key] for item in response.json()["items"]]


def test_sites_are_found_without_accents_and_in_any_case(api: httpx.Client, ids: Ids) -> None:
    marker = ids.suffix
    response = api.post("/sites", json={"name": f"Södermalm Garage {marker}", "city": "Göteborg"})
    assert response.status_code == 201, response.text
    site = response.json()["id"]
    other = api.post("/sites", json={"name": f"Sodra Hamnen {marker}"}).json()["id"]
    for query in (f"sodermalm garage {marker}", f"SÖDERMALM GARAGE {marker}", "södermalm g"):
        assert site in found(api, "/sites", query, "id"), query
    assert other not in found(api, "/sites", f"södermalm garage {marker}", "id")
    assert site in found(api, "/sites", "GOTEBORG", "id")  # the city too


def test_stations_drivers_and_tokens_forgive_accents_and_case(api: httpx.Client, ids: Ids) -> None:
    marker = ids.suffix
    station = ids.station("VST")
    register_station(api, station, name=f"Laddstation Västerås {marker}")
    assert station in found(api, "/stations", f"vasteras {marker}", "ocpp_id")
    assert station in found(api, "/stations", f"VÄSTERÅS {marker}", "ocpp_id")
    assert station in found(api, "/stations", station.lower(), "ocpp_id")

    email = f"zoe-{marker}@example.test".lower()
    response = api.post("/drivers", json={"email": email, "name": f"Zoë Ñúñez {marker}"})
    assert response.status_code == 201, response.text
    assert email in found(api, "/drivers", f"zoe nunez {marker}", "email")
    assert email in found(api, "/drivers", f"ZOË ÑÚÑEZ {marker}", "email")

    tag = ids.tag("KORT")
    create_token(api, tag, label=f"Jörgens kort {marker}")
    assert tag in found(api, "/id-tokens", f"jorgens KORT {marker}", "value")
    # a wildcard is a character like any other
    assert found(api, "/id-tokens", f"jorgens%kort {marker}", "value") == []
    assert found(api, "/id-tokens", f"jorgens_kort {marker}", "value") == []


def test_cyrillic_names_are_found_in_either_case(api: httpx.Client, ids: Ids) -> None:
    marker = ids.suffix
    response = api.post("/sites", json={"name": f"СОФИЯ Бизнес Парк {marker}"})
    assert response.status_code == 201, response.text
    assert response.json()["id"] in found(api, "/sites", f"софия бизнес парк {marker}", "id")
