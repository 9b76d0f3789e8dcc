"""What every repository shares: its session and keyset paging."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from sqlalchemy import Select, select, true
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from kilowatt.domain.errors import Conflict
from kilowatt.domain.paging import Page, PageRequest
from kilowatt.domain.users import Scope
from kilowatt.persistence.folding import folded_contains
from kilowatt.persistence.models.stations import stations

T = TypeVar("T")


class Repository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def _add(self, entity: T) -> T:
        self.session.add(entity)
        await flush(self.session)
        return entity

    async def _delete(self, entity: object) -> None:
        await self.session.delete(entity)
        await self.session.flush()


def contains(column: ColumnElement[str], text: str) -> ColumnElement[bool]:
    """ "column contains text", ignoring case and accents ("sodermalm" finds "Södermalm";
    persistence/folding.py), with % and _ taken literally."""
    return folded_contains(column, text)


def at_scoped_station(station_id: ColumnElement[int], scope: Scope) -> ColumnElement[bool]:
    """Rows of a station the scope reaches: any of the organization's (the caller filters on
    the organization), or for a scope limited to some sites, one at those sites."""
    if scope.site_ids is None:
        return true()
    return station_id.in_(
        select(stations.c.id).where(
            stations.c.organization_id == scope.organization_id,
            stations.c.site_id.in_(sorted(scope.site_ids)),
        )
    )


async def flush(session: AsyncSession) -> None:
    """Flush, reporting a broken unique constraint as the domain's Conflict."""
    try:
        await session.flush()
    except IntegrityError as error:
        raise Conflict(f"conflicts with an existing record: {error.orig}") from error


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
