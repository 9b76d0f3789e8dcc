"""Access rules: which token groups may charge at which sites and stations, and when."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response

from kilowatt.api.deps import PageDep, ServicesDep, TokensRead, TokensWrite, require
from kilowatt.api.schemas.access import (
    AccessCheckIn,
    AccessCheckOut,
    AccessRuleIn,
    AccessRuleOut,
    AccessRulePatch,
    WindowIn,
    WindowOut,
)
from kilowatt.api.schemas.common import Id, Page
from kilowatt.domain.access import TimeWindow, window
from kilowatt.domain.permissions import Permission
from kilowatt.domain.users import Principal
from kilowatt.services.access import AccessRuleInput, AccessRuleView
from kilowatt.services.ports import AccessRuleFilter

router = APIRouter(tags=["access rules"])

AccessCheck = Annotated[Principal, Depends(require(Permission.ASSETS_READ, Permission.TOKENS_READ))]


def _windows(windows: list[WindowIn]) -> list[TimeWindow]:
    return [window(w.days, w.start, w.end) for w in windows]


def rule_out(view: AccessRuleView) -> AccessRuleOut:
    rule = view.rule
    return AccessRuleOut(
        id=rule.id or 0,
        token_group_id=rule.group_id,
        site_id=rule.site_id,
        station_id=view.station_ocpp_id,
        windows=[WindowOut.model_validate(w.to_json()) for w in rule.windows],
        description=rule.description,
        created_at=rule.created_at,
        updated_at=rule.updated_at,
    )


@router.get("/access-rules", response_model=Page[AccessRuleOut])
async def list_rules(
    services: ServicesDep,
    principal: TokensRead,
    page: PageDep,
    token_group_id: Id | None = None,
    site_id: Annotated[Id | None, Query(description="Rules for the whole site.")] = None,
    station_id: Annotated[
        str | None, Query(max_length=48, description="Rules for this one station.")
    ] = None,
) -> Page[AccessRuleOut]:
    found = await services.access.search(
        principal,
        page,
        AccessRuleFilter(group_id=token_group_id, site_id=site_id),
        station_ocpp_id=station_id,
    )
    return Page.of(found.items, found.next_cursor, rule_out)


@router.post("/access-rules", response_model=AccessRuleOut, status_code=201)
async def create_rule(
    body: AccessRuleIn, services: ServicesDep, principal: TokensWrite
) -> AccessRuleOut:
    """Let a token group charge at a site or a station, always or in time windows. Rules
    matter where the site or station is private; at a public one every valid token may
    charge."""
    view = await services.access.create(
        principal,
        AccessRuleInput(
            group_id=body.token_group_id,
            site_id=body.site_id,
            station_ocpp_id=body.station_id,
            windows=_windows(body.windows),
            description=body.description,
        ),
    )
    return rule_out(view)


@router.get("/access-rules/{rule_id}", response_model=AccessRuleOut)
async def get_rule(rule_id: Id, services: ServicesDep, principal: TokensRead) -> AccessRuleOut:
    return rule_out(await services.access.get(principal, rule_id))


@router.patch("/access-rules/{rule_id}", response_model=AccessRuleOut)
async def update_rule(
    rule_id: Id, body: AccessRulePatch, services: ServicesDep, principal: TokensWrite
) -> AccessRuleOut:
    changes: dict[str, Any] = body.model_dump(exclude_unset=True)
    if "windows" in changes:
        changes["windows"] = _windows(body.windows or [])
    return rule_out(await services.access.update(principal, rule_id, changes))


@router.delete("/access-rules/{rule_id}", status_code=204)
async def delete_rule(rule_id: Id, services: ServicesDep, principal: TokensWrite) -> Response:
    await services.access.delete(principal, rule_id)
    return Response(status_code=204)


@router.post("/stations/{station_id}/access-check", response_model=AccessCheckOut)
async def check_access(
    station_id: str, body: AccessCheckIn, services: ServicesDep, principal: AccessCheck
) -> AccessCheckOut:
    """What the station would be answered now if a driver presented this token (its state
    and the access rules there; changes nothing)."""
    decision = await services.access.check(principal, station_id, body.id_tag)
    return AccessCheckOut(
        status=decision.status, expires_at=decision.expires_at, group_id=decision.group_id
    )
