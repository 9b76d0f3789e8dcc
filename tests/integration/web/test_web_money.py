"""The money pages over HTTP against a running server: tariffs made and revised through their
form with errors beside the fields the domain names, assigned and archived, the calculator's
explanation; wallets topped up (a form sent twice is one entry), refunded, adjusted, tokens
made prepaid; the transaction records and their exports; and what a viewer may not do."""

from __future__ import annotations

import csv
import html
import io
import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from openpyxl import load_workbook

from tests.conftest import Ids, create_token, register_station
from tests.integration.api.test_api_money import charge, peak_hour, priced_site, wait_for_cdr
from tests.support.ocpp16 import charge_point
from tests.support.server import RunningServer, start_server, stop_server
from tests.support.web import Visitor, new_operator


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningServer]:
    data_dir = Path(tmp_path_factory.mktemp(f"kilowatt-money-{request.param}"))
    running = start_server(str(request.param), data_dir)
    try:
        yield running
    finally:
        stop_server(running)


@pytest.fixture(scope="module")
def finance(server: RunningServer) -> dict[str, Any]:
    return new_operator(server, "finance")


@pytest.fixture
def visitor(server: RunningServer, finance: dict[str, Any]) -> Iterator[Visitor]:
    with Visitor(server) as signed_in:
        yield signed_in.sign_in(finance["email"])


@pytest.fixture
def api(server: RunningServer) -> Iterator[httpx.Client]:
    with server.api() as client:
        yield client


def unique(prefix: str) -> str:
    return f"{prefix} {uuid.uuid4().hex[:8]}"


def field_error(page: str, name: str) -> str:
    found = re.search(rf'<span id="f-{name}-error" class="field-error">([^<]*)</span>', page)
    assert found is not None, f"no error beside {name}"
    return html.unescape(found.group(1))


def text_of(page: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))


TIME_OF_USE = {
    "currency": "EUR",
    "vat": "24",
    "e1_energy": "0.40",
    "e1_start_time": "17:00",
    "e1_end_time": "21:00",
    "e1_days": ["MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY"],
    "e2_energy": "0.25",
    "e2_parking": "6.00",
    "e2_parking_step": "60",
    "e2_flat": "0,50",
}


def create_tariff(visitor: Visitor, **changes: Any) -> tuple[int, str]:
    name = unique("Time of use")
    answer = visitor.post("/tariffs/new", {"name": name, **TIME_OF_USE, **changes})
    assert answer.status_code == 303, text_of(answer.text)[:2000]
    found = re.fullmatch(r"/tariffs/(\d+)\?notice=created", answer.headers["location"])
    assert found is not None
    return int(found.group(1)), name


# Tariffs ---------------------------------------------------------------------------------


def test_a_time_of_use_tariff_is_made_through_the_form(visitor: Visitor, api: httpx.Client) -> None:
    assert 'id="f-e1_energy"' in visitor.client.get("/tariffs/new").text
    tariff_id, name = create_tariff(visitor)
    tariff = api.get(f"/tariffs/{tariff_id}").json()
    current = tariff["versions"][-1]
    assert current["vat"] == "24"
    peak, rest = current["elements"]
    assert peak["price_components"] == [{"type": "ENERGY", "price": "0.40", "step_size": 1}]
    assert peak["restrictions"]["day_of_week"][0] == "MONDAY"
    assert peak["restrictions"]["start_time"] == "17:00"
    assert [c["type"] for c in rest["price_components"]] == ["ENERGY", "PARKING_TIME", "FLAT"]
    assert rest["price_components"][2]["price"] == "0.50"
    page = text_of(visitor.client.get(f"/tariffs/{tariff_id}").text)
    assert "from 17:00 to 21:00, on Monday, Tuesday, Wednesday, Thursday, Friday" in page
    assert "€0.40 per kWh" in page
    listed = text_of(visitor.client.get("/tariffs").text)
    assert name in listed
    assert "Not assigned" in listed


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"e2_energy": "-1"}, "e2_energy", "Must not be negative."),
        ({"e1_start_time": "25:00"}, "e1_start_time", "Enter a time of day as HH:MM"),
        ({"e1_end_time": "17:00"}, "e1_end_time", "This could never apply"),
        ({"e1_max_kwh": "5", "e1_min_kwh": "10"}, "e1_max_kwh", "The maximum must be above"),
        ({"vat": "150"}, "vat", "Enter a VAT rate from 0 up to 100 percent."),
        ({"e2_parking_step": "0"}, "e2_parking_step", "Enter a whole number from 1"),
        ({"e2_flat": "abc"}, "e2_flat", "Enter a price"),
    ],
)
def test_a_bad_tariff_gets_its_error_beside_the_field(
    visitor: Visitor, changes: dict[str, str], field: str, message: str
) -> None:
    answer = visitor.post("/tariffs/new", {"name": unique("Bad"), **TIME_OF_USE, **changes})
    assert answer.status_code == 422
    assert field_error(answer.text, field).startswith(message)
    # What was typed is shown again.
    assert f'value="{changes[field]}"' in answer.text


def test_an_element_that_can_never_apply_is_named(visitor: Visitor) -> None:
    answer = visitor.post(
        "/tariffs/new",
        {"name": unique("Shadow"), "currency": "EUR", "e1_energy": "0.3", "e2_energy": "0.2"},
    )
    assert answer.status_code == 422
    assert 'id="e2-error"' in answer.text
    assert "ambiguous" in text_of(answer.text)


def test_a_name_is_needed_and_unique(visitor: Visitor) -> None:
    answer = visitor.post("/tariffs/new", {"name": "", **TIME_OF_USE})
    assert answer.status_code == 422
    assert field_error(answer.text, "name") == "Fill in this field."
    _, name = create_tariff(visitor)
    again = visitor.post("/tariffs/new", {"name": name, **TIME_OF_USE})
    assert field_error(again.text, "name") == "A tariff of this name exists already."


def test_editing_makes_a_new_version_and_keeps_the_old(visitor: Visitor, api: httpx.Client) -> None:
    tariff_id, _ = create_tariff(visitor)
    form = visitor.client.get(f"/tariffs/{tariff_id}/edit").text
    assert 'value="0.4"' in form
    assert 'value="MONDAY" checked' in form
    answer = visitor.post(f"/tariffs/{tariff_id}/edit", {**TIME_OF_USE, "e1_energy": "0.45"})
    assert answer.status_code == 303
    versions = api.get(f"/tariffs/{tariff_id}").json()["versions"]
    assert [v["elements"][0]["price_components"][0]["price"] for v in versions] == [
        "0.40",
        "0.45",
    ]
    bad = visitor.post(f"/tariffs/{tariff_id}/edit", {**TIME_OF_USE, "currency": "SEK"})
    assert bad.status_code == 422
    assert field_error(bad.text, "currency").startswith("A tariff keeps its currency")


def test_the_calculator_explains_the_price_line_by_line(visitor: Visitor) -> None:
    tariff_id, _ = create_tariff(visitor)
    # Tuesday 2026-12-08 in UTC (no sites: the default zone): 40 kWh from 16:30 to 19:00,
    # 8 kWh before the peak (0.25) and 32 kWh in it (0.40), then 20 minutes idle.
    answer = visitor.client.get(
        f"/tariffs/{tariff_id}",
        params={"day": "2026-12-08", "start": "16:30", "end": "19:00", "kwh": "40", "idle": "20"},
    )
    assert answer.status_code == 200
    page = text_of(answer.text)
    assert "A 40 kWh session on Tuesday 2026-12-08 from 16:30 to 19:00" in page
    assert (
        "8.000 kWh from 16:30 to 17:00 at €0.25 per kWh (the price at other times) = €2.00" in page
    )
    assert "32.000 kWh from 17:00 to 19:00 at €0.40 per kWh" in page
    assert "= €12.80" in page
    assert "20 min idle from 19:00 to 19:20 at €6.00 per hour" in page
    assert "= €2.00" in page
    assert "Session fee = €0.50" in page
    # 17.30 without VAT, 24 % VAT 4.15: 21.45.
    assert 'data-total="21.45"' in answer.text
    bad = visitor.client.get(
        f"/tariffs/{tariff_id}", params={"day": "2026-12-08", "start": "4pm", "kwh": "x"}
    )
    assert bad.status_code == 422
    assert field_error(bad.text, "start").startswith("Enter a time of day")
    assert field_error(bad.text, "kwh").startswith("Enter the energy")
    assert field_error(bad.text, "end") == "Enter a time of day as HH:MM, such as 19:00."


def test_a_tariff_is_assigned_and_archived_only_when_unassigned(
    visitor: Visitor, api: httpx.Client
) -> None:
    tariff_id, _ = create_tariff(visitor)
    group = api.post("/token-groups", json={"name": unique("Employees"), "kind": "company"})
    assert group.status_code == 201, group.text
    missing = visitor.post(f"/tariffs/{tariff_id}/assign", {"scope": "token_group"})
    assert missing.status_code == 422
    assert field_error(missing.text, "group") == "Choose where the tariff applies."
    assigned = visitor.post(
        f"/tariffs/{tariff_id}/assign", {"scope": "token_group", "group": group.json()["id"]}
    )
    assert assigned.status_code == 303
    found = [a for a in api.get("/tariff-assignments").json() if a["tariff_id"] == tariff_id]
    assert [(a["scope"], a["scope_id"]) for a in found] == [("token_group", group.json()["id"])]
    refused = visitor.post(f"/tariffs/{tariff_id}/archive")
    assert refused.status_code == 409
    assert "still assigned" in text_of(refused.text)
    removed = visitor.post(f"/tariffs/assignments/{found[0]['id']}/delete")
    assert removed.status_code == 303
    assert visitor.post(f"/tariffs/{tariff_id}/archive").status_code == 303
    assert api.get(f"/tariffs/{tariff_id}").json()["archived"] is True


def test_a_viewer_sees_tariffs_but_may_not_change_them(
    server: RunningServer, visitor: Visitor
) -> None:
    tariff_id, _ = create_tariff(visitor)
    viewer = new_operator(server, "viewer")
    with Visitor(server) as other:
        other.sign_in(viewer["email"])
        page = other.client.get(f"/tariffs/{tariff_id}")
        assert page.status_code == 200
        assert 'id="edit-tariff"' not in page.text
        assert other.client.get("/tariffs/new").status_code == 403
        assert other.post(f"/tariffs/{tariff_id}/archive").status_code == 403
        assert other.post("/tariffs/new", {"name": "x", **TIME_OF_USE}).status_code == 403


# Wallets ---------------------------------------------------------------------------------


KEY = re.compile(
    r'<form method="post" action="(/wallets/\d+/entries/top-up)"[^>]*>'
    r'.*?name="key" value="([0-9a-f]+)"',
    re.S,
)


def new_wallet(visitor: Visitor) -> tuple[int, str]:
    name = unique("Fleet")
    answer = visitor.post("/wallets", {"name": name, "owner": "account", "minimum": "2"})
    assert answer.status_code == 303, text_of(answer.text)[:1000]
    found = re.fullmatch(r"/wallets/(\d+)\?notice=created", answer.headers["location"])
    assert found is not None
    return int(found.group(1)), name


def test_a_top_up_sent_twice_is_one_entry(visitor: Visitor, api: httpx.Client) -> None:
    wallet_id, _ = new_wallet(visitor)
    page = visitor.client.get(f"/wallets/{wallet_id}").text
    found = KEY.search(page)
    assert found is not None
    action, key = found.groups()
    first = visitor.post(action, {"amount": "20,00", "reason": "cash", "key": key})
    again = visitor.post(action, {"amount": "20,00", "reason": "cash", "key": key})
    assert first.headers["location"] == f"/wallets/{wallet_id}?notice=top-up"
    assert again.headers["location"] == f"/wallets/{wallet_id}?notice=replayed"
    entries = api.get("/wallet-entries", params={"wallet_id": wallet_id}).json()["items"]
    assert [(e["kind"], e["amount"]) for e in entries] == [("top_up", "20.00")]
    shown = visitor.client.get(f"/wallets/{wallet_id}?notice=replayed").text
    assert "recorded once, not again" in text_of(shown)
    assert 'data-balance="20.00"' in shown
    # A new form has a new key: a second top-up counts.
    second = KEY.search(shown)
    assert second is not None
    assert second.group(2) != key
    visitor.post(action, {"amount": "5", "key": second.group(2)})
    assert api.get(f"/wallets/{wallet_id}").json()["balance"] == "25.00"


def test_refunds_and_adjustments_keep_the_balance_honest(
    visitor: Visitor, api: httpx.Client
) -> None:
    wallet_id, _ = new_wallet(visitor)
    base = f"/wallets/{wallet_id}/entries"
    visitor.post(f"{base}/top-up", {"amount": "10", "key": uuid.uuid4().hex})
    too_much = visitor.post(f"{base}/refund", {"amount": "11", "key": uuid.uuid4().hex})
    assert too_much.status_code == 422
    assert field_error(too_much.text, "refund-amount") == "That would take the balance below zero."
    no_reason = visitor.post(f"{base}/adjustment", {"amount": "-1", "key": uuid.uuid4().hex})
    assert field_error(no_reason.text, "adjustment-reason").startswith("Say why")
    cents = visitor.post(f"{base}/top-up", {"amount": "1.001", "key": uuid.uuid4().hex})
    assert field_error(cents.text, "top-up-amount") == "Use at most the decimals EUR has."
    zero = visitor.post(f"{base}/top-up", {"amount": "0", "key": uuid.uuid4().hex})
    assert field_error(zero.text, "top-up-amount") == "Enter an amount above zero."
    assert (
        visitor.post(f"{base}/refund", {"amount": "3", "key": uuid.uuid4().hex}).status_code == 303
    )
    adjusted = visitor.post(
        f"{base}/adjustment", {"amount": "-1.50", "reason": "goodwill fix", "key": uuid.uuid4().hex}
    )
    assert adjusted.status_code == 303
    assert api.get(f"/wallets/{wallet_id}").json()["balance"] == "5.50"
    ledger = text_of(visitor.client.get(f"/wallets/{wallet_id}").text)
    assert "Refund" in ledger
    assert "goodwill fix" in ledger
    assert "-€1.50" in ledger


def test_a_token_is_made_prepaid_and_the_minimum_set(visitor: Visitor, api: httpx.Client) -> None:
    wallet_id, _ = new_wallet(visitor)
    value = "PP" + uuid.uuid4().hex[:10].upper()
    assert api.post("/id-tokens", json={"value": value}).status_code == 201
    unknown = visitor.post(f"/wallets/{wallet_id}/tokens", {"token": "NOPE" + value})
    assert field_error(unknown.text, "token") == "No token has this value."
    assert visitor.post(f"/wallets/{wallet_id}/tokens", {"token": value}).status_code == 303
    page = visitor.client.get(f"/wallets/{wallet_id}").text
    assert f"<code>{value}</code>" in page
    bad = visitor.post(f"/wallets/{wallet_id}/minimum", {"minimum": "-1"})
    assert field_error(bad.text, "minimum").startswith("Enter an amount of 0 or more")
    assert visitor.post(f"/wallets/{wallet_id}/minimum", {"minimum": "3.5"}).status_code == 303
    assert api.get(f"/wallets/{wallet_id}").json()["min_balance"] == "3.50"


def test_transaction_records_filter_and_export(visitor: Visitor) -> None:
    wallet_id, name = new_wallet(visitor)
    visitor.post(f"/wallets/{wallet_id}/entries/top-up", {"amount": "7", "key": uuid.uuid4().hex})
    visitor.post(
        f"/wallets/{wallet_id}/entries/adjustment",
        {"amount": "1", "reason": "bonus", "key": uuid.uuid4().hex},
    )
    page = visitor.client.get(
        "/wallets/records", params={"wallet": wallet_id, "kind": "top_up"}
    ).text
    assert page.count('data-kind="top_up"') == 1
    assert 'data-kind="adjustment"' not in page
    exported = visitor.client.get("/wallets/records/export.csv", params={"wallet": wallet_id})
    assert exported.status_code == 200
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert [r[3] for r in rows[1:]] == ["top_up", "adjustment"]
    assert all(r[2] == name for r in rows[1:])
    book = visitor.client.get("/wallets/records/export.xlsx", params={"wallet": wallet_id})
    sheet = load_workbook(io.BytesIO(book.content)).active
    assert sheet is not None
    assert sheet.max_row == 3
    backwards = visitor.client.get(
        "/wallets/records", params={"from": "2026-02-02", "to": "2026-02-01"}
    )
    assert backwards.status_code == 422
    assert field_error(backwards.text, "to") == "The end date is before the start date."
    empty = visitor.client.get(
        "/wallets/records", params={"wallet": wallet_id, "from": "2001-01-01", "to": "2001-01-02"}
    )
    assert 'id="no-records"' in empty.text


def test_a_viewer_may_not_top_up(server: RunningServer, visitor: Visitor) -> None:
    wallet_id, _ = new_wallet(visitor)
    viewer = new_operator(server, "viewer")
    with Visitor(server) as other:
        other.sign_in(viewer["email"])
        page = other.client.get(f"/wallets/{wallet_id}")
        assert page.status_code == 200
        assert 'id="form-top-up"' not in page.text
        refused = other.post(
            f"/wallets/{wallet_id}/entries/top-up", {"amount": "5", "key": uuid.uuid4().hex}
        )
        assert refused.status_code == 403


# A session's cost ------------------------------------------------------------------------


async def test_a_session_page_explains_its_bill_and_finance_credits_it(
    server: RunningServer, visitor: Visitor, api: httpx.Client, ids: Ids
) -> None:
    peak = peak_hour()
    site_id, _ = priced_site(api, ids, peak)
    station, tag = ids.station(), ids.tag()
    register_station(api, station, site_id=site_id)
    create_token(api, tag)
    tx = await charge(server, station, tag, peak)
    wait_for_cdr(api, tx)
    page = visitor.client.get(f"/sessions/{tx}")
    assert page.status_code == 200
    text = text_of(page.text)
    # Times in the site's zone, where the peak begins at 17:00.
    assert (
        "6.000 kWh from 16:30 to 17:00 at €0.25 per kWh (the price at other times) = €1.50" in text
    )
    assert "6.345 kWh from 17:00 to 17:30 at €0.40 per kWh (the price from 17:00 to 21:00)" in text
    assert "20 min idle from 17:30 to 17:50 at €6.00 per hour" in text
    assert "Session fee = €0.50" in text
    assert re.search(r'id="bill-excl">€6\.54<', page.text)
    assert re.search(r'id="bill-incl">€8\.21<', page.text)
    connector = visitor.client.get(f"/connectors/{station}/1/1").text
    assert "cost €8.21 including VAT" in text_of(connector)

    viewer = new_operator(server, "viewer")
    with Visitor(server) as other:
        other.sign_in(viewer["email"])
        seen = other.client.get(f"/sessions/{tx}").text
        assert 'id="bill-incl"' in seen
        assert 'id="credit-link"' not in seen
        refused = other.post(f"/sessions/{tx}/credit", {"reason": "no"})
        assert refused.status_code == 403

    assert 'id="credit-link"' in page.text
    form = visitor.client.get(f"/sessions/{tx}/credit")
    assert form.status_code == 200
    empty = visitor.post(f"/sessions/{tx}/credit", {"reason": "  "})
    assert empty.status_code == 422
    assert field_error(empty.text, "reason").startswith("Say why")
    done = visitor.post(f"/sessions/{tx}/credit", {"reason": "Charger fault"})
    assert done.status_code == 303
    after = text_of(visitor.client.get(done.headers["location"]).text)
    assert "The bill is credited." in after
    assert "-€8.21. Reason: Charger fault" in after
    assert visitor.post(f"/sessions/{tx}/credit", {"reason": "again"}).status_code == 409
    kinds = sorted(c["kind"] for c in api.get(f"/transactions/{tx}/cdrs").json())
    assert kinds == ["cdr", "credit"]


async def test_a_running_session_is_not_billed_yet(
    server: RunningServer, visitor: Visitor, api: httpx.Client, ids: Ids
) -> None:
    station, tag = ids.station(), ids.tag()
    register_station(api, station)
    create_token(api, tag)
    async with charge_point(server.ocpp_url, station) as cp:
        await cp.boot()
        started = await cp.start_tx(1, tag, 500)
        tx = int(started.transaction_id)
        page = text_of(visitor.client.get(f"/sessions/{tx}").text)
        assert "Not billed yet: the price is set when the session ends." in page
        assert visitor.client.get(f"/sessions/{tx}/credit").status_code == 409
        await cp.stop_tx(tx, 1500)
