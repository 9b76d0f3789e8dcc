"""A site's electrical tree with Core statements: replaced as a whole (its rows deleted and
written again, parents before children)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, insert, select, update

from kilowatt.domain.electrical_tree import Circuit, CircuitKind, ElectricalTree
from kilowatt.persistence.models.electrical_tree import (
    circuit_stations,
    site_circuits,
    site_grid_connections,
)
from kilowatt.persistence.models.stations import stations
from kilowatt.persistence.repositories.base import Repository


class SqlElectricalTreeRepository(Repository):
    async def get(self, site_id: int) -> ElectricalTree:
        grid = await self.session.scalar(
            select(site_grid_connections.c.max_current_a).where(
                site_grid_connections.c.site_id == site_id
            )
        )
        rows = list(
            await self.session.execute(
                select(site_circuits)
                .where(site_circuits.c.site_id == site_id)
                .order_by(site_circuits.c.position, site_circuits.c.id)
            )
        )
        keys = {row.id: row.key for row in rows}
        circuits = tuple(
            Circuit(
                key=row.key,
                name=row.name,
                kind=CircuitKind(row.kind),
                parent=keys.get(row.parent_id) if row.parent_id is not None else None,
                max_current_a=row.max_current_a,
                max_power_w=row.max_power_w,
            )
            for row in rows
        )
        placed = await self.session.execute(
            select(stations.c.ocpp_id, site_circuits.c.key)
            .join(circuit_stations, circuit_stations.c.station_id == stations.c.id)
            .join(site_circuits, site_circuits.c.id == circuit_stations.c.circuit_id)
            .where(stations.c.site_id == site_id, site_circuits.c.site_id == site_id)
            .order_by(stations.c.ocpp_id)
        )
        return ElectricalTree(
            max_current_a=grid,
            circuits=circuits,
            stations={str(row[0]): str(row[1]) for row in placed},
        )

    async def replace(self, site_id: int, tree: ElectricalTree, at: datetime) -> None:
        known = await self.session.scalar(
            select(site_grid_connections.c.site_id).where(
                site_grid_connections.c.site_id == site_id
            )
        )
        if known is None:
            await self.session.execute(
                insert(site_grid_connections).values(
                    site_id=site_id, max_current_a=tree.max_current_a, updated_at=at
                )
            )
        else:
            await self.session.execute(
                update(site_grid_connections)
                .where(site_grid_connections.c.site_id == site_id)
                .values(max_current_a=tree.max_current_a, updated_at=at)
            )
        # Children first is not needed: the parent's cascade takes them with it.
        await self.session.execute(delete(site_circuits).where(site_circuits.c.site_id == site_id))
        ids: dict[str, int] = {}
        position = {c.key: i for i, c in enumerate(tree.circuits)}
        pending = list(tree.circuits)
        while pending:  # a checked tree: each round stores at least one (a root first)
            ready = [c for c in pending if c.parent is None or c.parent in ids]
            for circuit in ready:
                ids[circuit.key] = await self._insert(site_id, circuit, position, ids)
            pending = [c for c in pending if c.key not in ids]
        by_station = dict(
            (
                await self.session.execute(
                    select(stations.c.ocpp_id, stations.c.id).where(stations.c.site_id == site_id)
                )
            ).all()
        )
        await self.session.execute(
            delete(circuit_stations).where(
                circuit_stations.c.station_id.in_(list(by_station.values()))
            )
        )
        rows = [
            {"station_id": by_station[station], "circuit_id": ids[key]}
            for station, key in tree.stations.items()
        ]
        if rows:
            await self.session.execute(insert(circuit_stations), rows)

    async def _insert(
        self, site_id: int, circuit: Circuit, position: dict[str, int], ids: dict[str, int]
    ) -> int:
        made = await self.session.execute(
            insert(site_circuits)
            .values(
                site_id=site_id,
                parent_id=ids[circuit.parent] if circuit.parent is not None else None,
                key=circuit.key,
                name=circuit.name,
                kind=circuit.kind,
                max_current_a=circuit.max_current_a,
                max_power_w=circuit.max_power_w,
                position=position[circuit.key],
            )
            .returning(site_circuits.c.id)
        )
        return int(made.scalar_one())

    async def stations(self, site_id: int) -> set[str]:
        found = await self.session.scalars(
            select(stations.c.ocpp_id).where(stations.c.site_id == site_id)
        )
        return set(found)
