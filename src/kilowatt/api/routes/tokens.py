from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from kilowatt.api.deps import PageDep, PrincipalDep, ServicesDep
from kilowatt.api.schemas.common import Id, Page
from kilowatt.api.schemas.tokens import TokenIn, TokenOut, TokenPatch
from kilowatt.domain.tokens import IdTokenType, TokenStatus
from kilowatt.services.ports import TokenFilter
from kilowatt.services.tokens import TokenInput

router = APIRouter(prefix="/id-tokens", tags=["id tokens"])


@router.get("", response_model=Page[TokenOut])
async def list_tokens(
    services: ServicesDep,
    principal: PrincipalDep,
    page: PageDep,
    status: TokenStatus | None = None,
    type: IdTokenType | None = None,
    group_id: str | None = None,
    q: Annotated[str | None, Query(description="Part of the value or label.")] = None,
) -> Page[TokenOut]:
    found = await services.tokens.search(
        principal.organization_id,
        page,
        TokenFilter(status=status, type=type, group_id=group_id, search=q),
    )
    return Page.of(found.items, found.next_cursor, TokenOut.model_validate)


@router.post("", response_model=TokenOut, status_code=201)
async def create_token(body: TokenIn, services: ServicesDep, principal: PrincipalDep) -> TokenOut:
    token = await services.tokens.create(principal.organization_id, TokenInput(**body.model_dump()))
    return TokenOut.model_validate(token)


@router.get("/{token_id}", response_model=TokenOut)
async def get_token(token_id: Id, services: ServicesDep, principal: PrincipalDep) -> TokenOut:
    return TokenOut.model_validate(await services.tokens.get(principal.organization_id, token_id))


@router.patch("/{token_id}", response_model=TokenOut)
async def update_token(
    token_id: Id, body: TokenPatch, services: ServicesDep, principal: PrincipalDep
) -> TokenOut:
    token = await services.tokens.update(
        principal.organization_id, token_id, body.model_dump(exclude_unset=True)
    )
    return TokenOut.model_validate(token)


@router.delete("/{token_id}", status_code=204)
async def delete_token(token_id: Id, services: ServicesDep, principal: PrincipalDep) -> Response:
    await services.tokens.delete(principal.organization_id, token_id)
    return Response(status_code=204)
