"""Site load management's rows, with Core statements (portable upserts: read, then insert
or update, inside the unit of work)."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from sqlalchemy import and_, delete, func, insert, or_, select, update

from kilowatt.domain.load_caps import LoadCap
from kilowatt.domain.loads import (
    LoadDecision,
    LoadReading,
    LoadSettings,
    RuleState,
    SessionLoad,
    SiteLoad,
    Strategy,
)
from kilowatt.domain.tariffs import Weekday
from kilowatt.domain.transactions import TransactionState
from kilowatt.persistence.models.loads import (
    load_decisions,
    session_loads,
    site_load_readings,
    site_loads,
)
from kilowatt.persistence.models.stations import connectors, stations
from kilowatt.persistence.models.tokens import id_tokens, token_groups
from kilowatt.persistence.models.transactions import transactions
from kilowatt.persistence.repositories.base import Repository
from kilowatt.services.ports.loads import ChargingSession

_SETTINGS = (
    "enabled",
    "half_at_pct",
    "hold_at_pct",
    "hysteresis_pct",
    "voltage",
    "min_current_a",
    "reserve_pct",
    "fallback_load_w",
    "reading_max_age_s",
    "meter_topic",
    "meter_station",
    "strategy",
    "failsafe_current_a",
)


def _caps_out(caps: tuple[LoadCap, ...]) -> list[dict[str, Any]]:
    return [
        {
            "days": [day.value for day in cap.days],
            "start": cap.start.strftime("%H:%M"),
            "end": cap.end.strftime("%H:%M"),
            "max_w": cap.max_w,
        }
        for cap in caps
    ]


def _caps_in(stored: Any) -> tuple[LoadCap, ...]:
    return tuple(
        LoadCap(
            days=tuple(Weekday(day) for day in cap["days"]),
            start=time.fromisoformat(cap["start"]),
            end=time.fromisoformat(cap["end"]),
            max_w=int(cap["max_w"]),
        )
        for cap in stored or ()
    )


def _site_load(row: Any) -> SiteLoad:
    values = row._mapping
    return SiteLoad(
        site_id=values["site_id"],
        organization_id=values["organization_id"],
        settings=LoadSettings(
            **{name: values[name] for name in _SETTINGS if name != "strategy"},
            strategy=Strategy(values["strategy"]),
            caps=_caps_in(values["caps"]),
        ),
        state=values["state"],
        load_w=values["load_w"],
        load_at=values["load_at"],
        load_source=values["load_source"],
        meter_silent_since=values["meter_silent_since"],
        updated_at=values["updated_at"],
    )


def _site_values(site_load: SiteLoad) -> dict[str, Any]:
    settings = site_load.settings
    return {
        "organization_id": site_load.organization_id,
        **{name: getattr(settings, name) for name in _SETTINGS},
        "caps": _caps_out(settings.caps),
        "state": site_load.state,
        "load_w": site_load.load_w,
        "load_at": site_load.load_at,
        "load_source": site_load.load_source,
        "meter_silent_since": site_load.meter_silent_since,
        "updated_at": site_load.updated_at,
    }


def _session_load(row: Any) -> SessionLoad:
    values = dict(row._mapping)
    return SessionLoad(**values)


class SqlLoadRepository(Repository):
    async def get(self, site_id: int) -> SiteLoad | None:
        row = (
            await self.session.execute(select(site_loads).where(site_loads.c.site_id == site_id))
        ).first()
        return None if row is None else _site_load(row)

    async def by_topic(self, topic: str) -> SiteLoad | None:
        query = select(site_loads).where(site_loads.c.meter_topic == topic).limit(1)
        row = (await self.session.execute(query)).first()
        return None if row is None else _site_load(row)

    async def save(self, site_load: SiteLoad) -> None:
        values = _site_values(site_load)
        settings = {name: values[name] for name in (*_SETTINGS, "caps", "updated_at")}
        result = await self.session.execute(
            update(site_loads).where(site_loads.c.site_id == site_load.site_id).values(settings)
        )
        if not getattr(result, "rowcount", 0):
            await self.session.execute(
                insert(site_loads).values(site_id=site_load.site_id, **values)
            )

    async def set_state(self, site_id: int, state: RuleState, at: datetime) -> None:
        await self.session.execute(
            update(site_loads)
            .where(site_loads.c.site_id == site_id)
            .values(state=state, updated_at=at)
        )

    async def set_load(self, site_id: int, load_w: int, at: datetime, source: str) -> None:
        await self.session.execute(
            update(site_loads)
            .where(
                site_loads.c.site_id == site_id,
                or_(site_loads.c.load_at.is_(None), site_loads.c.load_at <= at),
            )
            .values(load_w=load_w, load_at=at, load_source=source)
        )

    async def meter_stations(self) -> dict[str, int]:
        query = (
            select(site_loads.c.meter_station, site_loads.c.site_id)
            .join(
                stations,
                and_(
                    stations.c.ocpp_id == site_loads.c.meter_station,
                    stations.c.site_id == site_loads.c.site_id,
                ),
            )
            .where(site_loads.c.meter_station != "")
        )
        return {row.meter_station: row.site_id for row in await self.session.execute(query)}

    async def watched(self) -> list[SiteLoad]:
        query = select(site_loads).where(site_loads.c.enabled.is_(True))
        return [_site_load(row) for row in await self.session.execute(query)]

    async def set_silent(self, site_id: int, since: datetime | None) -> bool:
        column = site_loads.c.meter_silent_since
        result = await self.session.execute(
            update(site_loads)
            .where(
                site_loads.c.site_id == site_id,
                column.is_(None) if since is not None else column.is_not(None),
            )
            .values(meter_silent_since=since)
        )
        return bool(getattr(result, "rowcount", 0))

    async def site_of_station(self, ocpp_id: str) -> int | None:
        query = (
            select(stations.c.site_id)
            .join(site_loads, site_loads.c.site_id == stations.c.site_id)
            .where(stations.c.ocpp_id == ocpp_id, site_loads.c.enabled.is_(True))
        )
        return (await self.session.execute(query)).scalar_one_or_none()

    async def add_reading(self, reading: LoadReading) -> None:
        await self.session.execute(
            insert(site_load_readings).values(
                site_id=reading.site_id,
                measured_at=reading.measured_at,
                load_w=reading.load_w,
                source=reading.source,
            )
        )

    async def readings(self, site_id: int, limit: int) -> list[LoadReading]:
        query = (
            select(
                site_load_readings.c.site_id,
                site_load_readings.c.measured_at,
                site_load_readings.c.load_w,
                site_load_readings.c.source,
            )
            .where(site_load_readings.c.site_id == site_id)
            .order_by(site_load_readings.c.id.desc())
            .limit(limit)
        )
        return [LoadReading(*row) for row in await self.session.execute(query)]

    async def sessions(self, site_id: int) -> list[ChargingSession]:
        query = (
            select(
                transactions.c.id,
                transactions.c.organization_id,
                stations.c.ocpp_id,
                stations.c.protocol_version,
                stations.c.online,
                transactions.c.evse_id,
                transactions.c.ocpp_transaction_id,
                transactions.c.start_time,
                transactions.c.number_of_phases,
                transactions.c.max_power_w,
                connectors.c.max_power_w.label("connector_max_w"),
                connectors.c.current_type,
                func.coalesce(token_groups.c.load_priority, 0).label("priority"),
            )
            .join(stations, stations.c.id == transactions.c.station_id)
            .outerjoin(
                connectors,
                and_(
                    connectors.c.station_id == transactions.c.station_id,
                    connectors.c.evse_id == transactions.c.evse_id,
                    connectors.c.connector_id == transactions.c.connector_id,
                ),
            )
            .outerjoin(id_tokens, id_tokens.c.id == transactions.c.id_token_id)
            .outerjoin(token_groups, token_groups.c.id == id_tokens.c.group_id)
            .where(
                stations.c.site_id == site_id,
                transactions.c.state == TransactionState.ACTIVE.value,
            )
            .order_by(transactions.c.start_time, transactions.c.id)
        )
        found: dict[int, ChargingSession] = {}
        for row in await self.session.execute(query):
            found.setdefault(
                row.id,
                ChargingSession(
                    transaction_id=row.id,
                    organization_id=row.organization_id,
                    station=row.ocpp_id,
                    protocol_version=row.protocol_version,
                    online=bool(row.online),
                    evse_id=row.evse_id,
                    ocpp_transaction_id=row.ocpp_transaction_id,
                    start_time=row.start_time,
                    number_of_phases=row.number_of_phases,
                    max_power_w=row.connector_max_w or row.max_power_w,
                    current_type=str(row.current_type or "AC"),
                    priority=int(row.priority or 0),
                ),
            )
        return list(found.values())

    async def session_loads(self, site_id: int) -> dict[int, SessionLoad]:
        query = select(session_loads).where(session_loads.c.site_id == site_id)
        return {
            load.transaction_id: load
            for load in map(_session_load, await self.session.execute(query))
        }

    async def session_load(self, transaction_id: int) -> SessionLoad | None:
        query = select(session_loads).where(session_loads.c.transaction_id == transaction_id)
        row = (await self.session.execute(query)).first()
        return None if row is None else _session_load(row)

    async def save_session_load(self, load: SessionLoad) -> None:
        values = {
            "site_id": load.site_id,
            "rule": load.rule,
            "limit_a": load.limit_a,
            "drawn_a": load.drawn_a,
            "phases": load.phases,
            "reason": load.reason,
            "updated_at": load.updated_at,
        }
        result = await self.session.execute(
            update(session_loads)
            .where(session_loads.c.transaction_id == load.transaction_id)
            .values(values)
        )
        if not getattr(result, "rowcount", 0):
            await self.session.execute(
                insert(session_loads).values(transaction_id=load.transaction_id, **values)
            )

    async def forget_sessions(self, site_id: int, running: set[int]) -> None:
        statement = delete(session_loads).where(session_loads.c.site_id == site_id)
        if running:
            statement = statement.where(session_loads.c.transaction_id.not_in(sorted(running)))
        await self.session.execute(statement)

    async def add_decision(self, decision: LoadDecision) -> None:
        await self.session.execute(
            insert(load_decisions).values(
                site_id=decision.site_id,
                at=decision.at,
                kind=decision.kind,
                state=decision.state,
                load_w=decision.load_w,
                transaction_id=decision.transaction_id,
                station=decision.station,
                evse_id=decision.evse_id,
                limit_a=decision.limit_a,
                reason=decision.reason,
            )
        )

    async def decisions(self, site_id: int, limit: int) -> list[LoadDecision]:
        query = (
            select(load_decisions)
            .where(load_decisions.c.site_id == site_id)
            .order_by(load_decisions.c.id.desc())
            .limit(limit)
        )
        return [LoadDecision(**dict(row._mapping)) for row in await self.session.execute(query)]
