"""Site monitoring's pure logic: fuzzy search, a site's day, connector counts and filters,
power limits and the setting in force, session curves."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from kilowatt.domain.charging_profiles import (
    ChargingProfile,
    ChargingSchedule,
    ChargingSchedulePeriod,
    ProfileKind,
    ProfilePurpose,
    RateUnit,
    check_profile,
)
from kilowatt.domain.command_params import ClearChargingProfile, CommandParams, SetChargingProfile
from kilowatt.domain.commands import Command, CommandId, CommandStatus
from kilowatt.domain.curves import curve, latest, live_readings
from kilowatt.domain.errors import InvalidInput
from kilowatt.domain.fuzzy import fuzzy_filter, fuzzy_score
from kilowatt.domain.metering import MeterRecord, SampledValue
from kilowatt.domain.monitoring import (
    ConnectorFilter,
    ConnectorRow,
    SessionSpan,
    Totals,
    add_running,
    connector_counts,
    day_start,
    filter_connectors,
    parse_connector_key,
    parse_power_bound,
    session_figures,
)
from kilowatt.domain.power_limits import (
    limit_profile,
    parse_limit_kw,
    power_settings,
    profile_id_for,
    setting_for,
)
from kilowatt.domain.stations import OcppId, StationKey

NOW = datetime(2026, 3, 10, 14, 0, tzinfo=UTC)


# Fuzzy search ---------------------------------------------------------------------


def test_letters_in_order_match_and_others_do_not() -> None:
    assert fuzzy_score("hrbr", "Harbour Garage") is not None
    assert fuzzy_score("HRBR", "harbour garage") is not None
    assert fuzzy_score("rbh", "Harbour Garage") is None
    assert fuzzy_score("harbourx", "Harbour") is None
    assert fuzzy_score("", "anything") == 0.0


def test_contiguous_and_word_start_matches_rank_first() -> None:
    names = ["Shore Road Bar", "Harbour Garage", "Hr Brothers", "Marina"]
    found = fuzzy_filter("harb", names, lambda n: n)
    assert found[0] == "Harbour Garage"
    assert "Marina" not in found
    assert fuzzy_filter("garage", ["Old Garage Lane", "Garage North"], str)[0] == "Garage North"


def test_the_best_alignment_counts_not_the_first() -> None:
    # "ga" matches the start of "Garage" better than the scattered g...a of "Big Bay"
    assert (fuzzy_score("ga", "Big Bay Garage") or 0) > (fuzzy_score("ga", "Big Bay") or 0)


def test_an_empty_search_keeps_every_item_in_order_and_spaces_are_ignored() -> None:
    assert fuzzy_filter("  ", ["b", "a"], str) == ["b", "a"]
    assert fuzzy_filter("harbour garage", ["HarbourGarage"], str) == ["HarbourGarage"]


def test_any_of_several_texts_may_match() -> None:
    sites = [("Depot 1", "Helsinki"), ("Depot 2", "Turku")]
    assert fuzzy_filter("trk", sites, lambda s: s[0], lambda s: s[1]) == [("Depot 2", "Turku")]


# A site's day ------------------------------------------------------------------------------------


def test_the_day_starts_at_local_midnight() -> None:
    start = day_start(datetime(2026, 3, 10, 23, 30, tzinfo=UTC), "Europe/Helsinki")
    assert start == datetime(2026, 3, 10, 22, 0, tzinfo=UTC)  # 00:00 on the 11th in Helsinki
    assert day_start(NOW, "UTC") == datetime(2026, 3, 10, tzinfo=UTC)


def span(
    tx: int,
    start: datetime,
    stop: datetime | None,
    wh: int | None,
    *,
    evse: int = 1,
) -> SessionSpan:
    return SessionSpan(tx, 1, evse, 1, start, stop, wh, stop is None)


def test_site_figures_of_the_day() -> None:
    since = day_start(NOW, "UTC")
    spans = [
        # started yesterday, ended at 01:00: one hour of today, not a session of today
        span(1, since - timedelta(hours=2), since + timedelta(hours=1), 30_000),
        span(2, since + timedelta(hours=8), since + timedelta(hours=9), 12_000),
        span(3, since + timedelta(hours=10), since + timedelta(hours=10, minutes=20), 2_500),
        # still running since 13:00: one hour so far
        span(4, since + timedelta(hours=13), None, None, evse=2),
    ]
    figures = session_figures(spans, since, NOW)
    assert figures.sessions == 3
    assert figures.charging_seconds == pytest.approx((1 + 1 + 1 / 3 + 1) * 3600)
    assert figures.charging_hours == pytest.approx(10 / 3)
    assert (figures.largest_wh, figures.smallest_wh) == (12_000, 2_500)
    assert (figures.longest_seconds, figures.shortest_seconds) == (3600, 1200)


def test_a_day_without_finished_sessions_has_no_extremes() -> None:
    since = day_start(NOW, "UTC")
    figures = session_figures([span(1, since + timedelta(hours=1), None, None)], since, NOW)
    assert figures.sessions == 1
    assert figures.largest_wh is None
    assert figures.shortest_seconds is None
    assert session_figures([], since, NOW).charging_seconds == 0


def test_running_sessions_add_their_time_to_the_totals() -> None:
    totals = add_running(
        Totals(3, 9000, 7200), [span(9, NOW - timedelta(minutes=30), None, None)], NOW
    )
    assert (totals.sessions, totals.energy_wh, totals.hours) == (3, 9000, 2.5)
    with_energy = add_running(Totals(3, 9000, 0), [], NOW, 1500)
    assert (with_energy.energy_wh, with_energy.seconds) == (10_500, 0)


# Connectors ---------------------------------------------------------------------


def row(
    evse: int,
    state: str,
    *,
    current: str = "AC",
    power: int | None = 22_000,
    online: bool = True,
    station: str = "CP-1",
    status: str = "",
) -> ConnectorRow:
    return ConnectorRow(
        station_id=7,
        station_ocpp_id=station,
        station_name="North",
        online=online,
        protocol_version="1.6",
        evse_id=evse,
        connector_id=1,
        current_type=current,
        standard="Type2",
        max_power_w=power,
        status=status or state.capitalize(),
        error_code="NoError",
        state=state,
    )


def test_connector_counts_by_type_state_and_use() -> None:
    rows = [
        row(1, "charging"),
        row(2, "available"),
        row(3, "suspended", current="DC", power=150_000, status="SuspendedEV"),
        row(4, "charging", online=False),
        row(5, "faulted", current="DC"),
        row(6, "charging", status="Occupied"),  # 2.0.1: the same state, another word
        row(7, "finishing"),
    ]
    counts = connector_counts(rows)
    assert (counts.total, counts.ac, counts.dc, counts.in_use) == (7, 5, 2, 4)
    assert counts.by_state == {
        "available": 1,
        "charging": 2,
        "suspended": 1,
        "finishing": 1,
        "faulted": 1,
        "offline": 1,
    }
    assert sum(counts.by_state.values()) == counts.total


def test_the_connector_list_filters_by_id_state_and_power() -> None:
    rows = [
        row(1, "charging"),
        row(2, "available", power=7_400),
        row(3, "available", current="DC", power=150_000, station="FAST-9"),
        row(4, "available", power=None),
    ]
    assert filter_connectors(rows, ConnectorFilter(text="cp-1/2")) == [rows[1]]
    assert filter_connectors(rows, ConnectorFilter(text="north")) == rows
    assert filter_connectors(rows, ConnectorFilter(state="charging")) == [rows[0]]
    assert filter_connectors(rows, ConnectorFilter(min_power_kw=50)) == [rows[2]]
    assert filter_connectors(rows, ConnectorFilter(max_power_kw=22)) == rows[:2]
    offline = row(5, "available", online=False)
    assert filter_connectors([offline], ConnectorFilter(state="offline")) == [offline]
    assert filter_connectors([offline], ConnectorFilter(state="available")) == []


def test_power_bounds_of_the_filter() -> None:
    assert parse_power_bound("min_kw", "") is None
    assert parse_power_bound("min_kw", " 7,4 ") == 7.4
    with pytest.raises(InvalidInput) as error:
        parse_power_bound("max_kw", "lots")
    assert error.value.field == "max_kw"
    with pytest.raises(InvalidInput):
        parse_power_bound("min_kw", "-1")


def test_a_connector_key_is_three_numbers() -> None:
    assert parse_connector_key("12/2/1") == (12, 2, 1)
    for bad in ("12/2", "a/1/1", "1/1/1/1", "-1/1/1"):
        with pytest.raises(InvalidInput):
            parse_connector_key(bad)


# Power limits ---------------------------------------------------------------------


def test_a_limit_is_typed_in_kw_and_kept_in_w() -> None:
    assert parse_limit_kw("7.4") == 7400
    assert parse_limit_kw(" 11,0 ") == 11000
    for bad in ("", "0", "-2", "seven", "1000.5"):
        with pytest.raises(InvalidInput) as error:
            parse_limit_kw(bad)
        assert error.value.field == "limit_kw"


def test_the_limit_profile_is_a_default_profile_in_watts_from_now() -> None:
    profile = limit_profile(2, 7400, NOW + timedelta(microseconds=5))
    assert profile.id == profile_id_for(2)
    assert profile.purpose is ProfilePurpose.TX_DEFAULT
    assert profile.kind is ProfileKind.ABSOLUTE
    assert profile.schedule.id == profile.id
    assert profile.schedule.rate_unit is RateUnit.WATTS
    assert profile.schedule.start_schedule == NOW
    assert profile.schedule.periods == (ChargingSchedulePeriod(start_period=0, limit=7400.0),)
    check_profile(profile)  # what the dashboard sends keeps the rules
    assert profile_id_for(1) != profile_id_for(2)


def command(
    command_id: int,
    params: CommandParams,
    status: CommandStatus = CommandStatus.ACCEPTED,
    station_id: int = 7,
) -> Command:
    return Command(
        organization_id=1,
        station_id=StationKey(station_id),
        station_ocpp_id=OcppId("CP-1"),
        operation=params.operation.value,
        params=params,
        requested_by="test",
        status=status,
        created_at=NOW + timedelta(seconds=command_id),
        timeout=30,
        id=CommandId(command_id),
    )


def set_(
    command_id: int,
    evse: int,
    watts: int,
    status: CommandStatus = CommandStatus.ACCEPTED,
    station_id: int = 7,
) -> Command:
    profile = limit_profile(evse, watts, NOW)
    params = SetChargingProfile(evse_id=evse, charging_profile=profile)
    return command(command_id, params, status, station_id)


def test_the_setting_in_force_follows_accepted_sets_and_clears() -> None:
    history = [
        set_(1, 1, 11_000),
        set_(2, 2, 7_400),
        set_(3, 1, 3_700, status=CommandStatus.REJECTED),  # not in force
        set_(4, 1, 5_000, station_id=8),  # another station
        command(5, ClearChargingProfile(profile_id=profile_id_for(2), evse_id=2)),
    ]
    settings = power_settings(history)
    assert set(settings) == {(7, 1), (8, 1)}
    assert settings[(7, 1)].limit == 11_000
    assert settings[(7, 1)].text == "11 kW"
    assert settings[(7, 1)].command_id == 1
    cleared = power_settings([*history, command(6, ClearChargingProfile())])
    assert set(cleared) == {(8, 1)}


def profile(
    profile_id: int, purpose: ProfilePurpose, unit: RateUnit, limit: float
) -> ChargingProfile:
    return ChargingProfile(
        id=profile_id,
        stack_level=0,
        purpose=purpose,
        kind=ProfileKind.RELATIVE,
        schedules=(
            ChargingSchedule(id=1, rate_unit=unit, periods=(ChargingSchedulePeriod(0, limit),)),
        ),
    )


def test_a_station_wide_setting_applies_to_every_evse_without_its_own() -> None:
    amps = command(
        1,
        SetChargingProfile(
            evse_id=0, charging_profile=profile(3, ProfilePurpose.STATION_MAX, RateUnit.AMPERES, 32)
        ),
    )
    tx_profile = command(
        2,
        SetChargingProfile(
            evse_id=1, charging_profile=profile(9, ProfilePurpose.TX, RateUnit.WATTS, 1000)
        ),
    )
    settings = power_settings([amps, tx_profile, set_(3, 2, 7_400)])
    station_wide = setting_for(settings, 7, 1)
    assert station_wide is not None
    assert station_wide.text == "32 A"
    own = setting_for(settings, 7, 2)
    assert own is not None
    assert own.text == "7.4 kW"
    assert setting_for(settings, 9, 1) is None


# Curves ---------------------------------------------------------------------


def reading(at: datetime, measurand: str, value: float, phase: str | None = None) -> MeterRecord:
    unit = {"Energy.Active.Import.Register": "Wh", "Power.Active.Import": "W"}.get(measurand, "")
    return MeterRecord(
        7, 1, 1, 99, SampledValue(at, measurand, value, unit, phase=phase, context=None)
    )


def test_live_readings_take_plain_or_phased_values() -> None:
    values = {
        "Power.Active.Import": 7400.0,
        "Voltage.L1": 230.0,
        "Voltage.L2": 232.0,
        "Current.Import.L1": 10.0,
        "Current.Import.L2": 11.0,
        "SoC": 55.0,
    }
    assert live_readings(values) == {
        "power_w": 7400.0,
        "voltage_v": 231.0,
        "current_a": 21.0,
        "soc": 55.0,
    }
    assert live_readings({})["power_w"] is None


def test_a_session_curve_has_one_point_per_reading_time() -> None:
    start = NOW
    records = [
        reading(start + timedelta(minutes=1), "Energy.Active.Import.Register", 1100),
        reading(start + timedelta(minutes=1), "Power.Active.Import", 7000),
        reading(start + timedelta(minutes=1), "Voltage", 230, "L1"),
        reading(start + timedelta(minutes=2), "Energy.Active.Import.Register", 1250),
        reading(start + timedelta(minutes=2), "Power.Active.Import", 9000),
    ]
    points = curve(records, start, 1000)
    assert [p.seconds for p in points] == [60, 120]
    assert [p.power_w for p in points] == [7000, 9000]
    assert [p.energy_wh for p in points] == [100, 250]
    assert points[0].voltage_v == 230
    assert points[1].voltage_v is None
    assert points[0].as_dict()["t"] == 60
    assert latest(points) == {
        "power_w": 9000,
        "energy_wh": 250,
        "voltage_v": 230,
        "current_a": None,
        "soc": None,
    }
    assert curve(records, start, None)[0].energy_wh is None
