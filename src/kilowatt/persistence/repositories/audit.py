"""The audit log, append-only. Entries are written with a plain INSERT and read back as frozen
values that no session tracks, so nothing here can change a stored entry; ``update`` and
``delete`` exist only to refuse. Migration 0006 adds triggers that refuse UPDATE and DELETE of
audit rows in the database itself (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select

from kilowatt.domain.audit import AuditEntry
from kilowatt.domain.errors import AppendOnly
from kilowatt.domain.paging import Page, PageRequest
from kilowatt.domain.users import ActorKind
from kilowatt.persistence.models.audit import audit_log
from kilowatt.persistence.repositories.base import Repository
from kilowatt.services.ports import AuditFilter

_COLUMNS = (
    "organization_id",
    "at",
    "action",
    "actor_type",
    "actor_id",
    "actor_name",
    "object_type",
    "object_id",
    "changes",
    "client_address",
)


def _entry(row: Any) -> AuditEntry:
    return AuditEntry(
        id=row.id,
        organization_id=row.organization_id,
        at=row.at,
        action=row.action,
        actor_type=ActorKind(row.actor_type),
        actor_id=row.actor_id,
        actor_name=row.actor_name,
        object_type=row.object_type,
        object_id=row.object_id,
        changes=dict(row.changes or {}),
        client_address=row.client_address,
    )


class SqlAuditRepository(Repository):
    async def add(self, entry: AuditEntry) -> AuditEntry:
        values = {name: getattr(entry, name) for name in _COLUMNS}
        values["changes"] = dict(entry.changes)
        values["actor_name"] = entry.actor_name[:254]
        values["object_id"] = entry.object_id[:254]
        result = await self.session.execute(
            insert(audit_log).values(**values).returning(audit_log.c.id)
        )
        new_id = int(result.scalar_one())
        return AuditEntry(**{**values, "actor_type": entry.actor_type, "id": new_id})

    async def search(
        self, organization_id: int, page: PageRequest, where: AuditFilter
    ) -> Page[AuditEntry]:
        log = audit_log.c
        query = select(audit_log).where(log.organization_id == organization_id)
        if where.actor_type is not None:
            query = query.where(log.actor_type == where.actor_type)
        if where.actor_id is not None:
            query = query.where(log.actor_id == where.actor_id)
        if where.actor_name is not None:
            query = query.where(func.lower(log.actor_name) == where.actor_name.lower())
        if where.action is not None:
            query = query.where(log.action == where.action)
        if where.object_type is not None:
            query = query.where(log.object_type == where.object_type)
        if where.object_id is not None:
            query = query.where(log.object_id == where.object_id)
        if where.since is not None:
            query = query.where(log.at >= where.since)
        if where.until is not None:
            query = query.where(log.at < where.until)
        if page.cursor is not None:
            query = query.where(log.id < page.cursor)
        query = query.order_by(log.id.desc()).limit(page.limit + 1)
        rows = (await self.session.execute(query)).all()
        items = [_entry(row) for row in rows[: page.limit]]
        more = len(rows) > page.limit
        return Page(items=items, next_cursor=items[-1].id if more and items else None)

    async def count(
        self,
        action: str,
        since: datetime,
        *,
        object_id: str | None = None,
        client_address: str | None = None,
    ) -> int:
        log = audit_log.c
        query = (
            select(func.count()).select_from(audit_log).where(log.action == action, log.at >= since)
        )
        if object_id is not None:
            query = query.where(log.object_id == object_id)
        if client_address is not None:
            query = query.where(log.client_address == client_address)
        return int((await self.session.execute(query)).scalar_one())

    async def update(self, *args: Any, **kwargs: Any) -> None:
        raise AppendOnly("the audit log is append-only: entries cannot be changed")

    async def delete(self, *args: Any, **kwargs: Any) -> None:
        raise AppendOnly("the audit log is append-only: entries cannot be removed")
