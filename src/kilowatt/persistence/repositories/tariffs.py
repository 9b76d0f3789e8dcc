"""Tariffs: a version's content is its OCPI-shaped JSON (domain/tariff_codec.py)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import delete, insert, select

from kilowatt.domain.cdrs import Scope, TariffAssignment
from kilowatt.domain.tariff_codec import parse_version, version_json
from kilowatt.domain.tariffs import Tariff, TariffVersion
from kilowatt.persistence.models.tariffs import tariff_assignments, tariff_versions, tariffs
from kilowatt.persistence.repositories.base import Repository


class SqlTariffRepository(Repository):
    async def get(self, organization_id: int, tariff_id: int) -> Tariff | None:
        query = select(Tariff).where(
            tariffs.c.id == tariff_id, tariffs.c.organization_id == organization_id
        )
        return (await self.session.execute(query)).scalar_one_or_none()

    async def by_name(self, organization_id: int, name: str) -> Tariff | None:
        query = select(Tariff).where(
            tariffs.c.organization_id == organization_id, tariffs.c.name == name
        )
        return (await self.session.execute(query)).scalar_one_or_none()

    async def add(self, tariff: Tariff) -> Tariff:
        return await self._add(tariff)

    async def all(self, organization_id: int, archived: bool = False) -> list[Tariff]:
        query = select(Tariff).where(tariffs.c.organization_id == organization_id)
        if not archived:
            query = query.where(tariffs.c.archived.is_(False))
        return list((await self.session.execute(query.order_by(tariffs.c.name))).scalars())

    async def versions(self, tariff_ids: Collection[int]) -> dict[int, list[TariffVersion]]:
        found: dict[int, list[TariffVersion]] = {tariff_id: [] for tariff_id in tariff_ids}
        if not found:
            return found
        v = tariff_versions.c
        query = (
            select(v.tariff_id, v.version, v.valid_from, v.body)
            .where(v.tariff_id.in_(sorted(found)))
            .order_by(v.tariff_id, v.version)
        )
        for tariff_id, number, valid_from, body in await self.session.execute(query):
            found[tariff_id].append(parse_version(body, valid_from, number))
        return found

    async def add_version(
        self, tariff_id: int, version: TariffVersion, created_by: str, at: datetime
    ) -> None:
        body = version_json(version)
        body.pop("valid_from", None)
        body.pop("version", None)
        await self.session.execute(
            insert(tariff_versions).values(
                tariff_id=tariff_id,
                version=version.version,
                valid_from=version.valid_from,
                body=body,
                created_at=at,
                created_by=created_by,
            )
        )

    async def assignments(self, organization_id: int) -> list[TariffAssignment]:
        query = (
            select(TariffAssignment)
            .where(tariff_assignments.c.organization_id == organization_id)
            .order_by(tariff_assignments.c.id)
        )
        return list((await self.session.execute(query)).scalars())

    async def assignment(self, organization_id: int, assignment_id: int) -> TariffAssignment | None:
        query = select(TariffAssignment).where(
            tariff_assignments.c.id == assignment_id,
            tariff_assignments.c.organization_id == organization_id,
        )
        return (await self.session.execute(query)).scalar_one_or_none()

    async def add_assignment(self, assignment: TariffAssignment) -> TariffAssignment:
        return await self._add(assignment)

    async def delete_assignment(self, assignment: TariffAssignment) -> None:
        await self._delete(assignment)

    async def forget(self, organization_id: int, scopes: Collection[Scope], scope_id: int) -> int:
        gone = await self.session.execute(
            delete(tariff_assignments).where(
                tariff_assignments.c.organization_id == organization_id,
                tariff_assignments.c.scope.in_(list(scopes)),
                tariff_assignments.c.scope_id == scope_id,
            )
        )
        return int(getattr(gone, "rowcount", 0) or 0)
