"""A site meter's readings over OCPP (the main meter's active power, in W, summed over the
phases when given per phase) and when a site's meter goes silent and is heard again."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from kilowatt.domain.load_meters import goes_silent, heard_again, site_meter_w
from kilowatt.domain.loads import LoadSettings, SiteLoad

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


def test_the_phase_less_power_is_the_reading() -> None:
    assert site_meter_w({"Power.Active.Import": 61_500.4, "Energy.Active.Import.Register": 9}) == (
        61_500
    )


def test_the_phase_less_power_wins_over_the_phases() -> None:
    values = {"Power.Active.Import": 30_000.0, "Power.Active.Import.L1": 5_000.0}
    assert site_meter_w(values) == 30_000


def test_per_phase_powers_are_summed_to_neutral_or_not() -> None:
    assert site_meter_w({f"Power.Active.Import.L{n}": 20_000.0 for n in (1, 2, 3)}) == 60_000
    assert site_meter_w({f"Power.Active.Import.L{n}-N": 1_000.5 for n in (1, 2, 3)}) == 3_002
    # Between phases and the neutral itself are not the load.
    values = {"Power.Active.Import.L1": 1_000.0, "Power.Active.Import.N": 50.0}
    assert site_meter_w(values | {"Power.Active.Import.L1-L2": 9_000.0}) == 1_000


def test_no_power_no_reading_and_export_counts_as_nothing() -> None:
    assert site_meter_w({}) is None
    assert site_meter_w({"Current.Import": 16.0, "Power.Active.Export": 3_000.0}) is None
    assert site_meter_w({"Power.Active.Import.N": 5.0}) is None
    assert site_meter_w({"Power.Active.Import": -400.0}) == 0


@given(st.lists(st.floats(min_value=0, max_value=1e7), min_size=1, max_size=3))
def test_the_sum_of_the_phases_whatever_they_are(phases: list[float]) -> None:
    values = {f"Power.Active.Import.L{n}": v for n, v in enumerate(phases, start=1)}
    assert site_meter_w(values) == round(sum(phases))


def _load(load_at: datetime | None, silent: datetime | None = None) -> SiteLoad:
    return SiteLoad(
        site_id=1,
        organization_id=1,
        settings=LoadSettings(reading_max_age_s=300, fallback_load_w=40_000),
        load_w=None if load_at is None else 50_000,
        load_at=load_at,
        meter_silent_since=silent,
        updated_at=NOW,
    )


def test_a_meter_goes_silent_once_its_last_reading_is_stale_and_only_once() -> None:
    assert not goes_silent(_load(None), NOW)  # never heard: nothing went silent
    assert not goes_silent(_load(NOW - timedelta(seconds=300)), NOW)  # still fresh
    assert goes_silent(_load(NOW - timedelta(seconds=301)), NOW)
    assert not goes_silent(_load(NOW - timedelta(seconds=301), silent=NOW), NOW)  # raised


def test_a_silent_meter_is_heard_again_by_a_fresh_reading() -> None:
    assert not heard_again(_load(NOW), NOW)  # never silent
    assert not heard_again(_load(NOW - timedelta(hours=1), silent=NOW), NOW)
    assert heard_again(_load(NOW - timedelta(seconds=5), silent=NOW - timedelta(hours=1)), NOW)
