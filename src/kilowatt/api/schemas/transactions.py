from __future__ import annotations

from datetime import datetime

from kilowatt.api.schemas.common import Schema
from kilowatt.domain.metering import MeterRecord
from kilowatt.domain.transactions import (
    Transaction,
    TransactionEventRecord,
    TransactionState,
    live_energy_wh,
)


class MeterValueOut(Schema):
    timestamp: datetime
    measurand: str
    value: float | None
    unit: str
    phase: str | None
    context: str | None
    location: str | None
    raw: str | None = None

    @classmethod
    def of(cls, record: MeterRecord) -> MeterValueOut:
        s = record.sample
        return cls(
            timestamp=s.timestamp,
            measurand=s.measurand,
            value=s.value,
            unit=s.unit,
            phase=s.phase,
            context=s.context,
            location=s.location,
            raw=s.raw,
        )


class TransactionEventOut(Schema):
    """A 2.0.1 TransactionEvent as received (1.6 transactions have none)."""

    seq_no: int
    event_type: str
    trigger_reason: str
    timestamp: datetime
    received_at: datetime
    offline: bool
    charging_state: str | None
    id_tag: str | None


class TransactionOut(Schema):
    id: int
    station_id: str
    evse_id: int
    connector_id: int
    ocpp_transaction_id: str | None
    id_tag: str
    auth_status: str
    state: TransactionState
    start_time: datetime
    stop_time: datetime | None
    meter_start_wh: int | None
    meter_stop_wh: int | None
    energy_wh: int | None
    stop_reason: str | None
    stop_id_tag: str | None
    reservation_id: int | None
    remote_start_id: int | None
    charging_state: str | None
    number_of_phases: int | None
    offline: bool
    flags: list[str]
    created_at: datetime
    updated_at: datetime
    meter_values: list[MeterValueOut] | None = None
    events: list[TransactionEventOut] | None = None

    @classmethod
    def of(
        cls,
        tx: Transaction,
        station_ocpp_id: str,
        meter_values: list[MeterRecord] | None = None,
        events: list[TransactionEventRecord] | None = None,
    ) -> TransactionOut:
        assert tx.id is not None
        return cls(
            id=tx.id,
            station_id=station_ocpp_id,
            evse_id=tx.evse_id,
            connector_id=tx.connector_id,
            ocpp_transaction_id=tx.ocpp_transaction_id or str(tx.id),
            id_tag=tx.id_tag,
            auth_status=tx.auth_status,
            state=tx.state,
            start_time=tx.start_time,
            stop_time=tx.stop_time,
            meter_start_wh=tx.meter_start_wh,
            meter_stop_wh=tx.meter_stop_wh,
            energy_wh=live_energy_wh(tx),
            stop_reason=tx.stop_reason,
            stop_id_tag=tx.stop_id_tag,
            reservation_id=tx.reservation_id,
            remote_start_id=tx.remote_start_id,
            charging_state=tx.charging_state,
            number_of_phases=tx.number_of_phases,
            offline=tx.offline,
            flags=list(tx.flags),
            created_at=tx.created_at,
            updated_at=tx.updated_at,
            meter_values=None
            if meter_values is None
            else [MeterValueOut.of(m) for m in meter_values],
            events=None
            if events is None
            else [TransactionEventOut.model_validate(e) for e in events],
        )
