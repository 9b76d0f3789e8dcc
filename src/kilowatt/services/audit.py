"""The audit log: every privileged action, recorded in the unit of work that makes it; and
the requests refused for want of a valid key (401) or of a permission (403), sampled so that
whoever causes them cannot flood the log."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping, Sequence
from typing import Any

import structlog

from kilowatt.domain.audit import AuditAction, AuditEntry, entry, redact
from kilowatt.domain.paging import Page, PageRequest
from kilowatt.domain.throttling import Sampler
from kilowatt.domain.users import ActorKind, Principal
from kilowatt.services.base import Service
from kilowatt.services.ports import (
    AuditFilter,
    Clock,
    EventPublisher,
    UnitOfWork,
    UnitOfWorkFactory,
)

log = structlog.get_logger(__name__)

API_KEY_PREFIX = "kw"
REFUSAL_INTERVAL = 60.0
"""A refusal of one kind, from one source, is recorded at most this often (seconds)..."""
REFUSALS_PER_INTERVAL = 600
"""...and refusals of every kind and source together at most this many times meanwhile."""
MAX_ROUTE = 200


def key_prefix(presented: str) -> str | None:
    """The lookup part of a Kilowatt API key (``kw_<prefix>_<secret>``): not secret, it only
    finds the key; None when ``presented`` is not shaped like one of ours."""
    parts = presented.split("_", 2)
    if len(parts) != 3 or parts[0] != API_KEY_PREFIX or not 0 < len(parts[1]) <= 16:
        return None
    return parts[1] if parts[1].isalnum() else None


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
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, bus: EventPublisher) -> None:
        super().__init__(uow, clock, bus)
        self._refusals = Sampler(interval=REFUSAL_INTERVAL, total=REFUSALS_PER_INTERVAL)

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

    # Refused requests ------------------------------------------------------------------------

    async def unauthorized(self, presented: str | None, address: str | None, route: str) -> None:
        """A request without a valid API key (401): no key, one not shaped like ours, one
        that does not exist, a revoked one, or a known key with a wrong secret. The entry
        names the key's public prefix at most, never what was presented; it belongs to the
        key's organization when the prefix finds a key, else to none (then only the log and
        the database show it)."""
        prefix = key_prefix(presented) if presented else None
        if not presented:
            reason = "missing_key"
        elif prefix is None:
            reason = "malformed_key"
        else:
            reason = "unknown_key"
        key = None
        if prefix is not None:
            async with self.uow(readonly=True) as uow:
                key = await uow.api_keys.by_prefix(prefix)
            if key is not None:
                digest = hashlib.sha256((presented or "").encode()).hexdigest()
                matches = hmac.compare_digest(key.key_hash, digest)
                reason = "revoked_key" if matches and not key.active else "wrong_secret"
        organization_id = key.organization_id if key is not None else None
        now = self.clock.now()
        unrecorded = self._refusals.take(("401", address, reason, organization_id), now.timestamp())
        if unrecorded is None:
            return
        changes: dict[str, Any] = {"reason": reason, "route": route[:MAX_ROUTE]}
        if unrecorded:
            changes["unrecorded"] = unrecorded
        if key is not None:
            changes["key_name"] = key.name
        await self.add(
            AuditEntry(
                at=now,
                action=AuditAction.UNAUTHORIZED,
                organization_id=organization_id,
                actor_type=ActorKind.ANONYMOUS,
                actor_name=f"{API_KEY_PREFIX}_{prefix}" if prefix is not None else "",
                object_type="api_key" if key is not None else "",
                object_id=str(key.id) if key is not None else "",
                changes=redact(changes),
                client_address=address,
            )
        )
        log.warning(
            "request refused: no valid API key",
            reason=reason,
            route=route[:MAX_ROUTE],
            remote=address,
            key_prefix=prefix,
            unrecorded=unrecorded,
        )

    async def forbidden(self, principal: Principal, missing: Sequence[str], route: str) -> None:
        """A caller whose role (or site scope) lacks a permission the route needs (403)."""
        now = self.clock.now()
        unrecorded = self._refusals.take(
            ("403", principal.kind, principal.actor_id, principal.address, tuple(missing)),
            now.timestamp(),
        )
        if unrecorded is None:
            return
        changes: dict[str, Any] = {
            "role": principal.role.value,
            "limited": principal.limited,
            "missing": list(missing),
        }
        if unrecorded:
            changes["unrecorded"] = unrecorded
        await self.add(
            entry(principal, now, AuditAction.FORBIDDEN, "route", route[:MAX_ROUTE], changes)
        )
        log.info(
            "request refused: permission missing",
            actor=principal.name,
            missing=list(missing),
            route=route[:MAX_ROUTE],
            unrecorded=unrecorded,
        )
