from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from kilowatt.api.deps import PageDep, ServicesDep, TokensRead, TokensWrite
from kilowatt.api.schemas.common import Id, Page
from kilowatt.api.schemas.tokens import (
    TokenGroupIn,
    TokenGroupOut,
    TokenGroupPatch,
    TokenIn,
    TokenOut,
    TokenPatch,
)
from kilowatt.domain.tokens import GroupKind, IdTokenType, TokenStatus
from kilowatt.services.ports import TokenFilter, TokenGroupFilter
from kilowatt.services.tokens import GroupInput, GroupView, TokenInput, TokenView

router = APIRouter(prefix="/id-tokens", tags=["id tokens"])
groups = APIRouter(prefix="/token-groups", tags=["id tokens"])


def token_out(view: TokenView) -> TokenOut:
    token = view.token
    return TokenOut(
        id=token.id or 0,
        value=token.value,
        type=token.type,
        status=token.status,
        expires_at=token.expires_at,
        group_id=view.parent_id_tag,
        token_group_id=token.group_id,
        driver_id=token.driver_id,
        label=token.label,
        created_at=token.created_at,
        updated_at=token.updated_at,
    )


def _domain_names(changes: dict[str, Any]) -> dict[str, Any]:
    """The API's group_id is the parent id tag; its token_group_id the group's id."""
    renamed = dict(changes)
    if "group_id" in renamed:
        renamed["parent_id_tag"] = renamed.pop("group_id")
    if "token_group_id" in renamed:
        renamed["group_id"] = renamed.pop("token_group_id")
    return renamed


@router.get("", response_model=Page[TokenOut])
async def list_tokens(
    services: ServicesDep,
    principal: TokensRead,
    page: PageDep,
    status: TokenStatus | None = None,
    type: IdTokenType | None = None,
    group_id: Annotated[
        str | None, Query(description="Tokens of the group with this parent id tag.")
    ] = None,
    token_group_id: Annotated[Id | None, Query(description="Tokens of this group.")] = None,
    driver_id: Annotated[Id | None, Query(description="Tokens of this driver.")] = None,
    q: Annotated[str | None, Query(description="Part of the value or label.")] = None,
) -> Page[TokenOut]:
    found = await services.tokens.search(
        principal,
        page,
        TokenFilter(
            status=status,
            type=type,
            parent_id_tag=group_id,
            group_id=token_group_id,
            driver_id=driver_id,
            search=q,
        ),
    )
    return Page.of(found.items, found.next_cursor, token_out)


@router.post("", response_model=TokenOut, status_code=201)
async def create_token(body: TokenIn, services: ServicesDep, principal: TokensWrite) -> TokenOut:
    view = await services.tokens.create(principal, TokenInput(**_domain_names(body.model_dump())))
    return token_out(view)


@router.get("/{token_id}", response_model=TokenOut)
async def get_token(token_id: Id, services: ServicesDep, principal: TokensRead) -> TokenOut:
    return token_out(await services.tokens.get(principal, token_id))


@router.patch("/{token_id}", response_model=TokenOut)
async def update_token(
    token_id: Id, body: TokenPatch, services: ServicesDep, principal: TokensWrite
) -> TokenOut:
    """``group_id`` (a parent id tag) and ``token_group_id`` both move the token to a group;
    null in either takes it out of its group."""
    view = await services.tokens.update(
        principal, token_id, _domain_names(body.model_dump(exclude_unset=True))
    )
    return token_out(view)


@router.delete("/{token_id}", status_code=204)
async def delete_token(token_id: Id, services: ServicesDep, principal: TokensWrite) -> Response:
    await services.tokens.delete(principal, token_id)
    return Response(status_code=204)


# Token groups ----------------------------------------------------------------------------


def group_out(view: GroupView) -> TokenGroupOut:
    group = view.group
    return TokenGroupOut(
        id=group.id or 0,
        name=group.name,
        kind=group.kind,
        description=group.description,
        parent_id_tag=group.parent_id_tag,
        load_priority=group.load_priority,
        tokens=view.tokens,
        created_at=group.created_at,
        updated_at=group.updated_at,
    )


@groups.get("", response_model=Page[TokenGroupOut])
async def list_groups(
    services: ServicesDep,
    principal: TokensRead,
    page: PageDep,
    kind: GroupKind | None = None,
    q: Annotated[
        str | None, Query(description="Part of the name, description or parent id tag.")
    ] = None,
) -> Page[TokenGroupOut]:
    found = await services.token_groups.search(
        principal, page, TokenGroupFilter(kind=kind, search=q)
    )
    return Page.of(found.items, found.next_cursor, group_out)


@groups.post("", response_model=TokenGroupOut, status_code=201, responses={409: {}})
async def create_group(
    body: TokenGroupIn, services: ServicesDep, principal: TokensWrite
) -> TokenGroupOut:
    """A group of tokens: a fleet, a company's employees, a loyalty program, a building's
    tenants. Tokens join it by ``token_group_id`` (or ``group_id``, its parent id tag)."""
    return group_out(await services.token_groups.create(principal, GroupInput(**body.model_dump())))


@groups.get("/{group_id}", response_model=TokenGroupOut)
async def get_group(group_id: Id, services: ServicesDep, principal: TokensRead) -> TokenGroupOut:
    return group_out(await services.token_groups.get(principal, group_id))


@groups.patch("/{group_id}", response_model=TokenGroupOut, responses={409: {}})
async def update_group(
    group_id: Id, body: TokenGroupPatch, services: ServicesDep, principal: TokensWrite
) -> TokenGroupOut:
    view = await services.token_groups.update(
        principal, group_id, body.model_dump(exclude_unset=True)
    )
    return group_out(view)


@groups.delete("/{group_id}", status_code=204)
async def delete_group(group_id: Id, services: ServicesDep, principal: TokensWrite) -> Response:
    """Its tokens stay, out of any group; its access rules are deleted with it."""
    await services.token_groups.delete(principal, group_id)
    return Response(status_code=204)
