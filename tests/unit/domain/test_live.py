"""The catalogue of live events and its codec: every event survives the trip to its wire
object (and through JSON) unchanged, the wire keeps the keys and order pages and integrators
read, and bad wire objects are refused naming the field."""

from __future__ import annotations

import dataclasses
import inspect
from datetime import UTC, datetime, timedelta, timezone
from enum import Enum
from typing import Any

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from kilowatt.domain import live
from kilowatt.domain.commands import CommandStatus, StartOutcome
from kilowatt.domain.connector_states import ConnectorState
from kilowatt.domain.faults import Fault
from kilowatt.domain.live import (
    BY_TOPIC,
    CATALOGUE,
    ConnectorStatusChanged,
    FaultClosed,
    FaultOpened,
    LiveEvent,
    MeterValuesReported,
    OrganizationLiveEvent,
    RemoteStartOutcome,
    StationLiveEvent,
    TransactionLifecycle,
    TransactionStarted,
    TransactionUpdated,
)
from kilowatt.domain.live_codec import InvalidEvent, decode, encode, fields_of
from kilowatt.domain.metering import SampledValue
from kilowatt.domain.stations import Connector
from kilowatt.domain.transactions import Transaction, TransactionState

T0 = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)

# The catalogue -----------------------------------------------------------------------------


def test_every_event_type_of_the_module_is_catalogued_once_under_its_own_topic() -> None:
    concrete = {
        kind
        for _, kind in inspect.getmembers(live, inspect.isclass)
        if issubclass(kind, LiveEvent) and "topic" in vars(kind)
    }
    assert set(CATALOGUE) == concrete
    assert len(BY_TOPIC) == len(CATALOGUE)
    assert all(BY_TOPIC[kind.topic] is kind for kind in CATALOGUE)


@pytest.mark.parametrize("kind", CATALOGUE, ids=lambda kind: kind.topic)
def test_every_event_is_scoped_frozen_and_documented(kind: type[LiveEvent]) -> None:
    assert issubclass(kind, StationLiveEvent | OrganizationLiveEvent)
    assert dataclasses.is_dataclass(kind)
    assert vars(kind)["__dataclass_params__"].frozen
    assert kind.__doc__
    assert not kind.__doc__.startswith(kind.__name__ + "(")  # its own, not dataclass's
    undocumented = [spec.name for spec in fields_of(kind) if not spec.about]
    assert undocumented == []


# Round trips -------------------------------------------------------------------------------

INT64 = st.integers(min_value=-(2**63), max_value=2**63 - 1)
NUMBERS = st.floats(allow_nan=False, allow_infinity=False) | INT64
OFFSETS = st.integers(min_value=-14 * 60, max_value=14 * 60).map(
    lambda minutes: timezone(timedelta(minutes=minutes))
)


def strategy(hint: Any) -> st.SearchStrategy[Any]:
    if hint is bool:
        return st.booleans()
    if hint is int:
        return INT64
    if hint is float:
        return NUMBERS
    if hint is str:
        return st.text()
    if hint is datetime:
        return st.datetimes(timezones=OFFSETS)
    if isinstance(hint, type) and issubclass(hint, Enum):
        return st.sampled_from(list(hint))
    return st.dictionaries(st.text(), NUMBERS)


def events_of(kind: type[LiveEvent]) -> st.SearchStrategy[LiveEvent]:
    fields = {}
    for spec in fields_of(kind):
        values = strategy(spec.hint)
        fields[spec.name] = st.none() | values if spec.optional else values
    return st.fixed_dictionaries(fields).map(lambda values: kind(**values))


@pytest.mark.parametrize("kind", CATALOGUE, ids=lambda kind: kind.topic)
@given(data=st.data())
def test_every_event_comes_back_from_its_wire_object_unchanged(
    kind: type[LiveEvent], data: st.DataObject
) -> None:
    event = data.draw(events_of(kind))
    wire = encode(event)
    assert decode(event.topic, wire) == event
    assert decode(event.topic, orjson.loads(orjson.dumps(wire))) == event
    assert list(wire) == [
        spec.name
        for spec in fields_of(type(event))
        if not (spec.absent_when_none and getattr(event, spec.name) is None)
    ]


@pytest.mark.parametrize("kind", CATALOGUE, ids=lambda kind: kind.topic)
@given(data=st.data())
def test_a_relayed_event_is_written_as_it_was_first(
    kind: type[LiveEvent], data: st.DataObject
) -> None:
    """Another node decodes and writes it again: the bytes its clients get are the same."""
    event = data.draw(events_of(kind))
    first = orjson.dumps(encode(event))
    assert orjson.dumps(encode(decode(event.topic, orjson.loads(first)))) == first


# The wire keeps what pages and integrators read --------------------------------------------


def transaction(**changes: Any) -> Transaction:
    values: dict[str, Any] = {
        "organization_id": 1,
        "station_id": 2,
        "evse_id": 1,
        "connector_id": 1,
        "id_tag": "CARD-1",
        "start_time": T0,
        "meter_start_wh": 1000,
        "state": TransactionState.ACTIVE,
        "created_at": T0,
        "updated_at": T0,
        "last_meter_wh": 3500,
        "last_meter_at": T0 + timedelta(minutes=5),
        "id": 41,
    }
    return Transaction(**(values | changes))


def wire_bytes(event: LiveEvent) -> bytes:
    return orjson.dumps(encode(event))


def test_meter_values_are_read_from_the_readable_samples() -> None:
    samples = [
        SampledValue(T0, "Energy.Active.Import.Register", 3500.0, "Wh"),
        SampledValue(T0, "Current.Import", 16.0, "A", phase="L1"),
        SampledValue(T0, "Power.Active.Import", None, "W"),  # signed: no value
    ]
    event = MeterValuesReported.of("CP-1", 1, 1, transaction(), samples)
    assert wire_bytes(event) == orjson.dumps(
        {
            "station": "CP-1",
            "evse_id": 1,
            "connector_id": 1,
            "transaction_id": 41,
            "energy_wh": 2500,
            "values": {"Energy.Active.Import.Register": 3500.0, "Current.Import.L1": 16.0},
            "measured_at": encode(event)["measured_at"],
        }
    )
    assert event.measured_at == T0  # the station's clock: live cost prices by it
    alone = MeterValuesReported.of("CP-1", 0, 0, None, samples[:1])
    assert encode(alone)["transaction_id"] is None
    assert encode(alone)["energy_wh"] is None


def test_transaction_events_carry_its_place_token_and_energy() -> None:
    expected = {
        "station": "CP-1",
        "transaction_id": 41,
        "evse_id": 1,
        "connector_id": 1,
        "id_tag": "CARD-1",
        "energy_wh": 2500,
    }
    assert wire_bytes(TransactionStarted.of("CP-1", transaction())) == orjson.dumps(expected)
    suspended = transaction(charging_state="SuspendedEV")
    assert encode(TransactionUpdated.of("CP-1", suspended)) == expected | {
        "state": "active",
        "charging_state": "SuspendedEV",
    }
    assert isinstance(TransactionUpdated.of("CP-1", suspended), TransactionLifecycle)


def test_a_connector_status_names_its_state_and_a_station_status_leaves_it_out() -> None:
    connector = Connector(2, 1, 1, T0, status="Occupied", state="charging")
    assert wire_bytes(ConnectorStatusChanged.of("CP-1", connector)) == orjson.dumps(
        {
            "station": "CP-1",
            "evse_id": 1,
            "connector_id": 1,
            "status": "Occupied",
            "state": "charging",
            "error_code": "NoError",
        }
    )
    fresh = Connector(2, 2, 1, T0, state="")
    assert encode(ConnectorStatusChanged.of("CP-1", fresh))["state"] == ConnectorState.UNKNOWN
    station = ConnectorStatusChanged("CP-1", 0, 0, "Unavailable", None, "NoError")
    wire = encode(station)
    assert "state" not in wire
    assert decode("connector.status", wire) == station


def test_enumerations_travel_as_their_values() -> None:
    outcome = RemoteStartOutcome("CP-1", 7, None, StartOutcome.NOT_STARTED, None, None, 30.0)
    assert wire_bytes(outcome) == orjson.dumps(
        {
            "station": "CP-1",
            "command_id": 7,
            "evse_id": None,
            "outcome": "not_started",
            "transaction_id": None,
            "authorization_status": None,
            "window": 30.0,
        }
    )
    finished = decode(
        "command.finished",
        {"station": "CP-1", "command_id": 7, "operation": "reset", "status": "accepted"},
    )
    assert finished.status is CommandStatus.ACCEPTED  # type: ignore[attr-defined]


def test_fault_events_carry_their_record_and_times() -> None:
    fault = Fault(1, 2, 1, 1, "GroundFailure", T0, vendor_error_code="E12", info="RCD", id=9)
    opened = encode(FaultOpened.of("CP-1", fault))
    assert opened == {
        "station": "CP-1",
        "fault_id": 9,
        "evse_id": 1,
        "connector_id": 1,
        "error_code": "GroundFailure",
        "vendor_error_code": "E12",
        "info": "RCD",
        "started_at": "2026-03-01T09:30:00+00:00",
    }
    fault.ended_at = T0 + timedelta(minutes=3)
    closed = FaultClosed.of("CP-1", fault)
    assert encode(closed)["ended_at"] == "2026-03-01T09:33:00+00:00"
    assert decode("fault.closed", encode(closed)) == closed


# Bad wire objects --------------------------------------------------------------------------

ONLINE = {"station": "CP-1", "online": True}


@pytest.mark.parametrize(
    ("topic", "wire", "named"),
    [
        ("station.exploded", ONLINE, "unknown event 'station.exploded'"),
        ("station.online", {"station": "CP-1"}, "online is missing"),
        ("station.online", ONLINE | {"online": 1}, "online: expected bool"),
        ("station.online", ONLINE | {"station": None}, "station may not be null"),
        ("command.finished", {"station": "A", "command_id": True, "operation": "reset",
                              "status": "accepted"}, "command_id: expected an integer"),
        ("command.finished", {"station": "A", "command_id": 1, "operation": "reset",
                              "status": "exploded"}, "status: 'exploded' is not a valid"),
        ("meter.values", {"station": "A", "evse_id": 1, "connector_id": 1, "transaction_id": None,
                          "energy_wh": None, "values": {"Voltage": "230"}},
         "values: expected a number"),
        ("fault.closed", {"station": "A", "fault_id": 1, "evse_id": 1, "connector_id": 1,
                          "error_code": "X", "started_at": "2026-03-01T09:30:00",
                          "ended_at": "2026-03-01T09:30:00+00:00"}, "started_at: "),
    ],
)  # fmt: skip
def test_a_wire_object_that_is_not_an_event_is_refused_naming_the_field(
    topic: str, wire: dict[str, Any], named: str
) -> None:
    with pytest.raises(InvalidEvent, match=named.replace("(", r"\(")):
        decode(topic, wire)
