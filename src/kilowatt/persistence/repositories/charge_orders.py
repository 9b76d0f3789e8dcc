"""Charge orders."""

from __future__ import annotations

from sqlalchemy import select

from kilowatt.domain.charge_orders import ChargeOrder, OrderState
from kilowatt.domain.paging import Page, PageRequest
from kilowatt.domain.users import Scope
from kilowatt.persistence.models.charge_orders import charge_orders
from kilowatt.persistence.repositories.base import Repository, at_scoped_station, page_of

OPEN = [s.value for s in OrderState if s.is_open]


class SqlChargeOrderRepository(Repository):
    async def add(self, order: ChargeOrder) -> ChargeOrder:
        return await self._add(order)

    async def get(self, scope: Scope, order_id: int) -> ChargeOrder | None:
        c = charge_orders.c
        query = select(ChargeOrder).where(
            c.id == order_id,
            c.organization_id == scope.organization_id,
            at_scoped_station(c.station_id, scope),
        )
        found: ChargeOrder | None = (await self.session.execute(query)).scalar_one_or_none()
        return found

    async def get_by_id(self, order_id: int) -> ChargeOrder | None:
        query = select(ChargeOrder).where(charge_orders.c.id == order_id)
        found: ChargeOrder | None = (await self.session.execute(query)).scalar_one_or_none()
        return found

    async def search(
        self, scope: Scope, page: PageRequest, state: OrderState | None = None
    ) -> Page[ChargeOrder]:
        c = charge_orders.c
        query = select(ChargeOrder).where(
            c.organization_id == scope.organization_id, at_scoped_station(c.station_id, scope)
        )
        if state is not None:
            query = query.where(c.state == state.value)
        return await page_of(self.session, query, c.id, page, newest_first=True)

    async def open_orders(self) -> list[ChargeOrder]:
        query = select(ChargeOrder).where(charge_orders.c.state.in_(OPEN))
        return list((await self.session.execute(query)).scalars())
