"""The audit log: every privileged action, recorded in the unit of work that makes it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kilowatt.domain.audit import AuditEntry, entry
from kilowatt.domain.paging import Page, PageRequest
from kilowatt.domain.users import Principal
from kilowatt.services.base import Service
from kilowatt.services.ports import AuditFilter, UnitOfWork


async def record(
    uow: UnitOfWork,
    principal: Principal,
    action: str,
    object_type: str,
    object_id: object,
    changes: Mapping[str, Any] | None = None,
    *,
    at: Any,
) -> None:
    """Add an entry to the audit log, in ``uow``: it is kept exactly when the change is."""
    await uow.audit.add(entry(principal, at, action, object_type, object_id, changes))


class AuditService(Service):
    async def search(
        self, principal: Principal, page: PageRequest, where: AuditFilter
    ) -> Page[AuditEntry]:
        """Newest first, of the caller's organization."""
        async with self.uow(readonly=True) as uow:
            return await uow.audit.search(principal.organization_id, page, where)

    async def add(self, audit_entry: AuditEntry) -> AuditEntry:
        """An entry on its own (a login, a failed login)."""
        async with self.uow() as uow:
            added = await uow.audit.add(audit_entry)
            await uow.commit()
        return added
