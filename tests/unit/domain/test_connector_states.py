"""One vocabulary for what connectors do: the mapping from a 1.6 status, or a 2.0.1 status
and its EVSE's transaction, to the neutral state."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kilowatt.domain.connector_states import (
    IN_USE,
    ChargingState,
    ConnectorState,
    EvseSession,
    after_status,
    connector_state,
    shown_state,
)
from kilowatt.domain.stations import ConnectorStatus

S = ConnectorState


@pytest.mark.parametrize(
    ("status", "state"),
    [
        # OCPP 1.6 ChargePointStatus, each directly.
        ("Available", S.AVAILABLE),
        ("Preparing", S.PREPARING),
        ("Charging", S.CHARGING),
        ("SuspendedEV", S.SUSPENDED),
        ("SuspendedEVSE", S.SUSPENDED),
        ("Finishing", S.FINISHING),
        ("Reserved", S.RESERVED),
        ("Unavailable", S.UNAVAILABLE),
        ("Faulted", S.FAULTED),
        # Never reported, or a word no version has.
        ("Unknown", S.UNKNOWN),
        ("Nonsense", S.UNKNOWN),
    ],
)
def test_a_16_status_maps_directly(status: str, state: ConnectorState) -> None:
    assert connector_state(status) is state
    # The transaction does not matter but for 2.0.1 Occupied.
    assert connector_state(status, EvseSession("Charging")) is state


@pytest.mark.parametrize(
    ("session", "state"),
    [
        (None, S.PREPARING),  # plugged in, no transaction yet
        (EvseSession(None), S.PREPARING),
        (EvseSession("EVConnected"), S.PREPARING),
        (EvseSession("Idle"), S.PREPARING),
        (EvseSession("Charging"), S.CHARGING),
        (EvseSession("SuspendedEV"), S.SUSPENDED),
        (EvseSession("SuspendedEVSE"), S.SUSPENDED),
        (EvseSession("Charging", ended=True), S.FINISHING),  # ended, the cable still in
        (EvseSession(None, ended=True), S.FINISHING),
    ],
)
def test_201_occupied_follows_the_evses_transaction(
    session: EvseSession | None, state: ConnectorState
) -> None:
    assert connector_state("Occupied", session) is state


@pytest.mark.parametrize("status", ["Available", "Reserved", "Unavailable", "Faulted"])
def test_the_other_201_statuses_map_directly(status: str) -> None:
    assert connector_state(status, EvseSession("Charging")).value == status.lower()


@given(
    st.sampled_from([s.value for s in ConnectorStatus]),
    st.none() | st.builds(EvseSession, st.sampled_from([*ChargingState, None]), st.booleans()),
)
def test_every_status_has_one_state_and_offline_only_comes_from_the_connection(
    status: str, session: EvseSession | None
) -> None:
    state = connector_state(status, session)
    assert state is not S.OFFLINE
    assert shown_state(state, online=True) is state
    assert shown_state(state, online=False) is S.OFFLINE


def test_16_charging_and_201_occupied_charging_are_the_same_state() -> None:
    assert connector_state("Charging") is connector_state("Occupied", EvseSession("Charging"))
    assert connector_state("Charging") in IN_USE
    assert connector_state("Occupied") in IN_USE


def test_a_finishing_connector_said_occupied_again_stays_finishing() -> None:
    # The station reconnects and reports Occupied again after its transaction ended.
    assert after_status("Occupied", "finishing", "Occupied", None) is S.FINISHING
    # A new transaction runs: it decides.
    assert after_status("Occupied", "finishing", "Occupied", EvseSession("Charging")) is (
        S.CHARGING
    )
    # Unplugged and plugged in again: a new vehicle, no transaction yet.
    assert after_status("Available", "available", "Occupied", None) is S.PREPARING
    assert after_status("Occupied", "charging", "Available", None) is S.AVAILABLE


def test_a_stored_state_no_version_knows_is_shown_unknown() -> None:
    assert shown_state("sleeping", online=True) is S.UNKNOWN
    assert shown_state("charging", online=True) is S.CHARGING
