from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import insert, select

from kilowatt.domain.events import Direction, OcppMessage, StationEvent
from kilowatt.domain.paging import Page, PageRequest
from kilowatt.persistence.models.events import ocpp_messages, station_events
from kilowatt.persistence.repositories.base import Repository, page_of
from kilowatt.services.ports import MessageFilter, StoredMessage


class SqlEventRepository(Repository):
    async def add(self, event: StationEvent) -> None:
        self.session.add(event)

    async def add_many(self, events: Sequence[StationEvent]) -> None:
        self.session.add_all(events)

    async def search(
        self, station_id: int, page: PageRequest, kind: str | None = None
    ) -> Page[StationEvent]:
        query = select(StationEvent).where(station_events.c.station_id == station_id)
        if kind:
            query = query.where(station_events.c.kind == kind)
        return await page_of(self.session, query, station_events.c.id, page, newest_first=True)


class SqlMessageLogRepository(Repository):
    async def add_many(self, messages: Sequence[OcppMessage]) -> None:
        if not messages:
            return
        rows = [
            {
                "station_ocpp_id": m.station_ocpp_id,
                "direction": m.direction.value,
                "message_type": m.message_type,
                "unique_id": m.unique_id[:64],
                "action": m.action[:64],
                "payload": m.payload,
                "created_at": m.created_at,
            }
            for m in messages
        ]
        await (await self.session.connection()).execute(insert(ocpp_messages), rows)

    async def search(
        self, station_ocpp_id: str, page: PageRequest, where: MessageFilter
    ) -> Page[StoredMessage]:
        log = ocpp_messages.c
        query = select(ocpp_messages).where(log.station_ocpp_id == station_ocpp_id)
        if where.action:
            query = query.where(log.action == where.action)
        if where.direction is not None:
            query = query.where(log.direction == where.direction.value)
        if where.since is not None:
            query = query.where(log.created_at >= where.since)
        if where.until is not None:
            query = query.where(log.created_at < where.until)
        if page.cursor is not None:
            query = query.where(log.id < page.cursor)
        query = query.order_by(log.id.desc()).limit(page.limit + 1)
        rows = list((await self.session.execute(query)).mappings())
        items = [
            StoredMessage(
                id=row["id"],
                message=OcppMessage(
                    station_ocpp_id=row["station_ocpp_id"],
                    direction=Direction(row["direction"]),
                    message_type=row["message_type"],
                    unique_id=row["unique_id"],
                    action=row["action"],
                    payload=row["payload"],
                    created_at=row["created_at"],
                ),
            )
            for row in rows[: page.limit]
        ]
        more = len(rows) > page.limit
        return Page(items=items, next_cursor=items[-1].id if more and items else None)
