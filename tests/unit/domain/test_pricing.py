"""Pricing a session's timeline by its tariff: worked examples and properties."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kilowatt.domain.pricing import Reading, SessionPricer, price_session, timeline
from kilowatt.domain.tariffs import (
    Dimension,
    PriceComponent,
    Restrictions,
    TariffElement,
    TariffVersion,
    Weekday,
)

ZONE = "Europe/Helsinki"  # UTC+2 in December
START = datetime(2026, 12, 8, 14, 0, tzinfo=UTC)  # a Tuesday, 16:00 in Helsinki


def D(text: str) -> Decimal:
    return Decimal(text)


def peak_tariff(
    valid_from: datetime = START - timedelta(days=30), parking_step: int = 60
) -> TariffVersion:
    return TariffVersion(
        currency="EUR",
        vat_percent=D("25.5"),
        valid_from=valid_from,
        elements=(
            TariffElement(
                (PriceComponent(Dimension.ENERGY, D("0.40")),),
                Restrictions(start_time=time(17), end_time=time(21)),
            ),
            TariffElement(
                (
                    PriceComponent(Dimension.ENERGY, D("0.25")),
                    PriceComponent(Dimension.PARKING_TIME, D("6.00"), step_size=parking_step),
                    PriceComponent(Dimension.FLAT, D("0.50")),
                )
            ),
        ),
    )


def at(minutes: int) -> datetime:
    return START + timedelta(minutes=minutes)


def test_a_session_across_the_peak_with_idle_time_is_priced_line_by_line() -> None:
    # 12,345 Wh evenly from 16:00 to 17:30 local, then 20 minutes connected and idle.
    readings = [
        Reading(at(0), 0),
        Reading(at(30), 4115),
        Reading(at(60), 8230),
        Reading(at(90), 12345),
        Reading(at(110), 12345),
    ]
    priced = price_session([peak_tariff()], ZONE, readings)
    by_kind = {(line.element, line.dimension): line for line in priced.lines}
    off_peak = by_kind[(1, Dimension.ENERGY)]
    peak = by_kind[(0, Dimension.ENERGY)]
    parking = by_kind[(1, Dimension.PARKING_TIME)]
    flat = by_kind[(1, Dimension.FLAT)]
    assert (off_peak.quantity, peak.quantity, parking.quantity) == (8230, 4115, 1200)
    # each line rounded once: 8.230 kWh x 0.25 = 2.0575; 4.115 x 0.40 = 1.646; 1/3 h x 6
    assert off_peak.amount == D("2.06")
    assert peak.amount == D("1.65")
    assert parking.amount == D("2.00")
    assert flat.amount == D("0.50")
    assert priced.total_excl_vat == D("6.21")
    assert priced.vat == D("1.58")  # 6.21 x 25.5 % = 1.58355, rounded once
    assert priced.total_incl_vat == D("7.79")
    assert (priced.energy_wh, priced.charging_s, priced.parking_s) == (12345, 5400, 1200)


def test_register_readings_count_from_the_start_and_never_go_back() -> None:
    readings = timeline(
        at(0), 1_000_000, [(at(10), 1_000_500), (at(20), 1_000_400), (at(30), 1_001_000)],
        stop=at(40), meter_stop_wh=1_001_200,
    )  # fmt: skip
    assert [r.energy_wh for r in readings] == [0, 500, 500, 1000, 1200]


def test_step_size_rounds_the_line_up_not_each_piece() -> None:
    version = TariffVersion(
        "EUR",
        D("0"),
        (TariffElement((PriceComponent(Dimension.TIME, D("3.60"), step_size=300),)),),
        START - timedelta(days=1),
    )
    priced = price_session(
        [version], ZONE, [Reading(at(0), 0), Reading(at(1), 10), Reading(at(7), 70)]
    )
    (line,) = priced.lines
    assert (line.quantity, line.billed_quantity) == (420, 600)
    assert line.amount == D("0.60")


def test_min_and_max_price_bound_the_total_before_vat() -> None:
    base = peak_tariff()
    cheap = TariffVersion(
        "EUR", D("10"), base.elements, base.valid_from, min_price=D("5.00"), max_price=D("6.00")
    )
    short = price_session([cheap], ZONE, [Reading(at(0), 0), Reading(at(10), 1000)])
    assert short.total_excl_vat == D("5.00")
    assert short.adjustment == D("5.00") - short.subtotal
    assert short.vat == D("0.50")
    long = price_session([cheap], ZONE, [Reading(at(0), 0), Reading(at(600), 90_000)])
    assert long.total_excl_vat == D("6.00")


def test_a_new_version_prices_what_follows_it() -> None:
    first = peak_tariff()
    second = TariffVersion(
        "EUR",
        D("25.5"),
        (TariffElement((PriceComponent(Dimension.ENERGY, D("1.00")),)),),
        at(30),
        version=2,
    )
    priced = price_session([first, second], ZONE, [Reading(at(0), 0), Reading(at(60), 2000)])
    amounts = {(line.version, line.dimension): line.quantity for line in priced.lines}
    assert amounts[(1, Dimension.ENERGY)] == 1000
    assert amounts[(2, Dimension.ENERGY)] == 1000
    assert priced.versions == (1, 2)


def test_restrictions_are_read_in_the_sites_local_time() -> None:
    # 16:30 UTC is 18:30 in Helsinki (peak) but 16:30 in London (off-peak).
    readings = [Reading(at(150), 0), Reading(at(160), 1000)]
    helsinki = price_session([peak_tariff()], ZONE, readings)
    london = price_session([peak_tariff()], "Europe/London", readings)
    assert [
        (x.element, x.dimension) for x in helsinki.lines if x.dimension is Dimension.ENERGY
    ] == [(0, Dimension.ENERGY)]
    assert [(x.element, x.dimension) for x in london.lines if x.dimension is Dimension.ENERGY] == [
        (1, Dimension.ENERGY)
    ]


def test_energy_bounds_split_a_reading_interval() -> None:
    version = TariffVersion(
        "EUR",
        D("0"),
        (
            TariffElement(
                (PriceComponent(Dimension.ENERGY, D("0.20")),), Restrictions(max_kwh=D("5"))
            ),
            TariffElement((PriceComponent(Dimension.ENERGY, D("0.50")),)),
        ),
        START - timedelta(days=1),
    )
    priced = price_session([version], ZONE, [Reading(at(0), 0), Reading(at(100), 10_000)])
    quantities = [line.quantity for line in priced.lines]
    assert sum(quantities) == 10_000
    assert abs(quantities[0] - 5000) <= 100  # cut at the whole second the bound is reached


def test_day_of_week_restriction() -> None:
    weekend = TariffVersion(
        "EUR",
        D("0"),
        (
            TariffElement(
                (PriceComponent(Dimension.ENERGY, D("0")),),
                Restrictions(day_of_week=(Weekday.SATURDAY, Weekday.SUNDAY)),
            ),
            TariffElement((PriceComponent(Dimension.ENERGY, D("0.30")),)),
        ),
        START - timedelta(days=10),
    )
    tuesday = price_session([weekend], ZONE, [Reading(at(0), 0), Reading(at(60), 1000)])
    saturday = price_session(
        [weekend],
        ZONE,
        [Reading(at(0) + timedelta(days=4), 0), Reading(at(60) + timedelta(days=4), 1000)],
    )
    assert tuesday.total_excl_vat == D("0.30")
    assert saturday.total_excl_vat == D("0.00")


def test_a_pricer_with_no_tariff_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="at least one"):
        SessionPricer([], ZONE, START)


# ---- properties -------------------------------------------------------------------------

steps = st.lists(
    st.tuples(
        st.integers(min_value=1, max_value=7200),  # seconds to the next reading
        st.integers(min_value=0, max_value=30_000),  # Wh delivered in it
        st.sampled_from([None, True, False]),
    ),
    min_size=1,
    max_size=12,
)


def build(start: datetime, plan: list[tuple[int, int, bool | None]]) -> list[Reading]:
    readings = [Reading(start, 0)]
    t, e = start, 0
    for seconds, wh, charging in plan:
        t += timedelta(seconds=seconds)
        e += wh
        readings.append(Reading(t, e, power_w=wh * 3600 // seconds, charging=charging))
    return readings


starts = st.datetimes(
    min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(UTC)
)


@settings(max_examples=60, deadline=None)
@given(start=starts, plan=steps, cut=st.integers(min_value=1, max_value=11))
def test_more_time_or_energy_never_costs_less(
    start: datetime, plan: list[tuple[int, int, bool | None]], cut: int
) -> None:
    readings = build(start, plan)
    version = peak_tariff(start - timedelta(days=1))
    prefix = price_session([version], ZONE, readings[: min(cut, len(readings))])
    whole = price_session([version], ZONE, readings)
    assert whole.total_incl_vat >= prefix.total_incl_vat >= 0


@settings(max_examples=60, deadline=None)
@given(start=starts, plan=steps, cut=st.integers(min_value=1, max_value=11))
def test_pricing_the_parts_of_a_split_session_gives_the_whole(
    start: datetime, plan: list[tuple[int, int, bool | None]], cut: int
) -> None:
    readings = build(start, plan)
    cut = min(cut, len(readings) - 1)
    # step sizes round each part up on its own: the parts add up when every step is 1
    version = peak_tariff(start - timedelta(days=1), parking_step=1)
    whole = SessionPricer([version], ZONE, start)
    first = SessionPricer([version], ZONE, start)
    for reading in readings:
        whole.add(reading)
    for reading in readings[: cut + 1]:
        first.add(reading)
    split = readings[cut]
    second = SessionPricer(
        [version],
        ZONE,
        split.at,
        start_energy_wh=split.energy_wh,
        start_elapsed_s=int((split.at - start).total_seconds()),
        with_flat=False,
    )
    second.add(split)
    for reading in readings[cut + 1 :]:
        second.add(reading)

    def quantities(pricer: SessionPricer) -> dict[tuple[int, Dimension], int]:
        return {(x.element, x.dimension): x.quantity for x in pricer.price().lines}

    a, b, w = quantities(first), quantities(second), quantities(whole)
    assert {k: a.get(k, 0) + b.get(k, 0) for k in w | a | b} == {k: w.get(k, 0) for k in w | a | b}
    lines = len(w)
    difference = abs(first.price().subtotal + second.price().subtotal - whole.price().subtotal)
    assert difference <= Decimal("0.01") * lines  # only each line's rounding may differ


@settings(max_examples=40, deadline=None)
@given(start=starts, plan=steps)
def test_a_free_tariff_costs_nothing(
    start: datetime, plan: list[tuple[int, int, bool | None]]
) -> None:
    free = TariffVersion(
        "EUR",
        D("24"),
        (
            TariffElement(
                tuple(PriceComponent(d, D("0")) for d in Dimension),
            ),
        ),
        start - timedelta(days=1),
    )
    priced = price_session([free], ZONE, build(start, plan))
    assert priced.total_incl_vat == 0
