"""neutral command parameters: stored charging profiles become version-neutral

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07

Commands kept the charging profiles an operator sent in the station's OCPP shape (1.6
``chargingProfileId``... with one ``chargingSchedule``; 2.0.1 ``id``... with a list of them),
profile purposes by their OCPP names, and the answer of get_composite_schedule as the station
sent it. They are now the same for both versions (domain/charging_profiles.py): the stored
parameters of set_charging_profile and remote_start, the purposes of clear_charging_profile and
get_charging_profiles, and the composite schedules in the results of get_composite_schedule are
rewritten in that shape. The CALL as sent (``request``) and the answer as received
(``response``) stay as they were. The way down writes them back in the shape of the station's
version.

This migration is self-contained on purpose: it does not import Kilowatt's translations, which
may change after it.
"""

from collections.abc import Callable, Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Json = sa.JSON().with_variant(JSONB(), "postgresql")
commands = sa.table(
    "commands",
    sa.column("id", sa.BigInteger),
    sa.column("station_id", sa.BigInteger),
    sa.column("operation", sa.String),
    sa.column("params", Json),
    sa.column("result", Json),
)
stations = sa.table(
    "stations", sa.column("id", sa.BigInteger), sa.column("protocol_version", sa.String)
)

OPERATIONS = (
    "set_charging_profile",
    "remote_start",
    "clear_charging_profile",
    "get_charging_profiles",
    "get_composite_schedule",
)
PURPOSES = {
    "ChargePointMaxProfile": "station_max",
    "ChargingStationMaxProfile": "station_max",
    "TxDefaultProfile": "tx_default",
    "TxProfile": "tx",
    "ChargingStationExternalConstraints": "external_constraints",
}
PURPOSES_16 = {
    "station_max": "ChargePointMaxProfile",
    "tx_default": "TxDefaultProfile",
    "tx": "TxProfile",
}
PURPOSES_201 = {
    "station_max": "ChargingStationMaxProfile",
    "tx_default": "TxDefaultProfile",
    "tx": "TxProfile",
    "external_constraints": "ChargingStationExternalConstraints",
}
Converted = tuple[dict[str, Any], Any]
"""A command's parameters and result, rewritten."""
KINDS = {"Absolute": "absolute", "Recurring": "recurring", "Relative": "relative"}
RECURRENCIES = {"Daily": "daily", "Weekly": "weekly"}


def _present(**values: Any) -> dict[str, Any]:
    return {key: value for key, value in values.items() if value is not None}


def _back(table: dict[str, str]) -> dict[str, str]:
    return {value: key for key, value in table.items()}


# Up ------------------------------------------------------------------------------------------


def _period(period: dict[str, Any]) -> dict[str, Any]:
    return _present(
        start_period=period["startPeriod"],
        limit=float(period["limit"]),
        number_phases=period.get("numberPhases"),
        phase_to_use=period.get("phaseToUse"),
    )


def _schedule(schedule: dict[str, Any]) -> dict[str, Any]:
    return _present(
        id=schedule.get("id"),
        start_schedule=schedule.get("startSchedule"),
        duration=schedule.get("duration"),
        rate_unit=schedule["chargingRateUnit"],
        periods=[_period(p) for p in schedule.get("chargingSchedulePeriod") or []],
        min_charging_rate=schedule.get("minChargingRate"),
    )


def _profile(profile: dict[str, Any]) -> dict[str, Any]:
    schedules = profile.get("chargingSchedule")
    if isinstance(schedules, dict):
        schedules = [schedules]
    transaction_id = profile.get("transactionId")
    recurrency = profile.get("recurrencyKind")
    return _present(
        id=profile.get("chargingProfileId", profile.get("id")),
        stack_level=profile.get("stackLevel", 0),
        purpose=PURPOSES.get(profile.get("chargingProfilePurpose", ""), "tx_default"),
        kind=KINDS.get(profile.get("chargingProfileKind", ""), "absolute"),
        recurrency=None if recurrency is None else RECURRENCIES.get(recurrency),
        valid_from=profile.get("validFrom"),
        valid_to=profile.get("validTo"),
        transaction_id=None if transaction_id is None else str(transaction_id),
        schedules=[_schedule(s) for s in schedules or []],
    )


def _composite(answer_schedule: dict[str, Any]) -> dict[str, Any]:
    """A composite schedule as 1.6 (a ChargingSchedule) or 2.0.1 (a CompositeSchedule) has it."""
    read = _schedule(answer_schedule)
    return _present(
        evse_id=answer_schedule.get("evseId"),
        start=answer_schedule.get("scheduleStart", answer_schedule.get("startSchedule")),
        duration=read.get("duration"),
        rate_unit=read["rate_unit"],
        periods=read["periods"],
        min_charging_rate=read.get("min_charging_rate"),
    )


def _up(operation: str, params: dict[str, Any], result: Any, version: str | None) -> Converted:
    params = dict(params)
    profile = params.get("charging_profile")
    if isinstance(profile, dict) and "chargingSchedule" in profile:
        params["charging_profile"] = _profile(profile)
    if params.get("purpose") in PURPOSES:
        params["purpose"] = PURPOSES[params["purpose"]]
    schedule = result.get("schedule") if isinstance(result, dict) else None
    if isinstance(schedule, dict) and "chargingSchedulePeriod" in schedule:
        result = {**result, "schedule": _composite(schedule)}
        if "evse_id" not in result["schedule"]:
            result["schedule"]["evse_id"] = int(params.get("evse_id") or 0)
    return params, result


# Down ----------------------------------------------------------------------------------------


def _period_down(period: dict[str, Any], v201: bool) -> dict[str, Any]:
    return _present(
        startPeriod=period["start_period"],
        limit=period["limit"],
        numberPhases=period.get("number_phases"),
        phaseToUse=period.get("phase_to_use") if v201 else None,
    )


def _schedule_down(schedule: dict[str, Any], v201: bool) -> dict[str, Any]:
    return _present(
        id=schedule.get("id") if v201 else None,
        startSchedule=schedule.get("start_schedule"),
        duration=schedule.get("duration"),
        chargingRateUnit=schedule["rate_unit"],
        chargingSchedulePeriod=[_period_down(p, v201) for p in schedule.get("periods") or []],
        minChargingRate=schedule.get("min_charging_rate"),
    )


def _profile_down(profile: dict[str, Any], v201: bool) -> dict[str, Any]:
    schedules = [_schedule_down(s, v201) for s in profile.get("schedules") or []]
    recurrency = profile.get("recurrency")
    transaction_id = profile.get("transaction_id")
    purposes = PURPOSES_201 if v201 else PURPOSES_16
    fields = _present(
        stackLevel=profile.get("stack_level", 0),
        chargingProfilePurpose=purposes.get(profile.get("purpose", ""), "TxDefaultProfile"),
        chargingProfileKind=_back(KINDS).get(profile.get("kind", ""), "Absolute"),
        recurrencyKind=None if recurrency is None else _back(RECURRENCIES).get(recurrency),
        validFrom=profile.get("valid_from"),
        validTo=profile.get("valid_to"),
    )
    if v201:
        return _present(
            id=profile.get("id"), **fields, chargingSchedule=schedules, transactionId=transaction_id
        )
    return _present(
        chargingProfileId=profile.get("id"),
        **fields,
        chargingSchedule=schedules[0] if schedules else None,
        transactionId=int(transaction_id)
        if transaction_id is not None and str(transaction_id).isdigit()
        else None,
    )


def _down(operation: str, params: dict[str, Any], result: Any, version: str | None) -> Converted:
    v201 = version == "2.0.1"
    params = dict(params)
    profile = params.get("charging_profile")
    if isinstance(profile, dict) and "schedules" in profile:
        params["charging_profile"] = _profile_down(profile, v201)
    if params.get("purpose") in PURPOSES_201:
        params["purpose"] = (PURPOSES_201 if v201 else PURPOSES_16).get(params["purpose"])
    schedule = result.get("schedule") if isinstance(result, dict) else None
    if isinstance(schedule, dict) and "periods" in schedule:
        rest = _schedule_down({**schedule, "start_schedule": None}, v201=False)
        if v201:
            down = _present(
                evseId=schedule.get("evse_id", 0), scheduleStart=schedule.get("start"), **rest
            )
        else:
            down = _present(startSchedule=schedule.get("start"), **rest)
        result = {**result, "schedule": down}
    return params, result


# Both ways -----------------------------------------------------------------------------------


def _rewrite(convert: Callable[[str, dict[str, Any], Any, str | None], Converted]) -> None:
    connection = op.get_bind()
    query = (
        sa.select(
            commands.c.id,
            commands.c.operation,
            commands.c.params,
            commands.c.result,
            stations.c.protocol_version,
        )
        .select_from(commands.outerjoin(stations, stations.c.id == commands.c.station_id))
        .where(commands.c.operation.in_(OPERATIONS))
    )
    for row in connection.execute(query).all():
        if not isinstance(row.params, dict):
            continue
        params, result = convert(row.operation, row.params, row.result, row.protocol_version)
        if params != row.params or result != row.result:
            connection.execute(
                commands.update()
                .where(commands.c.id == row.id)
                .values(params=params, result=result)
            )


def upgrade() -> None:
    _rewrite(_up)


def downgrade() -> None:
    _rewrite(_down)
