"""OCPP 1.6 payloads to the version-neutral domain and back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kilowatt.domain.metering import SampledValue, energy_register_wh
from kilowatt.domain.stations import (
    BootDecision,
    BootInfo,
    ConnectorStatus,
    ProtocolVersion,
    RegistrationStatus,
)
from kilowatt.domain.tokens import AuthorizationDecision, AuthorizationStatus, authorize
from kilowatt.ocpp.rpc import ErrorKind, RpcError
from kilowatt.ocpp.schemas import check
from kilowatt.ocpp.v16.translate import (
    DEFAULT_MEASURAND,
    boot_info,
    boot_response,
    evse_of,
    format_time,
    id_tag_info,
    parse_time,
    sampled_values,
    start_request,
    status_report,
    stop_request,
    transaction_connector,
)
from kilowatt.services.transactions import StartRequest, StopRequest

TS = "2024-05-01T12:00:00Z"
AT = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
NOW = datetime(2024, 5, 1, 12, 30, tzinfo=UTC)


def meter_value(timestamp: str = TS, **sampled: Any) -> dict[str, Any]:
    return {"timestamp": timestamp, "sampledValue": [sampled]}


# --- connectors ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("connector_id", "expected"), [(0, (0, 0)), (1, (1, 1)), (2, (2, 1)), (12, (12, 1))]
)
def test_connector_n_is_evse_n_connector_1(connector_id: int, expected: tuple[int, int]) -> None:
    assert evse_of(connector_id) == expected


@pytest.mark.parametrize("connector_id", [0, -1])
def test_transaction_connector_refuses_the_station(connector_id: int) -> None:
    with pytest.raises(RpcError) as raised:
        transaction_connector({"connectorId": connector_id})
    assert raised.value.kind is ErrorKind.PROPERTY
    assert raised.value.details == {"field": "connectorId"}


def test_transaction_connector_returns_the_connector() -> None:
    assert transaction_connector({"connectorId": 3}) == 3


# --- time ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-05-01T12:00:00Z", AT),
        ("2024-05-01T12:00:00.123Z", AT + timedelta(milliseconds=123)),
        ("2024-05-01T14:00:00+02:00", AT),
        ("2024-05-01T07:30:00-04:30", AT),
        ("2024-05-01T12:00:00+00:00", AT),
        ("2024-05-01T12:00:00", AT),
    ],
)
def test_parse_time(text: str, expected: datetime) -> None:
    parsed = parse_time(text)
    assert parsed == expected
    assert parsed.utcoffset() == timedelta(0)
    assert parsed.tzinfo is UTC


def test_naive_time_is_taken_as_utc_not_local() -> None:
    assert parse_time("2024-01-15T08:00:00") == datetime(2024, 1, 15, 8, tzinfo=UTC)


def test_offset_time_keeps_its_instant_and_wall_clock_becomes_utc() -> None:
    parsed = parse_time("2024-05-01T14:00:00+02:00")
    assert (parsed.hour, parsed.tzinfo) == (12, UTC)


NEW_YEAR_2017 = datetime(2017, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # RFC 3339 allows lower-case t and z
        ("2024-05-01t12:00:00z", AT),
        ("2024-05-01t14:00:00+02:00", AT),
        ("2024-05-01T12:00:00.5z", AT + timedelta(milliseconds=500)),
        # a leap second is read as the first instant of the next minute
        ("2016-12-31T23:59:60Z", NEW_YEAR_2017),
        ("2016-12-31T23:59:60.5Z", NEW_YEAR_2017),
        ("2016-12-31t23:59:60.999z", NEW_YEAR_2017),
        ("2017-01-01T01:59:60+02:00", NEW_YEAR_2017),
        ("2016-12-31T18:59:60-05:00", NEW_YEAR_2017),
        ("2015-06-30T23:59:60Z", datetime(2015, 7, 1, tzinfo=UTC)),
        # digits beyond the microsecond are dropped, +hhmm is an offset
        ("2024-05-01T12:00:00.1234567Z", AT + timedelta(microseconds=123_456)),
        ("2024-05-01T14:00:00+0200", AT),
    ],
)
def test_every_timestamp_the_schema_accepts_can_be_parsed(text: str, expected: datetime) -> None:
    payload = {"connectorId": 1, "idTag": "TAG1", "meterStart": 0, "timestamp": text}
    check(ProtocolVersion.OCPP16, "StartTransaction", payload, response=False)
    request = start_request(payload)
    assert request.timestamp == expected
    assert request.timestamp.tzinfo is UTC


minutes = st.datetimes(
    min_value=datetime(2000, 1, 2), max_value=datetime(2099, 12, 30), timezones=st.just(UTC)
).map(lambda moment: moment.replace(second=0, microsecond=0))


@settings(deadline=None)
@given(minutes, st.sampled_from(["", ".0", ".5", ".999999"]))
def test_a_leap_second_is_the_start_of_the_next_minute(minute: datetime, fraction: str) -> None:
    before = minute - timedelta(minutes=1)
    assert parse_time(f"{before:%Y-%m-%dT%H:%M}:60{fraction}Z") == minute


@pytest.mark.parametrize(
    ("moment", "text"),
    [
        (AT, "2024-05-01T12:00:00.000Z"),
        (AT + timedelta(microseconds=123_999), "2024-05-01T12:00:00.123Z"),
        (
            datetime(2024, 5, 1, 15, 0, tzinfo=timezone(timedelta(hours=3))),
            "2024-05-01T12:00:00.000Z",
        ),
    ],
)
def test_format_time(moment: datetime, text: str) -> None:
    assert format_time(moment) == text


aware = st.datetimes(
    min_value=datetime(2000, 1, 2),
    max_value=datetime(2099, 12, 30),
    timezones=st.sampled_from(
        [UTC, timezone(timedelta(hours=5, minutes=30)), timezone(-timedelta(hours=8))]
    ),
)


@settings(deadline=None)
@given(aware)
def test_parse_time_reads_isoformat(moment: datetime) -> None:
    parsed = parse_time(moment.isoformat())
    assert parsed == moment
    assert parsed.tzinfo is UTC


@settings(deadline=None)
@given(aware)
def test_parse_time_ignores_the_case_of_t_and_z(moment: datetime) -> None:
    text = format_time(moment)
    assert text.endswith("Z")
    assert parse_time(text.lower()) == parse_time(text)


@settings(deadline=None)
@given(aware)
def test_format_then_parse_keeps_the_millisecond(moment: datetime) -> None:
    parsed = parse_time(format_time(moment))
    assert parsed == moment.replace(microsecond=moment.microsecond // 1000 * 1000)


# --- boot and status -----------------------------------------------------------------------


def test_boot_info_full() -> None:
    payload = {
        "chargePointVendor": "ACME",
        "chargePointModel": "Wallbox 22",
        "chargePointSerialNumber": "CP-SN",
        "chargeBoxSerialNumber": "BOX-SN",
        "firmwareVersion": "1.2.3",
        "iccid": "8935",
        "imsi": "2440",
        "meterType": "EM340",
        "meterSerialNumber": "M-1",
    }
    assert boot_info(payload) == BootInfo(
        vendor="ACME",
        model="Wallbox 22",
        serial_number="CP-SN",
        firmware_version="1.2.3",
        iccid="8935",
        imsi="2440",
        meter_type="EM340",
        meter_serial_number="M-1",
    )


def test_boot_info_falls_back_to_the_charge_box_serial() -> None:
    info = boot_info(
        {"chargePointVendor": "V", "chargePointModel": "M", "chargeBoxSerialNumber": "B"}
    )
    assert info == BootInfo(vendor="V", model="M", serial_number="B")


def test_boot_response() -> None:
    decision = BootDecision(RegistrationStatus.PENDING, 30)
    assert boot_response(decision, AT) == {
        "status": "Pending",
        "currentTime": "2024-05-01T12:00:00.000Z",
        "interval": 30,
    }


def test_status_report_of_a_connector() -> None:
    report = status_report(
        {
            "connectorId": 2,
            "status": "Faulted",
            "errorCode": "GroundFailure",
            "timestamp": "2024-05-01T14:00:00+02:00",
            "info": "RCD",
            "vendorId": "ACME",
            "vendorErrorCode": "E7",
        },
        NOW,
    )
    assert (report.evse_id, report.connector_id) == (2, 1)
    assert report.status is ConnectorStatus.FAULTED
    assert report.timestamp == AT
    assert (report.error_code, report.info, report.vendor_id, report.vendor_error_code) == (
        "GroundFailure",
        "RCD",
        "ACME",
        "E7",
    )
    assert not report.is_station
    assert report.timed


def test_status_report_of_the_station_without_timestamp() -> None:
    report = status_report({"connectorId": 0, "status": "Unavailable", "errorCode": "NoError"}, NOW)
    assert (report.evse_id, report.connector_id) == (0, 0)
    assert report.is_station
    # received now, but the station did not say when: the report cannot be ordered
    assert report.timestamp == NOW
    assert not report.timed
    assert (report.info, report.vendor_id, report.vendor_error_code) == ("", "", "")


# --- id_tag_info ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "text"),
    [
        (AuthorizationStatus.ACCEPTED, "Accepted"),
        (AuthorizationStatus.BLOCKED, "Blocked"),
        (AuthorizationStatus.EXPIRED, "Expired"),
        (AuthorizationStatus.INVALID, "Invalid"),
        (AuthorizationStatus.CONCURRENT_TX, "ConcurrentTx"),
        (AuthorizationStatus.UNKNOWN, "Invalid"),
        # 1.6 has no "not here" or "not now": Invalid is the closest (docs/operations.md).
        (AuthorizationStatus.NOT_AT_THIS_LOCATION, "Invalid"),
        (AuthorizationStatus.NOT_AT_THIS_TIME, "Invalid"),
    ],
)
def test_id_tag_info_status(status: AuthorizationStatus, text: str) -> None:
    info = id_tag_info(AuthorizationDecision(status))
    assert info == {"status": text}
    check(ProtocolVersion.OCPP16, "Authorize", {"idTagInfo": info}, response=True)


def test_an_unknown_tag_is_invalid_in_16() -> None:
    # the domain answers Unknown; 1.6 has no such status
    info = id_tag_info(authorize(None, NOW))
    assert info == {"status": "Invalid"}
    check(ProtocolVersion.OCPP16, "Authorize", {"idTagInfo": info}, response=True)


def test_id_tag_info_with_expiry_and_parent() -> None:
    expires = datetime(2025, 1, 1, 2, 0, tzinfo=timezone(timedelta(hours=2)))
    info = id_tag_info(AuthorizationDecision(AuthorizationStatus.ACCEPTED, expires, "FLEET"))
    assert info == {
        "status": "Accepted",
        "expiryDate": "2025-01-01T00:00:00.000Z",
        "parentIdTag": "FLEET",
    }
    check(ProtocolVersion.OCPP16, "Authorize", {"idTagInfo": info}, response=True)


def test_id_tag_info_cuts_a_long_group_to_20_characters() -> None:
    group = "G" * 25
    info = id_tag_info(AuthorizationDecision(AuthorizationStatus.ACCEPTED, group_id=group))
    assert info == {"status": "Accepted", "parentIdTag": "G" * 20}
    check(
        ProtocolVersion.OCPP16,
        "StartTransaction",
        {"idTagInfo": info, "transactionId": 1},
        response=True,
    )


def test_id_tag_info_omits_an_empty_group() -> None:
    info = id_tag_info(AuthorizationDecision(AuthorizationStatus.BLOCKED, group_id=""))
    assert info == {"status": "Blocked"}


# --- start and stop ------------------------------------------------------------------------


def test_start_request() -> None:
    request = start_request(
        {
            "connectorId": 2,
            "idTag": "TAG1",
            "meterStart": 1500,
            "timestamp": "2024-05-01T14:00:00+02:00",
            "reservationId": 8,
        }
    )
    assert request == StartRequest(
        evse_id=2,
        connector_id=1,
        id_tag="TAG1",
        timestamp=AT,
        meter_start_wh=1500,
        reservation_id=8,
    )


def test_start_request_without_reservation() -> None:
    request = start_request({"connectorId": 1, "idTag": "T", "meterStart": 0, "timestamp": TS})
    assert request.reservation_id is None
    assert (request.evse_id, request.connector_id) == (1, 1)


def test_start_request_rejects_connector_0() -> None:
    with pytest.raises(RpcError) as raised:
        start_request({"connectorId": 0, "idTag": "T", "meterStart": 0, "timestamp": TS})
    assert raised.value.kind is ErrorKind.PROPERTY
    assert raised.value.details == {"field": "connectorId"}
    assert raised.value.unique_id is None


def test_stop_request_minimal() -> None:
    request = stop_request({"transactionId": 17, "meterStop": 12_345, "timestamp": TS})
    assert request == StopRequest(
        transaction_id=17, timestamp=AT, meter_stop_wh=12_345, reason=None, id_tag=None, samples=[]
    )


def test_stop_request_with_transaction_data() -> None:
    request = stop_request(
        {
            "transactionId": 17,
            "idTag": "TAG1",
            "meterStop": 12_345,
            "timestamp": TS,
            "reason": "EVDisconnected",
            "transactionData": [
                meter_value(
                    "2024-05-01T10:00:00Z",
                    value="1.5",
                    unit="kWh",
                    context="Transaction.Begin",
                ),
                meter_value(value="12.345", unit="kWh", context="Transaction.End"),
            ],
        }
    )
    assert (request.transaction_id, request.meter_stop_wh) == (17, 12_345)
    assert (request.reason, request.id_tag) == ("EVDisconnected", "TAG1")
    assert [(s.timestamp, s.value, s.unit, s.context) for s in request.samples] == [
        (AT - timedelta(hours=2), pytest.approx(1500.0), "Wh", "Transaction.Begin"),
        (AT, pytest.approx(12345.0), "Wh", "Transaction.End"),
    ]
    assert energy_register_wh(list(request.samples)) == 12_345


# --- sampled values ------------------------------------------------------------------------


def test_sampled_value_without_measurand_is_the_energy_register() -> None:
    [sample] = sampled_values([meter_value(value="1234")])
    assert sample == SampledValue(
        timestamp=AT, measurand=DEFAULT_MEASURAND, value=1234.0, unit="Wh"
    )
    assert DEFAULT_MEASURAND == "Energy.Active.Import.Register"


def test_sampled_value_kwh_is_stored_in_wh() -> None:
    [sample] = sampled_values([meter_value(value="12.5", unit="kWh")])
    assert (sample.value, sample.unit, sample.raw) == (12500.0, "Wh", None)


def test_sampled_value_keeps_phase_context_location() -> None:
    [sample] = sampled_values(
        [
            meter_value(
                value="230,4",
                measurand="Voltage",
                phase="L1-N",
                context="Sample.Periodic",
                location="Outlet",
            )
        ]
    )
    assert sample == SampledValue(
        timestamp=AT,
        measurand="Voltage",
        value=230.4,
        unit="V",
        phase="L1-N",
        context="Sample.Periodic",
        location="Outlet",
    )


@pytest.mark.parametrize(
    ("measurand", "value", "unit", "expected", "stored_unit"),
    [
        ("Power.Active.Import", "7.4", "kW", 7400.0, "W"),
        ("Temperature", "77", "Fahrenheit", 25.0, "°C"),
        ("Temperature", "298.15", "K", 25.0, "°C"),
        ("Temperature", "25", "Celcius", 25.0, "°C"),
        ("SoC", "80", "Percent", 80.0, "%"),
        ("SoC", "80", None, 80.0, "%"),
        ("Current.Import", "16", None, 16.0, "A"),
    ],
)
def test_sampled_value_units(
    measurand: str, value: str, unit: str | None, expected: float, stored_unit: str
) -> None:
    sampled: dict[str, Any] = {"value": value, "measurand": measurand}
    if unit is not None:
        sampled["unit"] = unit
    [sample] = sampled_values([meter_value(**sampled)])
    assert sample.value == pytest.approx(expected)
    assert sample.unit == stored_unit


def test_signed_data_is_kept_raw() -> None:
    blob = "T0NNRnwxfDB8MTIzNA=="
    [sample] = sampled_values([meter_value(value=blob, format="SignedData", unit="kWh")])
    assert (sample.value, sample.raw, sample.unit) == (None, blob, "kWh")
    assert sample.measurand == DEFAULT_MEASURAND


def test_signed_data_that_looks_numeric_is_still_raw() -> None:
    [sample] = sampled_values([meter_value(value="1234", format="SignedData")])
    assert (sample.value, sample.raw, sample.unit) == (None, "1234", "")


def test_raw_format_is_parsed() -> None:
    [sample] = sampled_values([meter_value(value="1234", format="Raw")])
    assert (sample.value, sample.raw) == (1234.0, None)


@pytest.mark.parametrize("text", ["n/a", "", "12 kWh", "NaN"])
def test_unparseable_value_is_kept_raw(text: str) -> None:
    [sample] = sampled_values([meter_value(value=text, unit="Wh")])
    assert (sample.value, sample.raw, sample.unit) == (None, text, "Wh")
    assert energy_register_wh([sample]) is None


def test_several_meter_values_and_samples_are_flattened_in_order() -> None:
    samples = sampled_values(
        [
            {
                "timestamp": TS,
                "sampledValue": [
                    {"value": "100", "phase": "L1"},
                    {"value": "200", "phase": "L2"},
                    {"value": "300", "phase": "L3"},
                ],
            },
            {
                "timestamp": "2024-05-01T12:01:00Z",
                "sampledValue": [{"value": "7", "measurand": "SoC"}],
            },
            {"timestamp": "2024-05-01T12:02:00Z"},
        ]
    )
    assert [(s.measurand, s.value, s.phase) for s in samples] == [
        (DEFAULT_MEASURAND, 100.0, "L1"),
        (DEFAULT_MEASURAND, 200.0, "L2"),
        (DEFAULT_MEASURAND, 300.0, "L3"),
        ("SoC", 7.0, None),
    ]
    assert energy_register_wh(samples) == 600


def test_no_meter_values_no_samples() -> None:
    assert sampled_values([]) == []


@settings(deadline=None)
@given(st.integers(min_value=0, max_value=10**9))
def test_kwh_and_wh_registers_agree(wh: int) -> None:
    kwh_text = f"{wh // 1000}.{wh % 1000:03d}"
    in_kwh = sampled_values([meter_value(value=kwh_text, unit="kWh")])
    in_wh = sampled_values([meter_value(value=str(wh))])
    assert energy_register_wh(in_kwh) == energy_register_wh(in_wh) == wh
