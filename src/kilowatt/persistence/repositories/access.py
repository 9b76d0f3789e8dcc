from __future__ import annotations

from sqlalchemy import func, or_, select
from sqlalchemy.sql.elements import ColumnElement

from kilowatt.domain.access import AccessMode, AccessRule, Place, effective_mode
from kilowatt.domain.paging import Page, PageRequest
from kilowatt.domain.users import Scope
from kilowatt.persistence.models.access import access_rules
from kilowatt.persistence.models.organizations import sites
from kilowatt.persistence.models.stations import stations
from kilowatt.persistence.repositories.base import Repository, page_of
from kilowatt.services.ports import AccessRuleFilter


def _in(scope: Scope) -> ColumnElement[bool]:
    """Rules of the organization; for a scope limited to some sites, only those at them or at
    one of their stations."""
    condition = access_rules.c.organization_id == scope.organization_id
    if scope.site_ids is not None:
        chosen = sorted(scope.site_ids)
        condition = condition & or_(
            access_rules.c.site_id.in_(chosen),
            access_rules.c.station_id.in_(
                select(stations.c.id).where(
                    stations.c.organization_id == scope.organization_id,
                    stations.c.site_id.in_(chosen),
                )
            ),
        )
    return condition


class SqlAccessRuleRepository(Repository):
    async def get(self, scope: Scope, rule_id: int) -> AccessRule | None:
        query = select(AccessRule).where(access_rules.c.id == rule_id, _in(scope))
        return (await self.session.execute(query)).scalar_one_or_none()

    async def search(
        self, scope: Scope, page: PageRequest, where: AccessRuleFilter
    ) -> Page[AccessRule]:
        query = select(AccessRule).where(_in(scope))
        if where.group_id is not None:
            query = query.where(access_rules.c.group_id == where.group_id)
        if where.site_id is not None:
            query = query.where(access_rules.c.site_id == where.site_id)
        if where.station_id is not None:
            query = query.where(access_rules.c.station_id == where.station_id)
        return await page_of(self.session, query, access_rules.c.id, page)

    async def at_place(self, place: Place, group_id: int | None = None) -> list[AccessRule]:
        """The rules that grant the station or its site (to ``group_id`` alone, if given)."""
        where = access_rules.c.station_id == place.station_id
        if place.site_id is not None:
            where = where | (access_rules.c.site_id == place.site_id)
        query = select(AccessRule).where(where)
        if group_id is not None:
            query = query.where(access_rules.c.group_id == group_id)
        return list((await self.session.execute(query.order_by(access_rules.c.id))).scalars())

    async def count_outside(self, scope: Scope, group_id: int) -> int:
        """The group's rules the scope does not reach."""
        mine = access_rules.c.group_id == group_id
        every = select(func.count()).select_from(access_rules).where(mine)
        reached = select(func.count()).select_from(access_rules).where(mine, _in(scope))
        total = int((await self.session.execute(every)).scalar_one())
        return total - int((await self.session.execute(reached)).scalar_one())

    async def place(self, station_id: int) -> Place | None:
        query = (
            select(
                stations.c.site_id,
                stations.c.access,
                sites.c.access.label("site_access"),
                sites.c.timezone,
            )
            .select_from(stations.outerjoin(sites, sites.c.id == stations.c.site_id))
            .where(stations.c.id == station_id)
        )
        row = (await self.session.execute(query)).one_or_none()
        if row is None:
            return None
        site_mode = AccessMode(row.site_access) if row.site_access else None
        station_mode = AccessMode(row.access) if row.access else None
        return Place(
            station_id=station_id,
            site_id=row.site_id,
            mode=effective_mode(site_mode, station_mode),
            timezone=row.timezone or "UTC",
        )

    async def add(self, rule: AccessRule) -> AccessRule:
        return await self._add(rule)

    async def delete(self, rule: AccessRule) -> None:
        await self._delete(rule)
