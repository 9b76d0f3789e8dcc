"""Storage ports of the charge orders area."""

from __future__ import annotations

from typing import Protocol

from kilowatt.domain.charge_orders import ChargeOrder, OrderState
from kilowatt.domain.paging import Page, PageRequest
from kilowatt.domain.users import Scope


class ChargeOrderRepository(Protocol):
    async def add(self, order: ChargeOrder) -> ChargeOrder: ...
    async def get(self, scope: Scope, order_id: int) -> ChargeOrder | None: ...
    async def get_by_id(self, order_id: int) -> ChargeOrder | None: ...
    async def search(
        self, scope: Scope, page: PageRequest, state: OrderState | None = None
    ) -> Page[ChargeOrder]: ...
    async def open_orders(self) -> list[ChargeOrder]:
        """Orders starting, running or stopping (what a node follows after a restart)."""
        ...
