"""In-memory stand-ins for the load management area's storage (and the sites it reads), kept
beside the other fakes (tests/support/fakes.py) and registered with them by ``install()``.
They behave as persistence/repositories/loads.py does: the records live on the fakes' store,
so a unit of work's commit keeps them and leaving without it throws them away."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any

from kilowatt.domain.electrical_tree import ElectricalTree
from kilowatt.domain.load_failsafe import StationProfiles
from kilowatt.domain.loads import LoadDecision, LoadReading, RuleState, SessionLoad, SiteLoad
from kilowatt.domain.sites import Site
from kilowatt.domain.transactions import TransactionState
from kilowatt.domain.users import Scope
from kilowatt.services.ports import ChargingSession, ManagedStation
from tests.support import fakes


def _state(store: Any) -> dict[str, Any]:
    if not hasattr(store, "loads_state"):
        store.loads_state = {
            "sites": {},
            "site_loads": {},
            "readings": [],
            "sessions": {},
            "decisions": [],
        }
    state: dict[str, Any] = store.loads_state
    return state


class FakeSites(fakes._Repository):
    async def get(self, scope: Scope, site_id: int) -> Site | None:
        site: Site | None = _state(self.store)["sites"].get(site_id)
        if site is None or site.organization_id != scope.organization_id:
            return None
        if scope.site_ids is not None and site_id not in scope.site_ids:
            return None
        return site


class FakeLoads(fakes._Repository):
    @property
    def _s(self) -> dict[str, Any]:
        return _state(self.store)

    async def get(self, site_id: int) -> SiteLoad | None:
        found: SiteLoad | None = self._s["site_loads"].get(site_id)
        return found

    async def by_topic(self, topic: str) -> SiteLoad | None:
        return next(
            (s for s in self._s["site_loads"].values() if s.settings.meter_topic == topic), None
        )

    async def save(self, site_load: SiteLoad) -> None:
        known = self._s["site_loads"].get(site_load.site_id)
        if known is None:
            self._s["site_loads"][site_load.site_id] = site_load
        else:
            known.settings, known.updated_at = site_load.settings, site_load.updated_at

    async def set_state(self, site_id: int, state: RuleState, at: datetime) -> None:
        self._s["site_loads"][site_id].state = state

    async def set_load(self, site_id: int, load_w: int, at: datetime, source: str) -> None:
        load = self._s["site_loads"][site_id]
        if load.load_at is None or load.load_at <= at:
            load.load_w, load.load_at, load.load_source = load_w, at, source

    async def meter_stations(self) -> dict[str, int]:
        at = {s.ocpp_id: s.site_id for s in self.store.stations}
        return {
            load.settings.meter_station: site_id
            for site_id, load in self._s["site_loads"].items()
            if load.settings.meter_station and at.get(load.settings.meter_station) == site_id
        }

    async def watched(self) -> list[SiteLoad]:
        return [
            dataclasses.replace(load)
            for load in self._s["site_loads"].values()
            if load.settings.enabled
        ]

    async def set_silent(self, site_id: int, since: datetime | None) -> bool:
        load = self._s["site_loads"][site_id]
        if (load.meter_silent_since is None) == (since is None):
            return False
        load.meter_silent_since = since
        return True

    async def site_of_station(self, ocpp_id: str) -> int | None:
        station = next((s for s in self.store.stations if s.ocpp_id == ocpp_id), None)
        if station is None or station.site_id is None:
            return None
        load = self._s["site_loads"].get(station.site_id)
        return station.site_id if load is not None and load.settings.enabled else None

    async def add_reading(self, reading: LoadReading) -> None:
        self._s["readings"].append(reading)

    async def readings(self, site_id: int, limit: int) -> list[LoadReading]:
        return [r for r in reversed(self._s["readings"]) if r.site_id == site_id][:limit]

    async def sessions(self, site_id: int) -> list[ChargingSession]:
        stations = {s.id: s for s in self.store.stations if s.site_id == site_id}
        found = []
        for tx in sorted(self.store.transactions, key=lambda t: (t.start_time, t.id)):
            station = stations.get(tx.station_id)
            if station is None or tx.state is not TransactionState.ACTIVE or tx.id is None:
                continue
            found.append(
                ChargingSession(
                    transaction_id=tx.id,
                    organization_id=tx.organization_id,
                    station=station.ocpp_id,
                    protocol_version=station.protocol_version,
                    online=station.online,
                    evse_id=tx.evse_id,
                    ocpp_transaction_id=tx.ocpp_transaction_id,
                    start_time=tx.start_time,
                    number_of_phases=tx.number_of_phases,
                    max_power_w=tx.max_power_w,
                    current_type="AC",
                )
            )
        return found

    async def session_loads(self, site_id: int) -> dict[int, SessionLoad]:
        return {k: v for k, v in self._s["sessions"].items() if v.site_id == site_id}

    async def session_load(self, transaction_id: int) -> SessionLoad | None:
        found: SessionLoad | None = self._s["sessions"].get(transaction_id)
        return found

    async def save_session_load(self, load: SessionLoad) -> None:
        self._s["sessions"][load.transaction_id] = dataclasses.replace(load)

    async def forget_sessions(self, site_id: int, running: set[int]) -> None:
        for key, load in list(self._s["sessions"].items()):
            if load.site_id == site_id and key not in running:
                del self._s["sessions"][key]

    async def add_decision(self, decision: LoadDecision) -> None:
        self._s["decisions"].append(decision)

    async def decisions(self, site_id: int, limit: int) -> list[LoadDecision]:
        return [d for d in reversed(self._s["decisions"]) if d.site_id == site_id][:limit]


class FakeStationProfiles(fakes._Repository):
    @property
    def _records(self) -> dict[int, StationProfiles]:
        records: dict[int, StationProfiles] = _state(self.store).setdefault("station_profiles", {})
        return records

    async def get(self, station_id: int) -> StationProfiles | None:
        found = self._records.get(station_id)
        return None if found is None else dataclasses.replace(found)

    async def of_site(self, site_id: int) -> dict[str, StationProfiles]:
        ids = {s.id for s in self.store.stations if s.site_id == site_id}
        return {
            r.ocpp_id: dataclasses.replace(r) for r in self._records.values() if r.station_id in ids
        }

    async def save(self, record: StationProfiles) -> None:
        self._records[record.station_id] = dataclasses.replace(record)

    async def managed(self, ocpp_id: str) -> ManagedStation | None:
        found = [s for s in self._stations() if s.ocpp_id == ocpp_id]
        return found[0] if found else None

    async def managed_at(self, site_id: int) -> list[ManagedStation]:
        return [s for s in self._stations() if s.site_id == site_id]

    def _stations(self) -> list[ManagedStation]:
        loads = _state(self.store)["site_loads"]
        return [
            ManagedStation(
                station_id=s.id,
                ocpp_id=s.ocpp_id,
                organization_id=s.organization_id,
                site_id=s.site_id,
                online=s.online,
                settings=loads[s.site_id].settings,
            )
            for s in self.store.stations
            if s.site_id in loads and loads[s.site_id].settings.enabled and s.id is not None
        ]


def install() -> None:
    """Let the fakes' unit of work hand out these repositories (``uow.loads``, ``uow.sites``,
    ``uow.station_profiles``)."""
    fakes._REPOSITORIES.setdefault("loads", FakeLoads)
    fakes._REPOSITORIES.setdefault("station_profiles", FakeStationProfiles)
    fakes._REPOSITORIES.setdefault("sites", FakeSites)
    fakes._REPOSITORIES.setdefault("electrical_tree", FakeElectricalTree)


def add_site(store: Any, site: Site) -> None:
    _state(store)["sites"][site.id] = site


class FakeElectricalTree(fakes._Repository):
    """Sites' electrical trees, kept on the store by site."""

    @property
    def _trees(self) -> dict[int, ElectricalTree]:
        trees: dict[int, ElectricalTree] = _state(self.store).setdefault("trees", {})
        return trees

    async def get(self, site_id: int) -> ElectricalTree:
        return self._trees.get(site_id, ElectricalTree())

    async def replace(self, site_id: int, tree: ElectricalTree, at: datetime) -> None:
        self._trees[site_id] = tree

    async def stations(self, site_id: int) -> set[str]:
        return {s.ocpp_id for s in self.store.stations if s.site_id == site_id}
