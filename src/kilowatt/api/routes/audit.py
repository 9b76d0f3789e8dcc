"""The audit log of the caller's organization (audit:read)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from kilowatt.api.deps import AuditRead, PageDep, ServicesDep
from kilowatt.api.schemas.common import AwareDatetime, Id, Page
from kilowatt.api.schemas.users import AuditEntryOut
from kilowatt.domain.users import ActorKind
from kilowatt.services.ports import AuditFilter

router = APIRouter(tags=["audit"])


@router.get("/audit", response_model=Page[AuditEntryOut])
async def list_audit(
    services: ServicesDep,
    principal: AuditRead,
    page: PageDep,
    actor_type: ActorKind | None = None,
    actor_id: Annotated[Id | None, Query(description="A user's or API key's id.")] = None,
    actor: Annotated[
        str | None, Query(max_length=254, description="A user's email or a key's name.")
    ] = None,
    action: Annotated[
        str | None, Query(max_length=64, description="e.g. site.update, command.reset, login")
    ] = None,
    object_type: Annotated[str | None, Query(max_length=64)] = None,
    object_id: Annotated[str | None, Query(max_length=254)] = None,
    since: Annotated[AwareDatetime | None, Query(alias="from")] = None,
    until: Annotated[AwareDatetime | None, Query(alias="to", description="Exclusive.")] = None,
) -> Page[AuditEntryOut]:
    """Who did what, to which record, when and from where; newest first. Entries are never
    changed or removed."""
    found = await services.audit.search(
        principal,
        page,
        AuditFilter(
            actor_type=actor_type.value if actor_type else None,
            actor_id=actor_id,
            actor_name=actor,
            action=action,
            object_type=object_type,
            object_id=object_id,
            since=since,
            until=until,
        ),
    )
    return Page.of(found.items, found.next_cursor, AuditEntryOut.model_validate)
