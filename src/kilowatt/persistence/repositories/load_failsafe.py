"""Load management at the stations: per station, its failsafe and whether it refuses
profiles (Core statements; a portable upsert: update, else insert)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, insert, select, update

from kilowatt.domain.load_failsafe import StationProfiles
from kilowatt.persistence.models.load_failsafe import station_load_profiles
from kilowatt.persistence.models.loads import site_loads
from kilowatt.persistence.models.stations import stations
from kilowatt.persistence.repositories.base import Repository
from kilowatt.persistence.repositories.loads import _site_load
from kilowatt.services.ports.load_failsafe import ManagedStation

_COLUMNS = ("default_limit_a", "default_at", "refused_at", "refused_answer", "retry_at")


def _record(row: Any) -> StationProfiles:
    values = row._mapping
    return StationProfiles(
        station_id=values["station_id"],
        ocpp_id=values["ocpp_id"],
        **{name: values[name] for name in _COLUMNS},
        updated_at=values["updated_at"],
    )


def _records() -> Select[Any]:
    return select(station_load_profiles, stations.c.ocpp_id).join(
        stations, stations.c.id == station_load_profiles.c.station_id
    )


def _managed() -> Select[Any]:
    return (
        select(
            stations.c.id.label("station_id"),
            stations.c.ocpp_id,
            stations.c.online,
            site_loads,
        )
        .join(site_loads, site_loads.c.site_id == stations.c.site_id)
        .where(site_loads.c.enabled.is_(True))
    )


def _station(row: Any) -> ManagedStation:
    load = _site_load(row)
    return ManagedStation(
        station_id=row.station_id,
        ocpp_id=row.ocpp_id,
        organization_id=load.organization_id,
        site_id=load.site_id,
        online=bool(row.online),
        settings=load.settings,
    )


class SqlStationProfileRepository(Repository):
    async def get(self, station_id: int) -> StationProfiles | None:
        query = _records().where(station_load_profiles.c.station_id == station_id)
        row = (await self.session.execute(query)).first()
        return None if row is None else _record(row)

    async def of_site(self, site_id: int) -> dict[str, StationProfiles]:
        query = _records().where(stations.c.site_id == site_id)
        return {r.ocpp_id: r for r in map(_record, await self.session.execute(query))}

    async def save(self, record: StationProfiles) -> None:
        values = {name: getattr(record, name) for name in (*_COLUMNS, "updated_at")}
        result = await self.session.execute(
            update(station_load_profiles)
            .where(station_load_profiles.c.station_id == record.station_id)
            .values(values)
        )
        if not getattr(result, "rowcount", 0):
            await self.session.execute(
                insert(station_load_profiles).values(station_id=record.station_id, **values)
            )

    async def managed(self, ocpp_id: str) -> ManagedStation | None:
        row = (await self.session.execute(_managed().where(stations.c.ocpp_id == ocpp_id))).first()
        return None if row is None else _station(row)

    async def managed_at(self, site_id: int) -> list[ManagedStation]:
        query = _managed().where(stations.c.site_id == site_id).order_by(stations.c.id)
        return [_station(row) for row in await self.session.execute(query)]
