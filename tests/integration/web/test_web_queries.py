"""Every list page reads its query string through the web kit's typed models: a cursor out of
the databases' range, negative or not a number is a broken address (400, the parameter named);
a bad choice, date or text of the page's own filter form is told beside its field (422);
nothing answers 500."""

from __future__ import annotations

import html
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import quote

import pytest

from tests.conftest import register_station
from tests.support.server import RunningServer
from tests.support.tenants import created
from tests.support.web import Visitor, new_operator

BEYOND = str(2**63)
"""One more than the largest id either database stores."""


@dataclass
class Place:
    visitor: Visitor
    station: str
    site_id: int


@pytest.fixture(scope="module")
def place(server: RunningServer) -> Iterator[Place]:
    marker = uuid.uuid4().hex[:8]
    with server.api() as api:
        site = created(api.post("/sites", json={"name": f"Queries {marker}", "timezone": "UTC"}))
        station = f"Q-{marker}"
        register_station(api, station, site_id=site["id"])
    operator = new_operator(server, "owner")
    with Visitor(server) as visitor:
        yield Place(visitor.sign_in(operator["email"]), station, site["id"])


def _pages(place: Place) -> dict[str, str]:
    """Each list page and fragment that pages with a cursor, by the name of its cursor."""
    station = "/stations/" + quote(place.station, safe="")
    return {
        "/sessions": "cursor",
        "/stations": "cursor",
        "/faults": "cursor",
        "/faults/codes": "cursor",
        "/assets": "sites_after",
        "/assets?notice=": "stations_after",
        station: "cursor",
        station + "?action=": "model_cursor",
        station + "/messages": "cursor",
        station + "/device-model": "model_cursor",
    }


def _error_page(text: str) -> str:
    found = re.search(r'<p id="error" data-status="(\d+)">([^<]*)</p>', text)
    assert found is not None, text[:2000]
    return html.unescape(found.group(2))


def _beside(text: str, field: str) -> str:
    found = re.search(rf'<span id="[\w-]*{field}-error" class="field-error">([^<]*)</span>', text)
    assert found is not None, f"no error beside {field}"
    return html.unescape(found.group(1))


@pytest.mark.parametrize(
    "cursor", [BEYOND, "99999999999999999999", "-1", "abc", "1.5", ""], ids=repr
)
def test_a_cursor_beyond_the_range_negative_or_not_a_number_is_a_bad_request(
    place: Place, cursor: str
) -> None:
    for page, name in _pages(place).items():
        joiner = "&" if "?" in page else "?"
        answer = place.visitor.client.get(f"{page}{joiner}{name}={quote(cursor)}")
        if cursor == "":
            assert answer.status_code == 200, (page, answer.text[:500])
            continue
        assert answer.status_code == 400, (page, answer.status_code)
        message = _error_page(answer.text)
        assert f"“{name}”" in message, (page, message)
        assert "9223372036854775807" in message


def test_the_largest_cursor_is_an_empty_page(place: Place) -> None:
    for page, name in _pages(place).items():
        joiner = "&" if "?" in page else "?"
        answer = place.visitor.client.get(f"{page}{joiner}{name}={2**63 - 1}")
        assert answer.status_code == 200, (page, answer.status_code)


@pytest.mark.parametrize(
    ("path", "field", "message"),
    [
        ("/sessions?state=paused", "state", "Choose running, refused or completed."),
        ("/sessions?from=2026-02-30", "from", "Enter a date as YYYY-MM-DD."),
        ("/sessions?from=yesterday", "from", "Enter a date as YYYY-MM-DD."),
        ("/sessions?to=9999-12-31", "to", "Enter a date from 1900-01-01 to 2999-12-31."),
        ("/sessions?from=2026-03-02&to=2026-03-01", "to", "The end date is before the start date."),
        ("/sessions?site=" + BEYOND, "site", "Choose one of the sites."),
        ("/sessions?site=-4", "site", "Choose one of the sites."),
        ("/sessions?token=" + "T" * 101, "token", "At most 100 characters."),
        ("/stations?online=maybe", "online", "Choose one of the options."),
        ("/stations?site=0", "site", f"Enter a whole number from 1 to {2**63 - 1}."),
        ("/stations?q=" + "q" * 101, "q", "At most 100 characters."),
        ("/faults?state=closed", "state", "Choose one of the options."),
        ("/faults?from=2026-13-01", "from", "Enter a date as YYYY-MM-DD."),
        ("/faults?to=0001-01-01", "to", "Enter a date from 1900-01-01 to 2999-12-31."),
        (
            "/faults?from=2026-03-02&to=2026-03-01",
            "to",
            "The end date must not be before the start date.",
        ),
        ("/faults?site=x", "site", f"Enter a whole number from 1 to {2**63 - 1}."),
        ("/faults/codes?q=" + "c" * 101, "q", "At most 100 characters."),
        ("/sites?q=" + "s" * 101, "q", "At most 100 characters."),
    ],
)
def test_a_bad_filter_is_told_beside_its_field(
    place: Place, path: str, field: str, message: str
) -> None:
    answer = place.visitor.client.get(path)
    assert answer.status_code == 422, answer.text[:500]
    assert _beside(answer.text, field) == message


def test_a_bad_filter_of_a_site_and_of_a_message_log_is_told_beside_its_field(
    place: Place,
) -> None:
    site = place.visitor.client.get(f"/sites/{place.site_id}?state=asleep&min_kw=lots")
    assert site.status_code == 422
    assert _beside(site.text, "state") == "Choose one of the options."
    assert _beside(site.text, "min_kw") == "Enter a number of kW between 0 and 10000."
    station = "/stations/" + quote(place.station, safe="")
    for path in (f"{station}?direction=sideways", f"{station}/messages?direction=sideways"):
        answer = place.visitor.client.get(path)
        assert answer.status_code == 422, path
        assert _beside(answer.text, "direction") == "Choose one of the options."
    long = place.visitor.client.get(f"{station}/messages?action=" + "A" * 65)
    assert long.status_code == 422
    assert _beside(long.text, "action") == "At most 64 characters."


@pytest.mark.parametrize(
    "path",
    [
        "/sessions/1?stop=exploded",
        "/faults/codes?deleted=-1",
        "/faults/codes?saved=maybe",
        "/login?next=/" + "n" * 2001,
    ],
)
def test_a_bad_parameter_only_links_carry_is_a_bad_request_naming_it(
    place: Place, path: str
) -> None:
    answer = place.visitor.client.get(path)
    assert answer.status_code == 400, answer.text[:500]
    name = path.split("?", 1)[1].split("=", 1)[0]
    assert f"“{name}”" in _error_page(answer.text)


@pytest.mark.parametrize(
    "path",
    [
        f"/sessions/{BEYOND}",
        "/sessions/-1",
        "/sessions/abc",
        f"/sites/{BEYOND}",
        f"/faults/codes/{BEYOND}/edit",
        f"/assets/sites/{BEYOND}/edit",
        f"/stations/{{station}}/commands/{BEYOND}",
        f"/connectors/{{station}}/{BEYOND}/1",
        f"/connectors/{{station}}/1/{2**31}",
        f"/assets/stations/{{station}}/connectors/1/{BEYOND}/edit",
    ],
)
def test_an_id_beyond_the_range_or_not_a_number_is_no_such_thing(place: Place, path: str) -> None:
    answer = place.visitor.client.get(path.format(station=quote(place.station, safe="")))
    assert answer.status_code == 404, answer.text[:500]
    _error_page(answer.text)
