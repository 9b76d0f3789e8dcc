"""The assets pages over HTTP against a running server: sites, stations and connectors created,
changed and deleted through their forms, errors beside their fields, the confirmation before a
delete, the import of a workbook, and what a viewer or a site-limited operator may do."""

from __future__ import annotations

import base64
import io
import re
import uuid
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from openpyxl import Workbook, load_workbook
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus
from websockets.typing import Subprotocol

from kilowatt.domain.imports import SITE_COLUMNS, STATION_COLUMNS
from tests.support.server import RunningServer, start_server, stop_server
from tests.support.web import Visitor, new_operator

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningServer]:
    data_dir = Path(tmp_path_factory.mktemp(f"kilowatt-assets-{request.param}"))
    running = start_server(str(request.param), data_dir)
    try:
        yield running
    finally:
        stop_server(running)


@pytest.fixture(scope="module")
def admin(server: RunningServer) -> dict[str, Any]:
    return new_operator(server, "admin")


@pytest.fixture
def visitor(server: RunningServer, admin: dict[str, Any]) -> Iterator[Visitor]:
    with Visitor(server) as signed_in:
        yield signed_in.sign_in(admin["email"])


@pytest.fixture
def api(server: RunningServer) -> Iterator[httpx.Client]:
    with server.api() as client:
        yield client


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def sites_named(api: httpx.Client, name: str) -> list[dict[str, Any]]:
    response = api.get("/sites", params={"q": name, "limit": 100})
    assert response.status_code == 200, response.text
    return [s for s in response.json()["items"] if s["name"] == name]


def new_site(api: httpx.Client, **fields: Any) -> dict[str, Any]:
    response = api.post("/sites", json={"name": unique("Site"), **fields})
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def new_station(api: httpx.Client, site_id: int | None, **fields: Any) -> str:
    ocpp_id = unique("CP")
    response = api.post("/stations", json={"ocpp_id": ocpp_id, "site_id": site_id, **fields})
    assert response.status_code == 201, response.text
    return ocpp_id


def basic(username: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()


def field_error(html: str, name: str) -> str:
    found = re.search(rf'<span id="f-{name}-error" class="field-error">([^<]*)</span>', html)
    assert found is not None, f"no error beside {name}"
    return found.group(1)


def site_form(**fields: str) -> dict[str, str]:
    return {"timezone": "UTC", "access": "public", **fields}


# Sites ----------------------------------------------------------------------------------------


def test_a_site_is_created_through_its_form(visitor: Visitor, api: httpx.Client) -> None:
    form = visitor.client.get("/assets/sites/new")
    assert form.status_code == 200
    assert 'for="f-name"' in form.text
    name = unique("Harbour")
    created = visitor.post(
        "/assets/sites/new",
        site_form(
            name=name,
            timezone="Europe/Helsinki",
            city="Helsinki",
            country="fi",
            latitude="60.16",
            longitude="24,95",
            grid_capacity_kw="250.5",
        ),
    )
    assert created.status_code == 303
    assert created.headers["location"] == "/assets?notice=site-created#sites"
    [site] = sites_named(api, name)
    assert site["timezone"] == "Europe/Helsinki"
    assert site["country"] == "FI"
    assert site["longitude"] == pytest.approx(24.95)
    assert site["grid_capacity_w"] == 250_500
    overview = visitor.client.get("/assets?notice=site-created")
    assert "The site was created." in overview.text
    assert f'<tr data-site="{name}">' in overview.text


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"timezone": "Mars/Olympus"}, "timezone", "Unknown time zone"),
        ({"latitude": "north", "longitude": "24"}, "latitude", "Enter a number."),
        ({"latitude": "95", "longitude": "24"}, "latitude", "Enter a number from -90 to 90."),
        ({"latitude": "60"}, "latitude", "Enter both latitude and longitude, or neither."),
        ({"grid_capacity_kw": "-3"}, "grid_capacity_kw", "Enter a positive power in kW."),
        ({"country": "FIN"}, "country", "At most 2 characters."),
        ({"access": "members"}, "access", "Choose one of the options."),
    ],
)
def test_a_bad_site_field_is_answered_beside_it_and_nothing_is_created(
    visitor: Visitor, api: httpx.Client, fields: dict[str, str], field: str, message: str
) -> None:
    name = unique("Bad")
    answer = visitor.post("/assets/sites/new", site_form(name=name, city="Typed city", **fields))
    assert answer.status_code == 422
    assert message in field_error(answer.text, field)
    assert f'value="{name}"' in answer.text  # what was typed stays
    assert 'value="Typed city"' in answer.text
    assert sites_named(api, name) == []


def test_an_empty_site_name_is_refused(visitor: Visitor) -> None:
    answer = visitor.post("/assets/sites/new", site_form(name="  "))
    assert answer.status_code == 422
    assert field_error(answer.text, "name") == "Enter a name."


def test_a_site_is_changed_through_its_form(visitor: Visitor, api: httpx.Client) -> None:
    site = new_site(api, city="Old town")
    url = f"/assets/sites/{site['id']}/edit"
    form = visitor.client.get(url)
    assert form.status_code == 200
    assert 'value="Old town"' in form.text
    refused = visitor.post(url, site_form(name=site["name"], timezone="Nowhere/Land"))
    assert refused.status_code == 422
    assert field_error(refused.text, "timezone") == (
        "Unknown time zone: use a name such as Europe/Helsinki."
    )
    assert api.get(f"/sites/{site['id']}").json()["timezone"] == "UTC"
    saved = visitor.post(url, site_form(name=site["name"], city="New town", access="private"))
    assert saved.status_code == 303
    changed = api.get(f"/sites/{site['id']}").json()
    assert (changed["city"], changed["access"]) == ("New town", "private")


def test_a_site_is_deleted_after_its_confirmation(visitor: Visitor, api: httpx.Client) -> None:
    site = new_site(api)
    confirm = visitor.client.get(f"/assets/sites/{site['id']}/delete")
    assert confirm.status_code == 200
    assert "the access rules that grant token groups charging at this site" in confirm.text
    assert "It has no stations." in confirm.text
    assert api.get(f"/sites/{site['id']}").status_code == 200  # the GET deleted nothing
    deleted = visitor.post(f"/assets/sites/{site['id']}/delete")
    assert deleted.status_code == 303
    assert api.get(f"/sites/{site['id']}").status_code == 404


def test_a_site_with_stations_is_not_deleted_unless_told_and_the_page_says_why(
    visitor: Visitor, api: httpx.Client
) -> None:
    site = new_site(api)
    ocpp_id = new_station(api, site["id"])
    confirm = visitor.client.get(f"/assets/sites/{site['id']}/delete")
    assert "1 station, with" in confirm.text
    assert ocpp_id in confirm.text
    assert 'name="with_contents"' in confirm.text  # the box that lets the stations go too
    refused = visitor.post(f"/assets/sites/{site['id']}/delete")
    assert refused.status_code == 409
    assert "Nothing was deleted." in refused.text
    assert api.get(f"/sites/{site['id']}").status_code == 200


def test_an_unknown_site_is_404(visitor: Visitor) -> None:
    assert visitor.client.get("/assets/sites/987654321/edit").status_code == 404
    assert visitor.post("/assets/sites/987654321/delete").status_code == 404


def test_a_form_without_the_csrf_token_is_refused(visitor: Visitor, api: httpx.Client) -> None:
    name = unique("Forged")
    answer = visitor.client.post("/assets/sites/new", data=site_form(name=name))
    assert answer.status_code == 403
    assert sites_named(api, name) == []


# Stations and connectors ------------------------------------------------------------------------


def test_a_station_is_created_changed_and_deleted_through_its_pages(
    visitor: Visitor, api: httpx.Client
) -> None:
    site = new_site(api)
    other = new_site(api)
    ocpp_id = unique("CP")
    form = visitor.client.get("/assets/stations/new")
    assert site["name"] in form.text
    created = visitor.post(
        "/assets/stations/new",
        {
            "ocpp_id": ocpp_id,
            "name": "Level 1",
            "site_id": str(site["id"]),
            "access": "",
            "security_profile": "0",
            "insecure_ok": "yes",
        },
    )
    assert created.status_code == 303
    assert created.headers["location"] == f"/assets/stations/{ocpp_id}?notice=station-created"
    detail = visitor.client.get(created.headers["location"])
    assert "The station was created." in detail.text
    assert site["name"] in detail.text
    assert 'id="insecure-station"' in detail.text
    body = api.get(f"/stations/{ocpp_id}").json()
    assert (body["site_id"], body["name"], body["registration_status"]) == (
        site["id"],
        "Level 1",
        "Accepted",
    )

    saved = visitor.post(
        f"/assets/stations/{ocpp_id}/edit",
        {
            "name": "Level 2",
            "site_id": str(other["id"]),
            "registration_status": "Rejected",
            "access": "private",
        },
    )
    assert saved.status_code == 303
    body = api.get(f"/stations/{ocpp_id}").json()
    assert (body["site_id"], body["name"], body["registration_status"], body["access"]) == (
        other["id"],
        "Level 2",
        "Rejected",
        "private",
    )

    confirm = visitor.client.get(f"/assets/stations/{ocpp_id}/delete")
    assert "its 0 connectors and their status history" in confirm.text
    assert visitor.post(f"/assets/stations/{ocpp_id}/delete").status_code == 303
    assert api.get(f"/stations/{ocpp_id}").status_code == 404


async def test_a_new_station_gets_a_password_shown_once_and_connects_with_it(
    visitor: Visitor, api: httpx.Client, server: RunningServer
) -> None:
    ocpp_id = unique("SEC")
    form = visitor.client.get("/assets/stations/new")
    assert '<option value="1" selected>' in form.text
    created = visitor.post("/assets/stations/new", {"ocpp_id": ocpp_id, "site_id": ""})
    assert created.status_code == 200, created.text
    assert created.headers["cache-control"] == "no-store"
    password = re.search(r'<code id="station-password">([^<]+)</code>', created.text)
    assert password is not None
    secret = password.group(1)
    assert len(secret) == 20
    assert "shown this once" in created.text
    station = api.get(f"/stations/{ocpp_id}").json()
    assert (station["security_profile"], station["has_password"]) == (1, True)
    page = visitor.client.get(f"/assets/stations/{quote(ocpp_id, safe='')}")
    assert secret not in page.text
    assert 'data-security-profile="1"' in page.text
    assert 'id="insecure-station"' not in page.text

    url = f"{server.ocpp_url}/{ocpp_id}"
    with pytest.raises(InvalidStatus) as refused:
        async with connect(url, subprotocols=[Subprotocol("ocpp1.6")], open_timeout=10):
            pass
    assert refused.value.response.status_code == 401
    async with connect(
        url,
        subprotocols=[Subprotocol("ocpp1.6")],
        additional_headers={"Authorization": basic(ocpp_id, secret)},
        open_timeout=10,
    ):
        pass

    # A new password from the station's page replaces the old one at once.
    issued = visitor.post(
        f"/assets/stations/{quote(ocpp_id, safe='')}/credentials", {"security_profile": "1"}
    )
    assert issued.status_code == 200, issued.text
    again = re.search(r'<code id="station-password">([^<]+)</code>', issued.text)
    assert again is not None
    assert again.group(1) != secret
    with pytest.raises(InvalidStatus):
        async with connect(
            url,
            subprotocols=[Subprotocol("ocpp1.6")],
            additional_headers={"Authorization": basic(ocpp_id, secret)},
            open_timeout=10,
        ):
            pass


def test_profile_0_is_only_taken_when_its_risk_is_acknowledged(
    visitor: Visitor, api: httpx.Client
) -> None:
    ocpp_id = unique("OPEN")
    form = visitor.client.get("/assets/stations/new")
    assert "Profile 0 means no authentication" in form.text
    refused = visitor.post(
        "/assets/stations/new", {"ocpp_id": ocpp_id, "site_id": "", "security_profile": "0"}
    )
    assert refused.status_code == 422
    assert "Tick the box to confirm" in field_error(refused.text, "insecure_ok")
    assert api.get(f"/stations/{ocpp_id}").status_code == 404
    bad = visitor.post(
        "/assets/stations/new", {"ocpp_id": ocpp_id, "site_id": "", "security_profile": "7"}
    )
    assert bad.status_code == 422
    assert field_error(bad.text, "security_profile") == "Choose one of the options."
    taken = visitor.post(
        "/assets/stations/new",
        {"ocpp_id": ocpp_id, "site_id": "", "security_profile": "0", "insecure_ok": "yes"},
    )
    assert taken.status_code == 303
    station = api.get(f"/stations/{ocpp_id}").json()
    assert (station["security_profile"], station["has_password"]) == (0, False)
    listed = visitor.client.get("/stations", params={"q": ocpp_id})
    assert 'data-security-profile="0"' in listed.text
    assert "Profile 0: no authentication" in listed.text
    detail = visitor.client.get(f"/stations/{ocpp_id}")
    assert 'id="insecure-station"' in detail.text


def test_an_identity_with_url_characters_works_on_every_page(
    visitor: Visitor, api: httpx.Client
) -> None:
    ocpp_id = unique("CP") + "*+@=~"
    created = api.post("/stations", json={"ocpp_id": ocpp_id})
    assert created.status_code == 201, created.text
    overview = visitor.client.get("/assets")
    assert f'href="/assets/stations/{quote(ocpp_id, safe="")}"' in overview.text
    for tail in ("", "/edit", "/delete", "/connectors/new"):
        assert visitor.client.get(f"/assets/stations/{quote(ocpp_id, safe='')}{tail}").is_success
    deleted = visitor.post(f"/assets/stations/{quote(ocpp_id, safe='')}/delete")
    assert deleted.status_code == 303
    assert api.get(f"/stations/{quote(ocpp_id, safe='')}").status_code == 404


def test_a_bad_station_is_answered_beside_its_fields(visitor: Visitor, api: httpx.Client) -> None:
    site = new_site(api)
    taken = new_station(api, site["id"])
    answer = visitor.post(
        "/assets/stations/new", {"ocpp_id": taken, "site_id": str(site["id"]), "name": "Typed"}
    )
    assert answer.status_code == 422
    assert field_error(answer.text, "ocpp_id") == "Another station already uses this OCPP identity."
    assert 'value="Typed"' in answer.text
    bad = visitor.post("/assets/stations/new", {"ocpp_id": "has space", "site_id": ""})
    assert bad.status_code == 422
    assert "1 to 48 characters" in field_error(bad.text, "ocpp_id")
    missing = visitor.post("/assets/stations/new", {"ocpp_id": unique("CP"), "site_id": "999999"})
    assert missing.status_code == 422
    assert field_error(missing.text, "site_id") == (
        "There is no such site, or it is not yours to see."
    )


def test_connectors_are_added_changed_and_deleted(visitor: Visitor, api: httpx.Client) -> None:
    site = new_site(api)
    ocpp_id = new_station(api, site["id"])
    base = f"/assets/stations/{ocpp_id}/connectors"
    added = visitor.post(
        f"{base}/new",
        {
            "evse_id": "1",
            "connector_id": "1",
            "current_type": "DC",
            "standard": "CCS2",
            "max_power_kw": "150",
        },
    )
    assert added.status_code == 303
    again = visitor.post(
        f"{base}/new",
        {"evse_id": "1", "connector_id": "1", "current_type": "AC", "standard": "Type2"},
    )
    assert again.status_code == 422
    assert "already has this EVSE" in field_error(again.text, "connector_id")
    zero = visitor.post(
        f"{base}/new",
        {"evse_id": "0", "connector_id": "1", "current_type": "AC", "standard": "Type2"},
    )
    assert zero.status_code == 422
    assert "from 1 to 99999" in field_error(zero.text, "evse_id")
    [connector] = api.get(f"/stations/{ocpp_id}/connectors").json()
    assert (connector["current_type"], connector["standard"], connector["max_power_w"]) == (
        "DC",
        "CCS2",
        150_000,
    )
    detail = visitor.client.get(f"/assets/stations/{ocpp_id}")
    assert '<tr data-connector="1/1">' in detail.text

    bad_power = visitor.post(
        f"{base}/1/1/edit", {"current_type": "DC", "standard": "CCS2", "max_power_kw": "lots"}
    )
    assert bad_power.status_code == 422
    assert field_error(bad_power.text, "max_power_kw") == "Enter a number."
    changed = visitor.post(
        f"{base}/1/1/edit", {"current_type": "AC", "standard": "Type2", "max_power_kw": "22"}
    )
    assert changed.status_code == 303
    [connector] = api.get(f"/stations/{ocpp_id}/connectors").json()
    assert (connector["current_type"], connector["max_power_w"]) == ("AC", 22_000)

    confirm = visitor.client.get(f"{base}/1/1/delete")
    assert confirm.status_code == 200
    assert "Delete EVSE 1 connector 1" in confirm.text
    assert visitor.post(f"{base}/1/1/delete").status_code == 303
    assert api.get(f"/stations/{ocpp_id}/connectors").json() == []
    assert visitor.client.get(f"{base}/1/1/edit").status_code == 404


# Import ---------------------------------------------------------------------------------------


def workbook(
    sites: Sequence[Mapping[str, object]], stations: Sequence[Mapping[str, object]]
) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Sites"
    sheet.append([c.header for c in SITE_COLUMNS])
    for row in sites:
        sheet.append([row.get(c.key) for c in SITE_COLUMNS])
    stations_sheet = book.create_sheet("Stations")
    stations_sheet.append([c.header for c in STATION_COLUMNS])
    for row in stations:
        stations_sheet.append([row.get(c.key) for c in STATION_COLUMNS])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload(visitor: Visitor, content: bytes, name: str = "assets.xlsx") -> httpx.Response:
    return visitor.client.post(
        "/assets/import",
        data={"csrf_token": visitor.csrf},
        files={"file": (name, content, XLSX)},
    )


def test_the_template_is_offered_for_download(visitor: Visitor) -> None:
    answer = visitor.client.get("/assets/import/template.xlsx")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == XLSX
    assert "attachment" in answer.headers["content-disposition"]
    book = load_workbook(io.BytesIO(answer.content))
    assert {"Sites", "Stations", "Instructions"} <= set(book.sheetnames)


def test_an_import_is_all_or_nothing(visitor: Visitor, api: httpx.Client) -> None:
    site_a, site_b = unique("Import A"), unique("Import B")
    taken = new_station(api, new_site(api)["id"])
    good: list[dict[str, object]] = [{"ocpp_id": unique("IMP"), "site": site_a, "connectors": 2}]
    bad_rows: list[dict[str, object]] = [*good, {"ocpp_id": taken, "site": site_b}]
    sites = [{"name": site_a, "timezone": "Europe/Helsinki"}, {"name": site_b}]
    refused = upload(visitor, workbook(sites, bad_rows))
    assert refused.status_code == 422
    assert (
        "Sheet Stations, row 3, column A (OCPP identity): already used by another station"
        in refused.text
    )
    assert "Nothing was imported" in refused.text
    assert sites_named(api, site_a) == []
    assert sites_named(api, site_b) == []
    assert api.get(f"/stations/{good[0]['ocpp_id']}").status_code == 404

    fixed: list[dict[str, object]] = [
        *good,
        {"ocpp_id": unique("IMP"), "site": site_b, "current_type": "DC"},
    ]
    imported = upload(visitor, workbook(sites, fixed))
    assert imported.status_code == 200, imported.text
    assert "Imported 2 sites, 2 stations and 2 connectors." in imported.text
    assert len(re.findall(r'<code class="password">', imported.text)) == 2
    [a] = sites_named(api, site_a)
    assert a["timezone"] == "Europe/Helsinki"
    station = api.get(f"/stations/{good[0]['ocpp_id']}").json()
    assert station["site_id"] == a["id"]
    assert len(station["connectors"]) == 2

    again = upload(visitor, workbook([sites[0]], []))
    assert again.status_code == 422
    assert "Sheet Sites, row 2, column A (Name): a site with this name already exists" in again.text


async def test_imported_stations_get_passwords_shown_once_unless_a_row_says_0(
    visitor: Visitor, api: httpx.Client, server: RunningServer
) -> None:
    site = unique("Secure import")
    secure, tls, open_ = unique("IMPS"), unique("IMPT"), unique("IMPO")
    rows: list[dict[str, object]] = [
        {"ocpp_id": secure, "site": site},
        {"ocpp_id": tls, "site": site, "security_profile": 2},
        {"ocpp_id": open_, "site": site, "security_profile": 0},
    ]
    imported = upload(visitor, workbook([{"name": site}], rows))
    assert imported.status_code == 200, imported.text
    shown = dict(
        re.findall(
            r'<tr data-station="([^"]+)">.*?<code class="password">([^<]+)</code>',
            imported.text,
            re.DOTALL,
        )
    )
    assert set(shown) == {secure, tls}
    assert all(len(password) == 20 for password in shown.values())
    assert 'id="download-passwords"' in imported.text
    warning = re.search(
        r'<div class="notice warn" role="note" id="import-insecure">(.*?)</div>',
        imported.text,
        re.DOTALL,
    )
    assert warning is not None
    assert open_ in warning.group(1)
    assert "security profile 0" in warning.group(1)
    profiles = {
        ocpp_id: api.get(f"/stations/{ocpp_id}").json()["security_profile"]
        for ocpp_id in (secure, tls, open_)
    }
    assert profiles == {secure: 1, tls: 2, open_: 0}
    audit = api.get("/audit", params={"object_id": secure}).text
    assert shown[secure] not in audit
    assert shown[secure] not in visitor.client.get("/assets").text

    async with connect(
        f"{server.ocpp_url}/{secure}",
        subprotocols=[Subprotocol("ocpp1.6")],
        additional_headers={"Authorization": basic(secure, shown[secure])},
        open_timeout=10,
    ):
        pass
    with pytest.raises(InvalidStatus) as refused:
        async with connect(
            f"{server.ocpp_url}/{secure}", subprotocols=[Subprotocol("ocpp1.6")], open_timeout=10
        ):
            pass
    assert refused.value.response.status_code == 401


def test_a_file_that_is_not_a_workbook_is_refused(visitor: Visitor) -> None:
    answer = upload(visitor, b"name;timezone\nA;UTC\n", "sites.csv")
    assert answer.status_code == 422
    assert "the file is not an Excel workbook (.xlsx)" in answer.text
    empty = visitor.client.post("/assets/import", data={"csrf_token": visitor.csrf})
    assert empty.status_code == 422
    assert "Choose an .xlsx file to import." in empty.text


def test_a_file_over_5_mb_is_refused(visitor: Visitor) -> None:
    answer = upload(visitor, b"\0" * (5 * 1024 * 1024 + 10))
    assert answer.status_code == 413
    assert "larger than 5 MB" in answer.text


# Who may do what -----------------------------------------------------------------------------


def test_a_viewer_sees_the_assets_but_may_not_change_them(
    server: RunningServer, api: httpx.Client
) -> None:
    site = new_site(api)
    ocpp_id = new_station(api, site["id"])
    viewer = new_operator(server, "viewer")
    with Visitor(server) as visitor:
        visitor.sign_in(viewer["email"])
        overview = visitor.client.get("/assets")
        assert overview.status_code == 200
        assert site["name"] in overview.text
        assert "/assets/sites/new" not in overview.text
        assert f"/assets/sites/{site['id']}/delete" not in overview.text
        assert "/assets/import" not in overview.text
        detail = visitor.client.get(f"/assets/stations/{ocpp_id}")
        assert detail.status_code == 200
        assert "/connectors/new" not in detail.text
        for path in (
            "/assets/sites/new",
            f"/assets/sites/{site['id']}/edit",
            f"/assets/sites/{site['id']}/delete",
            f"/assets/stations/{ocpp_id}/edit",
            "/assets/import",
        ):
            assert visitor.client.get(path).status_code == 403, path
        name = unique("Viewer")
        assert visitor.post("/assets/sites/new", site_form(name=name)).status_code == 403
        assert visitor.post(f"/assets/sites/{site['id']}/delete").status_code == 403
        assert visitor.post(f"/assets/stations/{ocpp_id}/delete").status_code == 403
        refused = visitor.client.post(
            "/assets/import",
            data={"csrf_token": visitor.csrf},
            files={"file": ("a.xlsx", workbook([{"name": name}], []), XLSX)},
        )
        assert refused.status_code == 403
    assert sites_named(api, name) == []
    assert api.get(f"/sites/{site['id']}").status_code == 200
    assert api.get(f"/stations/{ocpp_id}").status_code == 200


def test_an_operator_limited_to_a_site_sees_and_changes_only_that_site(
    server: RunningServer, api: httpx.Client
) -> None:
    mine, theirs = new_site(api), new_site(api)
    operator = new_operator(server, "operator", site_ids=[mine["id"]])
    with Visitor(server) as visitor:
        visitor.sign_in(operator["email"])
        overview = visitor.client.get("/assets")
        assert mine["name"] in overview.text
        assert theirs["name"] not in overview.text
        assert visitor.client.get(f"/assets/sites/{theirs['id']}/edit").status_code == 404
        assert visitor.post(f"/assets/sites/{theirs['id']}/delete").status_code == 404
        assert visitor.post("/assets/sites/new", site_form(name=unique("X"))).status_code == 403
        form = visitor.client.get("/assets/stations/new")
        assert theirs["name"] not in form.text
        answer = upload(visitor, workbook([], [{"ocpp_id": unique("L"), "site": theirs["name"]}]))
        assert answer.status_code == 422
        assert "column B (Site): no site named" in answer.text
    assert api.get(f"/sites/{theirs['id']}").status_code == 200
