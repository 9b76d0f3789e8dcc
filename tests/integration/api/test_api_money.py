"""Money through the real edges: a 1.6 station charges across a peak boundary and idles; the
CDR and the API show every line, a replayed stop is charged once, a prepaid wallet never goes
below zero, a wallet out of credit refuses the card, bad tariffs name their field."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest

from tests.conftest import Ids, create_token, register_station
from tests.integration.api.test_api_sites import assert_field_error
from tests.support.ocpp16 import charge_point
from tests.support.server import RunningServer

PEAK_TARIFF: dict[str, Any] = {
    "currency": "EUR",
    "vat": "25.5",
    "elements": [
        {
            "price_components": [{"type": "ENERGY", "price": "0.40"}],
            "restrictions": {"start_time": "17:00", "end_time": "21:00"},
        },
        {
            "price_components": [
                {"type": "ENERGY", "price": "0.25"},
                {"type": "PARKING_TIME", "price": "6.00", "step_size": 60},
                {"type": "FLAT", "price": "0.50"},
            ]
        },
    ],
    "tariff_alt_text": [{"language": "en", "text": "0.40 EUR/kWh 17-21, else 0.25; idle 6 EUR/h"}],
}


def zone_where_17_is(instant: datetime) -> str:
    """A fixed-offset zone in which ``instant`` (on the hour) is 17:00 local."""
    offset = (17 - instant.hour) % 24
    if offset > 14:
        offset -= 24
    if offset == 0:
        return "UTC"
    # Etc/GMT-3 is UTC+3 (POSIX signs are reversed).
    return f"Etc/GMT{'-' if offset > 0 else '+'}{abs(offset)}"


def iso(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%SZ")


def priced_site(api: httpx.Client, ids: Ids, peak: datetime) -> tuple[int, int]:
    """A site whose local 17:00 is ``peak``, with the peak tariff assigned to it."""
    site = api.post(
        "/sites", json={"name": f"Money {ids.suffix}", "timezone": zone_where_17_is(peak)}
    )
    assert site.status_code == 201, site.text
    tariff = api.post("/tariffs", json={"name": f"Peak {ids.suffix}", **PEAK_TARIFF})
    assert tariff.status_code == 201, tariff.text
    assigned = api.post(
        "/tariff-assignments",
        json={"tariff_id": tariff.json()["id"], "scope": "site", "scope_id": site.json()["id"]},
    )
    assert assigned.status_code == 201, assigned.text
    return site.json()["id"], tariff.json()["id"]


def wait_for_cdr(api: httpx.Client, transaction_id: int) -> dict[str, Any]:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        found = api.get(f"/transactions/{transaction_id}/cdrs").json()
        if found:
            cdr: dict[str, Any] = found[0]
            return cdr
        time.sleep(0.1)
    raise AssertionError(f"session {transaction_id} was not billed")


async def charge(
    server: RunningServer, station: str, tag: str, peak: datetime, replays: int = 0
) -> int:
    """16:30-17:30 local: 6,000 Wh before the peak and 6,345 Wh in it; then 20 minutes idle."""
    async with charge_point(server.ocpp_url, station) as cp:
        await cp.boot()
        started = await cp.start_tx(1, tag, 1_000_000, iso(peak - timedelta(minutes=30)))
        tx = int(started.transaction_id)
        await cp.meter(1, tx, 1_006_000, iso(peak))
        await cp.meter(1, tx, 1_012_345, iso(peak + timedelta(minutes=30)))
        for _ in range(1 + replays):
            await cp.stop_tx(tx, 1_012_345, iso(peak + timedelta(minutes=50)), id_tag=tag)
    return tx


def peak_hour() -> datetime:
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    return now - timedelta(hours=3)


async def test_a_session_across_the_peak_is_billed_line_by_line_and_once(
    server: RunningServer, api: httpx.Client, ids: Ids
) -> None:
    peak = peak_hour()
    site_id, tariff_id = priced_site(api, ids, peak)
    station, tag = ids.station(), ids.tag()
    register_station(api, station, site_id=site_id)
    create_token(api, tag)
    tx = await charge(server, station, tag, peak, replays=1)
    cdr = wait_for_cdr(api, tx)
    # off-peak 6.000 kWh x 0.25 = 1.50; peak 6.345 kWh x 0.40 = 2.538 -> 2.54;
    # idle 20 min x 6.00/h = 2.00; session fee 0.50: 6.54, VAT 25.5 % 1.6677 -> 1.67
    lines = sorted((line["dimension"], line["quantity"], line["amount"]) for line in cdr["lines"])
    assert lines == [
        ("ENERGY", 6000, "1.50"),
        ("ENERGY", 6345, "2.54"),
        ("FLAT", 1, "0.50"),
        ("PARKING_TIME", 1200, "2.00"),
    ]
    assert (cdr["total_excl_vat"], cdr["vat"], cdr["total_incl_vat"]) == ("6.54", "1.67", "8.21")
    assert (cdr["tariff_id"], cdr["energy_wh"], cdr["currency"]) == (tariff_id, 12_345, "EUR")
    # The replayed StopTransaction billed nothing more, and the job finds nothing to bill.
    await asyncio.sleep(0.5)
    assert len(api.get(f"/transactions/{tx}/cdrs").json()) == 1
    assert api.get(f"/cdrs/{cdr['id']}").json() == cdr
    # The calculator spreads the energy evenly: 6,172 Wh before the peak (1.54), 6,173 in it
    # (2.47), idle 2.00, fee 0.50 = 6.51, VAT 1.66.
    quote = api.post(
        f"/tariffs/{tariff_id}/quote",
        json={
            "start": iso(peak - timedelta(minutes=30)),
            "charging_until": iso(peak + timedelta(minutes=30)),
            "connected_until": iso(peak + timedelta(minutes=50)),
            "energy_wh": 12_345,
            "timezone": zone_where_17_is(peak),
        },
    )
    assert quote.status_code == 200, quote.text
    assert quote.json()["total_incl_vat"] == "8.17"


async def test_a_prepaid_wallet_pays_what_it_holds_and_an_empty_one_refuses_the_card(
    server: RunningServer, api: httpx.Client, ids: Ids
) -> None:
    peak = peak_hour()
    site_id, _ = priced_site(api, ids, peak)
    station, tag = ids.station(), ids.tag()
    register_station(api, station, site_id=site_id)
    token = create_token(api, tag)
    wallet = api.post("/wallets", json={"name": f"Fleet {ids.suffix}", "owner_kind": "account"})
    assert wallet.status_code == 201, wallet.text
    wallet_id = wallet.json()["id"]
    headers = {"Idempotency-Key": f"top-{ids.suffix}"}
    first = api.post(f"/wallets/{wallet_id}/top-ups", json={"amount": "5.00"}, headers=headers)
    again = api.post(f"/wallets/{wallet_id}/top-ups", json={"amount": "5.00"}, headers=headers)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["replayed"] is True
    assert again.json()["entry"]["id"] == first.json()["entry"]["id"]
    other = api.post(f"/wallets/{wallet_id}/top-ups", json={"amount": "6.00"}, headers=headers)
    assert other.status_code == 409
    assert (
        api.put(f"/tokens/{token['id']}/wallet", json={"wallet_id": wallet_id}).status_code == 204
    )

    tx = await charge(server, station, tag, peak)
    cdr = wait_for_cdr(api, tx)
    assert (cdr["total_incl_vat"], cdr["wallet_id"]) == ("8.21", wallet_id)
    assert api.get(f"/wallets/{wallet_id}").json()["balance"] == "0.00"
    entries = api.get("/wallet-entries", params={"wallet_id": wallet_id}).json()["items"]
    assert [(e["kind"], e["amount"], e["unpaid"]) for e in entries] == [
        ("charge", "-5.00", "3.21"),
        ("top_up", "5.00", "0.00"),
    ]
    exported = api.get("/wallet-entries/export", params={"wallet_id": wallet_id})
    assert exported.status_code == 200
    assert exported.text.count("\r\n") == 3  # header and two entries

    async with charge_point(server.ocpp_url, station) as cp:
        await cp.boot()
        refused = await cp.authorize(tag)
        assert refused.id_tag_info["status"] == "Blocked"  # 1.6's word for NoCredit


async def test_two_prepaid_sessions_ending_at_once_lose_no_debit(
    server: RunningServer, api: httpx.Client, ids: Ids
) -> None:
    peak = peak_hour()
    site_id, _ = priced_site(api, ids, peak)
    wallet_id = api.post(
        "/wallets", json={"name": f"W {ids.suffix}", "owner_kind": "account"}
    ).json()["id"]
    top = api.post(
        f"/wallets/{wallet_id}/top-ups",
        json={"amount": "100.00"},
        headers={"Idempotency-Key": f"k-{ids.suffix}"},
    )
    assert top.status_code == 201
    runs = []
    for n in range(3):
        station, tag = ids.station(f"CP{n}"), ids.tag(f"T{n}")
        register_station(api, station, site_id=site_id)
        token = create_token(api, tag)
        api.put(f"/tokens/{token['id']}/wallet", json={"wallet_id": wallet_id})
        runs.append(charge(server, station, tag, peak))
    transactions = await asyncio.gather(*runs)
    for tx in transactions:
        wait_for_cdr(api, tx)
    balance = Decimal(api.get(f"/wallets/{wallet_id}").json()["balance"])
    assert balance == Decimal("100.00") - 3 * Decimal("8.21")
    kinds = [
        e["kind"]
        for e in api.get("/wallet-entries", params={"wallet_id": wallet_id}).json()["items"]
    ]
    assert sorted(kinds) == ["charge", "charge", "charge", "top_up"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"currency": "EUX"}, "currency"),
        ({"vat": "150"}, "vat"),
        (
            {"elements": [{"price_components": [{"type": "ENERGY", "price": "-1"}]}]},
            "elements[0].price_components[0].price",
        ),
        (
            {
                "elements": [
                    {"price_components": [{"type": "ENERGY", "price": "1"}]},
                    {
                        "price_components": [{"type": "ENERGY", "price": "2"}],
                        "restrictions": {"start_time": "17:00"},
                    },
                ]
            },
            "elements[1].restrictions",
        ),
    ],
)
def test_bad_tariffs_are_refused_naming_the_field(
    api: httpx.Client, ids: Ids, change: dict[str, Any], field: str
) -> None:
    response = api.post("/tariffs", json={"name": f"Bad {ids.suffix}", **PEAK_TARIFF, **change})
    assert_field_error(response, "invalid_input", field)


def test_a_price_as_a_number_is_refused_by_the_schema(api: httpx.Client, ids: Ids) -> None:
    body = {**PEAK_TARIFF, "elements": [{"price_components": [{"type": "ENERGY", "price": 0.3}]}]}
    response = api.post("/tariffs", json={"name": f"Float {ids.suffix}", **body})
    assert response.status_code == 422
    assert "price" in response.text


def test_a_top_up_needs_a_key_and_a_positive_amount(api: httpx.Client, ids: Ids) -> None:
    wallet_id = api.post(
        "/wallets", json={"name": f"K {ids.suffix}", "owner_kind": "account"}
    ).json()["id"]
    assert api.post(f"/wallets/{wallet_id}/top-ups", json={"amount": "5"}).status_code == 422
    zero = api.post(
        f"/wallets/{wallet_id}/top-ups", json={"amount": "0"}, headers={"Idempotency-Key": "z"}
    )
    assert_field_error(zero, "invalid_input", "amount")
