"""Meter readings: unit normalisation, number parsing and the energy register rules."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kilowatt.domain.metering import (
    ENERGY_REGISTER,
    SampledValue,
    default_unit,
    energy_register_wh,
    normalise,
    parse_number,
    register_readings,
)

T0 = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
T1 = T0 + timedelta(minutes=1)


def register(
    value: float | None,
    *,
    at: datetime = T0,
    phase: str | None = None,
    location: str | None = None,
    unit: str = "Wh",
    measurand: str = ENERGY_REGISTER,
    context: str | None = None,
) -> SampledValue:
    return SampledValue(
        timestamp=at,
        measurand=measurand,
        value=value,
        unit=unit,
        phase=phase,
        location=location,
        context=context,
    )


# --- default_unit --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("measurand", "unit"),
    [
        ("Energy.Active.Import.Register", "Wh"),
        ("Energy.Active.Export.Interval", "Wh"),
        ("Energy.Reactive.Import.Register", "varh"),
        ("Energy.Reactive.Export.Interval", "varh"),
        ("Power.Active.Import", "W"),
        ("Power.Active.Export", "W"),
        ("Power.Offered", "W"),
        ("Power.Reactive.Import", "var"),
        ("Power.Factor", ""),
        ("Current.Import", "A"),
        ("Current.Offered", "A"),
        ("Voltage", "V"),
        ("SoC", "Percent"),
        ("Temperature", "Celsius"),
        ("Frequency", "Hz"),
        ("RPM", "RPM"),
        ("Display.PresentSOC", ""),
        ("", ""),
    ],
)
def test_default_unit_follows_ocpp_defaults(measurand: str, unit: str) -> None:
    assert default_unit(measurand) == unit


# --- normalise -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "unit", "measurand", "expected", "stored_unit"),
    [
        (1234.0, "Wh", "Energy.Active.Import.Register", 1234.0, "Wh"),
        (1.5, "kWh", "Energy.Active.Import.Register", 1500.0, "Wh"),
        (12.0, "varh", "Energy.Reactive.Import.Register", 12.0, "varh"),
        (2.0, "kvarh", "Energy.Reactive.Import.Register", 2000.0, "varh"),
        (7400.0, "W", "Power.Active.Import", 7400.0, "W"),
        (7.4, "kW", "Power.Active.Import", 7400.0, "W"),
        (500.0, "VA", "Power.Active.Import", 500.0, "VA"),
        (11.0, "kVA", "Power.Active.Import", 11000.0, "VA"),
        (300.0, "var", "Power.Reactive.Import", 300.0, "var"),
        (0.5, "kvar", "Power.Reactive.Import", 500.0, "var"),
        (16.0, "A", "Current.Import", 16.0, "A"),
        (230.0, "V", "Voltage", 230.0, "V"),
        (25.0, "Celsius", "Temperature", 25.0, "°C"),
        (25.0, "Celcius", "Temperature", 25.0, "°C"),
        (25.0, "°C", "Temperature", 25.0, "°C"),
        (212.0, "Fahrenheit", "Temperature", 100.0, "°C"),
        (32.0, "Fahrenheit", "Temperature", 0.0, "°C"),
        (-40.0, "Fahrenheit", "Temperature", -40.0, "°C"),
        (273.15, "K", "Temperature", 0.0, "°C"),
        (0.0, "K", "Temperature", -273.15, "°C"),
        (300.0, "K", "Temperature", 26.85, "°C"),
        (80.0, "Percent", "SoC", 80.0, "%"),
        (80.0, "%", "SoC", 80.0, "%"),
        (50.0, "Hz", "Frequency", 50.0, "Hz"),
        (50.0, "Hertz", "Frequency", 50.0, "Hz"),
        (1500.0, "RPM", "RPM", 1500.0, "RPM"),
        (20.0, "ASU", "Other", 20.0, "ASU"),
        (8.0, "B", "Other", 8.0, "B"),
        (-70.0, "dBm", "Other", -70.0, "dBm"),
        (90.0, "deg", "Other", 90.0, "deg"),
    ],
)
def test_normalise_every_known_unit(
    value: float, unit: str, measurand: str, expected: float, stored_unit: str
) -> None:
    result, result_unit = normalise(value, unit, measurand)
    assert result == pytest.approx(expected, abs=1e-9)
    assert result_unit == stored_unit


@pytest.mark.parametrize("unit", [None, ""])
@pytest.mark.parametrize(
    ("measurand", "value", "expected", "stored_unit"),
    [
        ("Energy.Active.Import.Register", 1234.0, 1234.0, "Wh"),
        ("Energy.Reactive.Import.Register", 12.0, 12.0, "varh"),
        ("Power.Active.Import", 7400.0, 7400.0, "W"),
        ("SoC", 55.0, 55.0, "%"),
        ("Temperature", 21.5, 21.5, "°C"),
        ("Frequency", 49.9, 49.9, "Hz"),
        ("Power.Factor", 0.97, 0.97, ""),
    ],
)
def test_normalise_without_unit_uses_the_measurand_default(
    unit: str | None, measurand: str, value: float, expected: float, stored_unit: str
) -> None:
    assert normalise(value, unit, measurand) == (pytest.approx(expected), stored_unit)


def test_normalise_keeps_an_unknown_unit_as_written() -> None:
    assert normalise(3.0, "furlong", "Energy.Active.Import.Register") == (3.0, "furlong")


def test_normalise_unknown_measurand_without_unit_is_left_alone() -> None:
    assert normalise(42.0, None, "Vendor.Thing") == (42.0, "")


@pytest.mark.parametrize(
    ("value", "unit", "measurand", "multiplier", "expected", "stored_unit"),
    [
        (7.4, "W", "Power.Active.Import", 3, 7400.0, "W"),
        (12345.0, "Wh", "Energy.Active.Import.Register", -3, 12.345, "Wh"),
        (15.0, "kWh", "Energy.Active.Import.Register", -1, 1500.0, "Wh"),
        (1.5, "kWh", "Energy.Active.Import.Register", 0, 1500.0, "Wh"),
        # the multiplier scales the value in the station's unit, before the offset
        (2.12, "Fahrenheit", "Temperature", 2, 100.0, "°C"),
        (2.7315, "K", "Temperature", 2, 0.0, "°C"),
        (16.0, None, "Current.Import", 1, 160.0, "A"),
        (3.0, "furlong", "Other", 2, 300.0, "furlong"),
    ],
)
def test_normalise_applies_the_201_multiplier(
    value: float,
    unit: str | None,
    measurand: str,
    multiplier: int,
    expected: float,
    stored_unit: str,
) -> None:
    result, result_unit = normalise(value, unit, measurand, multiplier)
    assert result == pytest.approx(expected, abs=1e-9)
    assert result_unit == stored_unit


finite = st.floats(min_value=-1e9, max_value=1e9, allow_nan=False, allow_infinity=False)


@settings(deadline=None)
@given(finite)
def test_kwh_equals_thousand_wh(value: float) -> None:
    kwh, kwh_unit = normalise(value, "kWh", ENERGY_REGISTER)
    wh, wh_unit = normalise(value * 1000, "Wh", ENERGY_REGISTER)
    assert kwh_unit == wh_unit == "Wh"
    assert kwh == pytest.approx(wh, rel=1e-12, abs=1e-9)


@settings(deadline=None)
@given(finite)
def test_multiplier_three_on_wh_equals_kwh(value: float) -> None:
    scaled, unit = normalise(value, "Wh", ENERGY_REGISTER, multiplier=3)
    assert unit == "Wh"
    assert scaled == pytest.approx(normalise(value, "kWh", ENERGY_REGISTER)[0], rel=1e-12)


@settings(deadline=None)
@given(st.floats(min_value=-459.67, max_value=1e6, allow_nan=False))
def test_fahrenheit_matches_the_textbook_formula(fahrenheit: float) -> None:
    celsius, unit = normalise(fahrenheit, "Fahrenheit", "Temperature")
    assert unit == "°C"
    assert celsius == pytest.approx((fahrenheit - 32) * 5 / 9, abs=1e-9)


@settings(deadline=None)
@given(st.integers(min_value=0, max_value=10**10))
def test_kwh_with_three_decimals_round_trips_to_whole_wh(wh: int) -> None:
    text = f"{wh // 1000}.{wh % 1000:03d}"
    number = parse_number(text)
    assert number is not None
    value, unit = normalise(number, "kWh", ENERGY_REGISTER)
    assert unit == "Wh"
    assert energy_register_wh([register(value)]) == wh


# --- parse_number --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1234", 1234.0),
        ("1234.5", 1234.5),
        ("  42  ", 42.0),
        ("12,5", 12.5),
        (" 0,001 ", 0.001),
        ("-3", -3.0),
        ("1e3", 1000.0),
        (7, 7.0),
        (2.5, 2.5),
        ("", None),
        ("   ", None),
        ("abc", None),
        ("12 kWh", None),
        ("1,000.5", None),
        ("NaN", None),
        ("nan", None),
        ("inf", None),
        ("-Infinity", None),
        (float("nan"), None),
        (float("inf"), None),
        ("1e400", None),
    ],
)
def test_parse_number(text: str | float, expected: float | None) -> None:
    assert parse_number(text) == expected


def test_parse_number_returns_float_for_int() -> None:
    assert type(parse_number(7)) is float


@settings(deadline=None)
@given(st.floats(allow_nan=False, allow_infinity=False))
def test_parse_number_reads_back_what_repr_wrote(value: float) -> None:
    assert parse_number(repr(value)) == value
    assert parse_number(f" {value!r} ".replace(".", ",")) == value


# --- energy_register_wh --------------------------------------------------------------------


def test_no_samples_no_register() -> None:
    assert energy_register_wh([]) is None


def test_single_register_rounded_to_wh() -> None:
    assert energy_register_wh([register(1234.4)]) == 1234
    assert energy_register_wh([register(1234.6)]) == 1235


def test_other_measurands_are_ignored() -> None:
    samples = [
        register(7400.0, measurand="Power.Active.Import", unit="W"),
        register(999.0, measurand="Energy.Active.Export.Register"),
        register(50.0, measurand="Energy.Active.Import.Interval"),
    ]
    assert energy_register_wh(samples) is None


def test_unreadable_register_is_ignored() -> None:
    assert energy_register_wh([register(None)]) is None
    assert energy_register_wh([register(None), register(500.0)]) == 500


def test_register_in_a_unit_that_is_not_wh_is_ignored() -> None:
    # energy_register_wh works on normalised samples: a raw "kWh" sample was never normalised
    assert energy_register_wh([register(12.0, unit="kWh")]) is None
    assert energy_register_wh([register(12.0, unit="kWh"), register(12000.0)]) == 12000


@pytest.mark.parametrize("location", [None, "Outlet"])
def test_outlet_locations_count(location: str | None) -> None:
    assert energy_register_wh([register(100.0, location=location)]) == 100


@pytest.mark.parametrize("location", ["Inlet", "EV", "Cable", "Body"])
def test_other_locations_do_not_count(location: str) -> None:
    assert energy_register_wh([register(100.0, location=location)]) is None
    assert energy_register_wh([register(100.0, location=location), register(7.0)]) == 7


def test_phase_less_register_wins_over_phases() -> None:
    samples = [
        register(100.0, phase="L1"),
        register(200.0, phase="L2"),
        register(300.0, phase="L3"),
        register(1000.0),
    ]
    assert energy_register_wh(samples) == 1000


def test_phases_are_summed_without_a_whole_register() -> None:
    samples = [
        register(100.0, phase="L1"),
        register(200.0, phase="L2"),
        register(300.4, phase="L3"),
    ]
    assert energy_register_wh(samples) == 600


def test_only_l1_l2_l3_phases_are_summed() -> None:
    samples = [
        register(100.0, phase="L1"),
        register(200.0, phase="L2"),
        register(50.0, phase="N"),
        register(70.0, phase="L1-N"),
    ]
    assert energy_register_wh(samples) == 300


def test_only_non_summable_phases_give_nothing() -> None:
    assert energy_register_wh([register(50.0, phase="N")]) is None


def test_latest_timestamp_counts() -> None:
    samples = [register(2000.0, at=T1), register(1000.0, at=T0)]
    assert energy_register_wh(samples) == 2000


def test_latest_timestamp_counts_even_if_its_value_is_lower() -> None:
    samples = [register(5000.0, at=T0), register(1000.0, at=T1)]
    assert energy_register_wh(samples) == 1000


def test_older_whole_register_does_not_beat_newer_phases() -> None:
    samples = [
        register(9999.0, at=T0),
        register(100.0, at=T1, phase="L1"),
        register(200.0, at=T1, phase="L2"),
    ]
    assert energy_register_wh(samples) == 300


def test_phases_of_older_timestamps_are_not_summed_in() -> None:
    samples = [
        register(100.0, at=T0, phase="L1"),
        register(200.0, at=T0, phase="L2"),
        register(300.0, at=T0, phase="L3"),
        register(110.0, at=T1, phase="L1"),
    ]
    assert energy_register_wh(samples) == 110


def test_excluded_samples_do_not_decide_the_latest_timestamp() -> None:
    samples = [
        register(1000.0, at=T0),
        register(5.0, at=T1, location="EV"),
        register(7.0, at=T1, unit="kWh"),
        register(None, at=T1),
    ]
    assert energy_register_wh(samples) == 1000


@settings(deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=3),
            st.sampled_from([None, "L1", "L2", "L3"]),
            st.floats(min_value=0, max_value=1e9, allow_nan=False),
        ),
        min_size=1,
        max_size=12,
    )
)
def test_energy_register_matches_the_rules(
    entries: list[tuple[int, str | None, float]],
) -> None:
    samples = [register(v, at=T0 + timedelta(seconds=s), phase=p) for s, p, v in entries]
    latest = max(s for s, _, _ in entries)
    at_latest = [(p, v) for s, p, v in entries if s == latest]
    whole = [v for p, v in at_latest if p is None]
    expected = round(whole[0]) if whole else round(sum(v for _, v in at_latest))
    result = energy_register_wh(samples)
    assert result == expected
    assert result is not None
    assert result >= 0


# --- register_readings ---------------------------------------------------------------------

T2 = T1 + timedelta(minutes=1)
BEGIN, PERIODIC, END = "Transaction.Begin", "Sample.Periodic", "Transaction.End"


def test_no_samples_no_readings() -> None:
    assert register_readings([]) == []


def test_one_reading_per_timestamp_and_context_in_time_order() -> None:
    samples = [
        register(3000.4, at=T2, context=END),
        register(1000.0, at=T0, context=BEGIN),
        register(2000.6, at=T1, context=PERIODIC),
    ]
    assert register_readings(samples) == [
        (T0, BEGIN, 1000),
        (T1, PERIODIC, 2001),
        (T2, END, 3000),
    ]


def test_readings_without_a_context() -> None:
    assert register_readings([register(5.0, at=T1), register(4.0, at=T0)]) == [
        (T0, None, 4),
        (T1, None, 5),
    ]


def test_readings_ignore_other_measurands() -> None:
    samples = [
        register(7400.0, measurand="Power.Active.Import", unit="W", context=PERIODIC),
        register(50.0, at=T1, measurand="Energy.Active.Import.Interval"),
        register(80.0, at=T2, measurand="SoC", unit="%"),
        register(999.0, at=T2, measurand="Energy.Active.Export.Register"),
    ]
    assert register_readings(samples) == []


def test_phases_of_one_reading_are_summed_and_the_whole_register_wins() -> None:
    samples = [
        register(100.0, at=T0, phase="L1", context=BEGIN),
        register(200.0, at=T0, phase="L2", context=BEGIN),
        register(300.0, at=T0, phase="L3", context=BEGIN),
        register(110.0, at=T1, phase="L1", context=END),
        register(220.0, at=T1, phase="L2", context=END),
        register(9999.0, at=T1, context=END),
    ]
    assert register_readings(samples) == [(T0, BEGIN, 600), (T1, END, 9999)]


def test_a_reading_with_nothing_usable_is_left_out() -> None:
    samples = [
        register(None, at=T0, context=BEGIN),
        register(5.0, at=T1, location="EV"),
        register(12.0, at=T2, unit="kWh"),
        register(70.0, at=T2, phase="N"),
        register(42.0, at=T2, context=END),
    ]
    assert register_readings(samples) == [(T2, END, 42)]


def test_the_same_moment_in_two_contexts_gives_two_readings() -> None:
    samples = [register(10.0, at=T1, context=PERIODIC), register(11.0, at=T1, context=END)]
    readings = register_readings(samples)
    assert sorted(readings, key=lambda r: str(r[1])) == [(T1, PERIODIC, 10), (T1, END, 11)]


def test_contexts_are_not_mixed_within_a_moment() -> None:
    # a whole register in one context does not hide the phases of another
    samples = [
        register(100.0, at=T0, phase="L1", context=PERIODIC),
        register(200.0, at=T0, phase="L2", context=PERIODIC),
        register(5000.0, at=T0, context=END),
    ]
    readings = register_readings(samples)
    assert sorted(readings, key=lambda r: str(r[1])) == [(T0, PERIODIC, 300), (T0, END, 5000)]


@settings(deadline=None)
@given(
    st.dictionaries(
        st.tuples(st.integers(min_value=0, max_value=5), st.sampled_from([None, BEGIN, END])),
        st.integers(min_value=0, max_value=10**9),
        max_size=10,
    ),
    st.randoms(use_true_random=False),
)
def test_readings_match_whole_registers_in_any_order(
    values: dict[tuple[int, str | None], int], shuffler: random.Random
) -> None:
    samples = [
        register(float(wh), at=T0 + timedelta(seconds=s), context=ctx)
        for (s, ctx), wh in values.items()
    ]
    samples.append(register(1.0, measurand="Power.Active.Import", unit="W"))
    shuffler.shuffle(samples)
    readings = register_readings(samples)
    expected = [(T0 + timedelta(seconds=s), ctx, wh) for (s, ctx), wh in values.items()]
    assert sorted(readings, key=lambda r: (r[0], str(r[1]))) == sorted(
        expected, key=lambda r: (r[0], str(r[1]))
    )
    assert [at for at, _, _ in readings] == sorted(at for at, _, _ in readings)
