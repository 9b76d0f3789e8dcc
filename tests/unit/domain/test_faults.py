"""Fault tracking and explanation: pure domain logic."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kilowatt.domain.errors import InvalidInput
from kilowatt.domain.faults import (
    FAULTED,
    STANDARD_CODES,
    Fault,
    FaultCode,
    FaultFilter,
    check_code,
    explain,
    is_fault,
    track,
)
from kilowatt.domain.stations import NO_ERROR, ConnectorStatus, StatusReport

T0 = datetime(2026, 1, 1, 12, tzinfo=UTC)


def report(
    status: ConnectorStatus,
    error: str = NO_ERROR,
    at: datetime = T0,
    vendor_error_code: str = "",
    evse_id: int = 1,
) -> StatusReport:
    return StatusReport(
        evse_id=evse_id,
        connector_id=1,
        status=status,
        timestamp=at,
        error_code=error,
        vendor_error_code=vendor_error_code,
    )


def entry(code: str, description: str, vendor: str = "") -> FaultCode:
    return FaultCode(
        organization_id=1,
        code=code,
        description=description,
        vendor=vendor,
        created_at=T0,
        updated_at=T0,
    )


def test_faulted_or_an_error_code_is_a_fault() -> None:
    assert is_fault(report(ConnectorStatus.FAULTED))
    assert is_fault(report(ConnectorStatus.AVAILABLE, "HighTemperature"))
    assert not is_fault(report(ConnectorStatus.AVAILABLE))
    assert not is_fault(report(ConnectorStatus.CHARGING, ""))


def test_a_fault_opens_and_ends_when_the_connector_is_well() -> None:
    closing, opened = track(None, report(ConnectorStatus.FAULTED, "GroundFailure"), 7, 9)
    assert closing is None
    assert opened is not None
    assert (opened.organization_id, opened.station_id, opened.evse_id) == (7, 9, 1)
    assert opened.error_code == "GroundFailure"
    assert opened.open
    later = T0 + timedelta(minutes=5)
    closing, opened_again = track(opened, report(ConnectorStatus.AVAILABLE, at=later), 7, 9)
    assert closing is opened
    assert opened_again is None
    assert opened.ended_at == later
    assert not opened.open


def test_faulted_without_an_error_code_is_coded_faulted() -> None:
    _, opened = track(None, report(ConnectorStatus.FAULTED), 1, 1)
    assert opened is not None
    assert opened.error_code == FAULTED


def test_the_same_fault_reported_again_stays_one_fault() -> None:
    _, opened = track(
        None, report(ConnectorStatus.FAULTED, "OtherError", vendor_error_code="E1"), 1, 1
    )
    assert opened is not None
    again = report(ConnectorStatus.FAULTED, "OtherError", T0 + timedelta(1), "E1")
    assert track(opened, again, 1, 1) == (None, None)
    assert opened.open


def test_a_different_error_ends_the_fault_and_starts_another() -> None:
    _, first = track(None, report(ConnectorStatus.FAULTED, "OverVoltage"), 1, 1)
    assert first is not None
    later = T0 + timedelta(seconds=30)
    closing, second = track(first, report(ConnectorStatus.FAULTED, "UnderVoltage", later), 1, 1)
    assert closing is first
    assert first.ended_at == later
    assert second is not None
    assert second.error_code == "UnderVoltage"
    assert second.started_at == later


def test_a_report_older_than_the_open_fault_changes_nothing() -> None:
    _, opened = track(None, report(ConnectorStatus.FAULTED, "ReaderFailure"), 1, 1)
    assert opened is not None
    stale = report(ConnectorStatus.AVAILABLE, at=T0 - timedelta(minutes=1))
    assert track(opened, stale, 1, 1) == (None, None)
    assert opened.open


@given(
    st.lists(
        st.tuples(
            st.sampled_from(list(ConnectorStatus)),
            st.sampled_from([NO_ERROR, "GroundFailure", "OverVoltage"]),
        ),
        max_size=30,
    )
)
def test_at_most_one_fault_is_open_and_faults_never_overlap(
    reports: list[tuple[ConnectorStatus, str]],
) -> None:
    current: Fault | None = None
    history: list[Fault] = []
    for n, (status, error) in enumerate(reports):
        closing, opened = track(current, report(status, error, T0 + timedelta(seconds=n)), 1, 1)
        if closing is not None:
            assert closing is current
            assert closing.ended_at is not None
            current = None
        if opened is not None:
            assert current is None
            current = opened
            history.append(opened)
        # The connector is in fault exactly when a fault is open.
        assert (current is not None) == is_fault(report(status, error))
    for before, after in itertools.pairwise(history):
        assert before.ended_at is not None
        assert before.ended_at <= after.started_at


def test_explain_prefers_the_vendor_entry_then_the_generic_then_ocpp() -> None:
    dictionary = [
        entry("GroundFailure", "Generic RCD text"),
        entry("GroundFailure", "ACME RCD text", vendor="ACME"),
    ]
    assert explain("GroundFailure", " acme ", dictionary) == "ACME RCD text"
    assert explain("GroundFailure", "Other", dictionary) == "Generic RCD text"
    assert explain("GroundFailure", "Other", []) == STANDARD_CODES["GroundFailure"]
    assert explain("E-UNKNOWN", "Other", dictionary) == ""


def test_explain_uses_the_vendor_error_code_when_the_dictionary_knows_it() -> None:
    dictionary = [entry("E42", "Door open", vendor="ACME")]
    assert explain("OtherError", "ACME", dictionary, "E42") == "Door open"
    assert explain("OtherError", "Zeta", dictionary, "E42") == STANDARD_CODES["OtherError"]


def test_check_code_trims_and_names_the_bad_field() -> None:
    assert check_code(" E1 ", " ACME ", " text ") == ("E1", "ACME", "text")
    for args, field in (
        (("", "", "text"), "code"),
        (("E1", "", "  "), "description"),
        (("E" * 51, "", "text"), "code"),
        (("E1", "V" * 51, "text"), "vendor"),
    ):
        with pytest.raises(InvalidInput) as raised:
            check_code(*args)
        assert raised.value.field == field


def test_a_filter_refuses_an_empty_time_range() -> None:
    with pytest.raises(InvalidInput):
        FaultFilter(since=T0, until=T0)
    assert FaultFilter(since=T0, until=T0 + timedelta(1)).until is not None
