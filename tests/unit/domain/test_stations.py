"""Stations: identities, boot decisions, status reports and connector declarations."""

from __future__ import annotations

import string
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kilowatt.domain.errors import InvalidInput
from kilowatt.domain.stations import (
    NO_ERROR,
    BootDecision,
    Connector,
    ConnectorSpec,
    ConnectorStatus,
    CurrentType,
    RegistrationStatus,
    Station,
    StatusReport,
    apply_station_status,
    apply_status,
    check_identity,
    decide_boot,
)

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
IDENTITY_ALPHABET = string.ascii_letters + string.digits + "._-~*+@="

# --- check_identity ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "identity",
    ["CP1", "a", "A" * 48, "station.01_main-a~b*c+d@e=f", "0"],
)
def test_valid_identities_are_returned_unchanged(identity: str) -> None:
    assert check_identity(identity) == identity


@pytest.mark.parametrize(
    "identity",
    [
        "",
        "A" * 49,
        "CP:1",
        "CP 1",
        "CP/1",
        "CP%201",
        "CP?x",
        "CP#1",
        "ÖÄ",
        "CP1\n",
        "\nCP1",
        "CP\t1",
    ],
)
def test_invalid_identities_are_refused(identity: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        check_identity(identity)
    assert raised.value.field == "ocpp_id"


@settings(deadline=None)
@given(
    st.text(alphabet=IDENTITY_ALPHABET, min_size=1, max_size=48).filter(
        lambda identity: set(identity) != {"."}
    )
)
def test_any_identity_from_the_alphabet_passes(identity: str) -> None:
    assert check_identity(identity) == identity


@pytest.mark.parametrize("identity", [".", "..", "..."])
def test_an_identity_of_only_dots_is_refused(identity: str) -> None:
    # URL clients remove "." and ".." path segments, so such a station could not be reached.
    with pytest.raises(InvalidInput):
        check_identity(identity)


@settings(deadline=None)
@given(
    st.text(alphabet=IDENTITY_ALPHABET, max_size=20),
    st.characters().filter(lambda c: c not in IDENTITY_ALPHABET),
    st.text(alphabet=IDENTITY_ALPHABET, max_size=20),
)
def test_any_foreign_character_is_refused(before: str, bad: str, after: str) -> None:
    with pytest.raises(InvalidInput):
        check_identity(before + bad + after)


# --- decide_boot ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("registration", "expected"),
    [
        (RegistrationStatus.ACCEPTED, BootDecision(RegistrationStatus.ACCEPTED, 300)),
        (RegistrationStatus.PENDING, BootDecision(RegistrationStatus.PENDING, 30)),
        (RegistrationStatus.REJECTED, BootDecision(RegistrationStatus.REJECTED, 150)),
    ],
)
def test_decide_boot(registration: RegistrationStatus, expected: BootDecision) -> None:
    assert decide_boot(registration, heartbeat_interval=300, pending_interval=30) == expected


# --- apply_status --------------------------------------------------------------------------


def connector(status_at: datetime | None = None) -> Connector:
    return Connector(station_id=1, evse_id=1, connector_id=1, created_at=NOW, status_at=status_at)


def report(
    status: ConnectorStatus = ConnectorStatus.AVAILABLE,
    at: datetime = NOW,
    error_code: str = NO_ERROR,
    info: str = "",
    *,
    timed: bool = True,
    evse_id: int = 1,
) -> StatusReport:
    return StatusReport(
        evse_id=evse_id,
        connector_id=1 if evse_id else 0,
        status=status,
        timestamp=at,
        error_code=error_code,
        info=info,
        vendor_id="ACME",
        vendor_error_code="E42" if error_code != NO_ERROR else "",
        timed=timed,
    )


def test_first_report_is_applied() -> None:
    c = connector()
    assert c.status == "Unknown"
    assert apply_status(c, report(ConnectorStatus.AVAILABLE)) is True
    assert c.status == "Available"
    assert c.error_code == "NoError"
    assert c.status_at == NOW
    assert c.vendor_id == "ACME"


def test_status_change_is_reported() -> None:
    c = connector()
    apply_status(c, report(ConnectorStatus.AVAILABLE, NOW))
    assert apply_status(c, report(ConnectorStatus.CHARGING, NOW + timedelta(seconds=1))) is True
    assert c.status == "Charging"


def test_error_code_change_is_a_change() -> None:
    c = connector()
    apply_status(c, report(ConnectorStatus.FAULTED, NOW))
    later = NOW + timedelta(seconds=1)
    assert apply_status(c, report(ConnectorStatus.FAULTED, later, "GroundFailure")) is True
    assert (c.status, c.error_code, c.vendor_error_code) == ("Faulted", "GroundFailure", "E42")


def test_same_status_again_is_no_change_but_is_recorded() -> None:
    c = connector()
    apply_status(c, report(ConnectorStatus.AVAILABLE, NOW))
    later = NOW + timedelta(minutes=1)
    assert apply_status(c, report(ConnectorStatus.AVAILABLE, later, info="cable tidy")) is False
    assert c.status_at == later
    assert c.info == "cable tidy"


def test_older_report_is_ignored() -> None:
    c = connector()
    apply_status(c, report(ConnectorStatus.CHARGING, NOW))
    older = report(ConnectorStatus.AVAILABLE, NOW - timedelta(seconds=1), "OtherError", "old")
    assert apply_status(c, older) is False
    assert (c.status, c.error_code, c.info, c.status_at) == ("Charging", "NoError", "", NOW)


def test_report_with_the_same_timestamp_is_applied() -> None:
    c = connector()
    apply_status(c, report(ConnectorStatus.PREPARING, NOW))
    assert apply_status(c, report(ConnectorStatus.CHARGING, NOW)) is True
    assert c.status == "Charging"


@settings(deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(min_value=0, max_value=100), st.sampled_from(list(ConnectorStatus))),
        min_size=1,
        max_size=10,
    )
)
def test_connector_ends_at_the_newest_report(
    reports: list[tuple[int, ConnectorStatus]],
) -> None:
    c = connector()
    for seconds, status in reports:
        apply_status(c, report(status, NOW + timedelta(seconds=seconds)))
    newest = max(seconds for seconds, _ in reports)
    last_of_newest = [status for seconds, status in reports if seconds == newest][-1]
    assert c.status_at == NOW + timedelta(seconds=newest)
    assert c.status == last_of_newest.value


def test_report_is_timed_by_default() -> None:
    assert StatusReport(1, 1, ConnectorStatus.AVAILABLE, NOW).timed


def test_untimed_report_applies_even_if_received_before_what_we_know() -> None:
    c = connector()
    apply_status(c, report(ConnectorStatus.CHARGING, NOW))
    untimed = report(
        ConnectorStatus.FAULTED, NOW - timedelta(hours=1), "OtherError", "x", timed=False
    )
    assert apply_status(c, untimed) is True
    assert (c.status, c.error_code, c.info, c.vendor_error_code) == (
        "Faulted",
        "OtherError",
        "x",
        "E42",
    )
    # its timestamp is only when we received it, so it is not kept as the station's time
    assert c.status_at is None


def test_untimed_report_without_a_change_is_applied_and_clears_the_time() -> None:
    c = connector()
    apply_status(c, report(ConnectorStatus.AVAILABLE, NOW))
    later = NOW + timedelta(minutes=1)
    assert apply_status(c, report(ConnectorStatus.AVAILABLE, later, timed=False)) is False
    assert c.status_at is None


def test_after_an_untimed_report_any_timed_report_applies() -> None:
    c = connector()
    apply_status(c, report(ConnectorStatus.CHARGING, NOW))
    apply_status(c, report(ConnectorStatus.FAULTED, NOW + timedelta(minutes=5), timed=False))
    old = NOW - timedelta(days=1)
    assert apply_status(c, report(ConnectorStatus.AVAILABLE, old)) is True
    assert (c.status, c.status_at) == ("Available", old)
    # and it orders what follows again
    assert apply_status(c, report(ConnectorStatus.CHARGING, old - timedelta(seconds=1))) is False
    assert c.status == "Available"


def test_untimed_reports_apply_in_arrival_order() -> None:
    c = connector()
    apply_status(c, report(ConnectorStatus.PREPARING, NOW, timed=False))
    apply_status(c, report(ConnectorStatus.CHARGING, NOW - timedelta(minutes=1), timed=False))
    assert (c.status, c.status_at) == ("Charging", None)


reports = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=100),
        st.sampled_from(list(ConnectorStatus)),
        st.booleans(),
    ),
    min_size=1,
    max_size=10,
)


@settings(deadline=None)
@given(reports)
def test_connector_ends_at_the_newest_report_since_the_last_untimed_one(
    entries: list[tuple[int, ConnectorStatus, bool]],
) -> None:
    c = connector()
    for seconds, status, timed in entries:
        apply_status(c, report(status, NOW + timedelta(seconds=seconds), timed=timed))
    untimed = [i for i, (_, _, timed) in enumerate(entries) if not timed]
    after = entries[untimed[-1] + 1 :] if untimed else entries
    timed_after = [(seconds, status) for seconds, status, _ in after]
    if timed_after:
        newest = max(seconds for seconds, _ in timed_after)
        last_of_newest = [status for seconds, status in timed_after if seconds == newest][-1]
        assert c.status == last_of_newest.value
        assert c.status_at == NOW + timedelta(seconds=newest)
    else:
        assert c.status == entries[untimed[-1]][1].value
        assert c.status_at is None


# --- apply_station_status ------------------------------------------------------------------


def station(status_at: datetime | None = None) -> Station:
    return Station(
        organization_id=1,
        ocpp_id="CP1",
        registration_status=RegistrationStatus.ACCEPTED,
        created_at=NOW,
        updated_at=NOW,
        status_at=status_at,
    )


def station_report(
    status: ConnectorStatus = ConnectorStatus.AVAILABLE,
    at: datetime = NOW,
    error_code: str = NO_ERROR,
    *,
    timed: bool = True,
) -> StatusReport:
    return report(status, at, error_code, info="i", timed=timed, evse_id=0)


def test_station_status_starts_unknown() -> None:
    s = station()
    assert (s.status, s.error_code, s.status_at) == ("Unknown", "NoError", None)


def test_first_station_report_is_applied() -> None:
    s = station()
    assert apply_station_status(s, station_report(ConnectorStatus.UNAVAILABLE)) is True
    assert (s.status, s.error_code, s.status_at) == ("Unavailable", "NoError", NOW)


def test_station_error_code_change_is_a_change() -> None:
    s = station()
    apply_station_status(s, station_report(ConnectorStatus.FAULTED, NOW))
    later = NOW + timedelta(seconds=1)
    assert apply_station_status(
        s, station_report(ConnectorStatus.FAULTED, later, "PowerMeterFailure")
    )
    assert (s.status, s.error_code, s.status_at) == ("Faulted", "PowerMeterFailure", later)


def test_same_station_status_again_is_no_change_but_is_recorded() -> None:
    s = station()
    apply_station_status(s, station_report(ConnectorStatus.AVAILABLE, NOW))
    later = NOW + timedelta(minutes=1)
    assert apply_station_status(s, station_report(ConnectorStatus.AVAILABLE, later)) is False
    assert s.status_at == later


def test_older_station_report_is_ignored() -> None:
    s = station()
    apply_station_status(s, station_report(ConnectorStatus.UNAVAILABLE, NOW))
    older = station_report(ConnectorStatus.AVAILABLE, NOW - timedelta(seconds=1), "OtherError")
    assert apply_station_status(s, older) is False
    assert (s.status, s.error_code, s.status_at) == ("Unavailable", "NoError", NOW)


def test_station_report_with_the_same_timestamp_is_applied() -> None:
    s = station()
    apply_station_status(s, station_report(ConnectorStatus.UNAVAILABLE, NOW))
    assert apply_station_status(s, station_report(ConnectorStatus.AVAILABLE, NOW)) is True
    assert s.status == "Available"


def test_untimed_station_report_applies_and_clears_the_time() -> None:
    s = station()
    apply_station_status(s, station_report(ConnectorStatus.UNAVAILABLE, NOW))
    untimed = station_report(ConnectorStatus.AVAILABLE, NOW - timedelta(hours=1), timed=False)
    assert apply_station_status(s, untimed) is True
    assert (s.status, s.status_at) == ("Available", None)
    old = NOW - timedelta(days=1)
    assert apply_station_status(s, station_report(ConnectorStatus.FAULTED, old)) is True
    assert (s.status, s.status_at) == ("Faulted", old)


def test_station_status_leaves_the_rest_of_the_station_alone() -> None:
    s = station()
    before = {k: v for k, v in vars(s).items() if k not in {"status", "error_code", "status_at"}}
    apply_station_status(s, station_report(ConnectorStatus.FAULTED, NOW, "OtherError"))
    after = {k: v for k, v in vars(s).items() if k not in {"status", "error_code", "status_at"}}
    assert after == before


@settings(deadline=None)
@given(reports)
def test_station_and_connector_order_reports_alike(
    entries: list[tuple[int, ConnectorStatus, bool]],
) -> None:
    c, s = connector(), station()
    for seconds, status, timed in entries:
        at = NOW + timedelta(seconds=seconds)
        changed_c = apply_status(c, report(status, at, timed=timed))
        changed_s = apply_station_status(s, station_report(status, at, timed=timed))
        assert changed_c == changed_s
    assert (s.status, s.error_code, s.status_at) == (c.status, c.error_code, c.status_at)


def test_station_report_is_evse_zero() -> None:
    station = StatusReport(0, 0, ConnectorStatus.UNAVAILABLE, NOW)
    assert station.is_station
    assert not report().is_station


# --- ConnectorSpec -------------------------------------------------------------------------


def test_connector_spec_defaults() -> None:
    spec = ConnectorSpec(evse_id=2)
    assert (spec.evse_id, spec.connector_id) == (2, 1)
    assert spec.current_type is CurrentType.AC
    assert spec.standard == "Type2"
    assert spec.max_power_w is None


def test_connector_spec_accepts_positive_values() -> None:
    spec = ConnectorSpec(evse_id=1, connector_id=2, current_type=CurrentType.DC, max_power_w=1)
    assert (spec.connector_id, spec.max_power_w) == (2, 1)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"evse_id": 0}, "evse_id"),
        ({"evse_id": -1}, "evse_id"),
        ({"evse_id": 1, "connector_id": 0}, "connector_id"),
        ({"evse_id": 1, "connector_id": -3}, "connector_id"),
        ({"evse_id": 1, "max_power_w": 0}, "max_power_w"),
        ({"evse_id": 1, "max_power_w": -7400}, "max_power_w"),
    ],
)
def test_connector_spec_rejects(kwargs: dict[str, int], field: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        ConnectorSpec(**kwargs)  # type: ignore[arg-type]
    assert raised.value.field == field
