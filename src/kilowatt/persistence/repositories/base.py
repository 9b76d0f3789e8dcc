"""What every repository shares: its session and keyset paging."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from kilowatt.domain.paging import Page, PageRequest

T = TypeVar("T")


class Repository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def _add(self, entity: T) -> T:
        self.session.add(entity)
        await self.session.flush()
        return entity

    async def _delete(self, entity: object) -> None:
        await self.session.delete(entity)
        await self.session.flush()


async def page_of(
    session: AsyncSession,
    query: Select[Any],
    id_column: ColumnElement[int],
    page: PageRequest,
    *,
    newest_first: bool = False,
    id_of: Callable[[Any], int | None] = lambda item: item.id,
) -> Page[Any]:
    """Run ``query`` for one page after ``page.cursor``, ordered by id."""
    if page.cursor is not None:
        query = query.where(id_column < page.cursor if newest_first else id_column > page.cursor)
    query = query.order_by(id_column.desc() if newest_first else id_column.asc())
    rows: Sequence[Any] = (await session.execute(query.limit(page.limit + 1))).scalars().all()
    items = list(rows[: page.limit])
    more = len(rows) > page.limit
    return Page(items=items, next_cursor=id_of(items[-1]) if more and items else None)
