"""CDRs: inserted once (the bill key is unique), never updated."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import and_, case, or_, select

from kilowatt.domain.cdrs import Cdr, CdrKind
from kilowatt.domain.paging import Page, PageRequest
from kilowatt.domain.transactions import TransactionState
from kilowatt.domain.users import Scope
from kilowatt.persistence.models.cdrs import cdrs
from kilowatt.persistence.models.organizations import sites
from kilowatt.persistence.models.stations import stations
from kilowatt.persistence.models.tokens import id_tokens
from kilowatt.persistence.models.transactions import transactions
from kilowatt.persistence.repositories.base import Repository, page_of
from kilowatt.services.ports import BillingContext


def _aware(moment: Any) -> datetime:
    """A CASE of two UTC columns comes back without the column type's conversion."""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    assert isinstance(moment, datetime)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


class SqlCdrRepository(Repository):
    async def add(self, cdr: Cdr) -> Cdr:
        return await self._add(cdr)

    async def get(self, organization_id: int, cdr_id: int) -> Cdr | None:
        query = select(Cdr).where(cdrs.c.id == cdr_id, cdrs.c.organization_id == organization_id)
        return (await self.session.execute(query)).scalar_one_or_none()

    async def by_key(self, bill_key: str) -> Cdr | None:
        query = select(Cdr).where(cdrs.c.bill_key == bill_key)
        return (await self.session.execute(query)).scalar_one_or_none()

    async def for_transactions(self, transaction_ids: list[int]) -> list[Cdr]:
        if not transaction_ids:
            return []
        query = (
            select(Cdr)
            .where(cdrs.c.transaction_id.in_(sorted(set(transaction_ids))))
            .order_by(cdrs.c.id)
        )
        return list((await self.session.execute(query)).scalars())

    async def search(
        self,
        organization_id: int,
        page: PageRequest,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> Page[Cdr]:
        query = select(Cdr).where(cdrs.c.organization_id == organization_id)
        if since is not None:
            query = query.where(cdrs.c.created_at >= since)
        if until is not None:
            query = query.where(cdrs.c.created_at < until)
        return await page_of(self.session, query, cdrs.c.id, page, newest_first=True)

    async def context(self, transaction_id: int) -> BillingContext | None:
        t = transactions.c
        query = (
            select(
                t.organization_id,
                t.station_id,
                stations.c.site_id,
                sites.c.timezone,
                id_tokens.c.group_id,
                id_tokens.c.wallet_id,
            )
            .join(stations, stations.c.id == t.station_id)
            .outerjoin(sites, sites.c.id == stations.c.site_id)
            .outerjoin(id_tokens, id_tokens.c.id == t.id_token_id)
            .where(t.id == transaction_id)
        )
        row = (await self.session.execute(query)).first()
        if row is None:
            return None
        org, station, site, zone, group, wallet = row
        return BillingContext(org, station, site, zone or "UTC", group, wallet)

    async def unbilled(self, ended_before: datetime, limit: int) -> list[int]:
        t = transactions.c
        billed = select(cdrs.c.id).where(cdrs.c.transaction_id == t.id)
        query = (
            select(t.id)
            .where(
                t.state == TransactionState.COMPLETED.value,
                t.stop_time.is_not(None),
                t.stop_time < ended_before,
                ~billed.exists(),
            )
            .order_by(t.id)
            .limit(limit)
        )
        return list((await self.session.execute(query)).scalars())

    async def amounts_between(
        self, organization_id: int, since: datetime, until: datetime
    ) -> list[tuple[datetime, str, str]]:
        c = cdrs.c
        query = select(c.created_at, c.currency, c.total_incl_vat).where(
            c.organization_id == organization_id, c.created_at >= since, c.created_at < until
        )
        return [(at, cur, str(total)) for at, cur, total in await self.session.execute(query)]

    async def revenue_rows(
        self, scope: Scope, since: datetime, until: datetime
    ) -> list[tuple[datetime, str, str]]:
        c = cdrs.c
        moment = case((c.kind == CdrKind.CREDIT.value, c.created_at), else_=c.stop)
        query = select(moment, c.currency, c.total_incl_vat).where(
            c.organization_id == scope.organization_id,
            or_(
                and_(c.kind == CdrKind.CDR.value, c.stop >= since, c.stop < until),
                and_(c.kind == CdrKind.CREDIT.value, c.created_at >= since, c.created_at < until),
            ),
        )
        if scope.site_ids is not None:
            query = query.where(c.site_id.in_(sorted(scope.site_ids)))
        rows = await self.session.execute(query)
        return [(_aware(at), cur, str(total)) for at, cur, total in rows]
