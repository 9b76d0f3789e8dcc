"""Operator accounts and API keys of the caller's organization (users:manage)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from kilowatt.api.deps import PageDep, ServicesDep, UsersManage
from kilowatt.api.schemas.common import Id, Page
from kilowatt.api.schemas.users import (
    ApiKeyIn,
    ApiKeyOut,
    IssuedKeyOut,
    UserIn,
    UserOut,
    UserPatch,
)
from kilowatt.domain.users import ApiKey, Role
from kilowatt.services.ports import UserFilter
from kilowatt.services.users import ApiKeyInput, IssuedKey, UserInput

router = APIRouter(tags=["users and API keys"])


def key_out(key: ApiKey) -> ApiKeyOut:
    return ApiKeyOut.model_validate(key)


def issued_out(issued: IssuedKey) -> IssuedKeyOut:
    return IssuedKeyOut(**key_out(issued.key).model_dump(), secret=issued.secret)


@router.get("/users", response_model=Page[UserOut])
async def list_users(
    services: ServicesDep,
    principal: UsersManage,
    page: PageDep,
    role: Role | None = None,
    active: bool | None = None,
    q: Annotated[str | None, Query(description="Part of the email or name.")] = None,
) -> Page[UserOut]:
    found = await services.users.search(
        principal, page, UserFilter(role=role, active=active, search=q)
    )
    return Page.of(found.items, found.next_cursor, UserOut.model_validate)


@router.post("/users", response_model=UserOut, status_code=201, responses={403: {}, 409: {}})
async def create_user(body: UserIn, services: ServicesDep, principal: UsersManage) -> UserOut:
    """An operator account with a role, optionally limited to some sites. Only an owner
    makes owners."""
    user = await services.users.create(principal, UserInput(**body.model_dump()))
    return UserOut.model_validate(user)


@router.get("/users/{user_id}", response_model=UserOut)
async def get_user(user_id: Id, services: ServicesDep, principal: UsersManage) -> UserOut:
    return UserOut.model_validate(await services.users.get(principal, user_id))


@router.patch("/users/{user_id}", response_model=UserOut, responses={403: {}, 409: {}})
async def update_user(
    user_id: Id, body: UserPatch, services: ServicesDep, principal: UsersManage
) -> UserOut:
    """Change the name, role, sites, password, or deactivate (`is_active: false`)."""
    user = await services.users.update(principal, user_id, body.model_dump(exclude_unset=True))
    return UserOut.model_validate(user)


@router.delete("/users/{user_id}", status_code=204, responses={403: {}, 409: {}})
async def delete_user(user_id: Id, services: ServicesDep, principal: UsersManage) -> Response:
    """Remove the account (its audit entries stay). The last owner cannot be removed."""
    await services.users.delete(principal, user_id)
    return Response(status_code=204)


@router.delete("/users/{user_id}/two-factor", response_model=UserOut, responses={403: {}})
async def reset_two_factor(user_id: Id, services: ServicesDep, principal: UsersManage) -> UserOut:
    """Turn off the account's two-factor sign-in (a lost phone and lost recovery codes): its
    sessions end; it signs in with its password and sets two-factor sign-in up again."""
    return UserOut.model_validate(await services.two_factor.reset(principal, user_id))


@router.get("/api-keys", response_model=Page[ApiKeyOut])
async def list_api_keys(
    services: ServicesDep,
    principal: UsersManage,
    page: PageDep,
    revoked: Annotated[bool | None, Query(description="Only revoked, or only active.")] = None,
) -> Page[ApiKeyOut]:
    """The organization's keys, without their secrets."""
    found = await services.users.search_keys(principal, page, revoked)
    return Page.of(found.items, found.next_cursor, key_out)


@router.post("/api-keys", response_model=IssuedKeyOut, status_code=201, responses={403: {}})
async def create_api_key(
    body: ApiKeyIn, services: ServicesDep, principal: UsersManage
) -> IssuedKeyOut:
    """A key with a role (and optionally some sites). Its `secret` is in this answer only."""
    issued = await services.users.issue_key(principal, ApiKeyInput(**body.model_dump()))
    return issued_out(issued)


@router.get("/api-keys/{key_id}", response_model=ApiKeyOut)
async def get_api_key(key_id: Id, services: ServicesDep, principal: UsersManage) -> ApiKeyOut:
    return key_out(await services.users.get_key(principal, key_id))


@router.delete("/api-keys/{key_id}", status_code=204, responses={403: {}})
async def revoke_api_key(key_id: Id, services: ServicesDep, principal: UsersManage) -> Response:
    """Revoke the key: from now on it is refused with 401. It stays listed, as revoked."""
    await services.users.revoke_key(principal, key_id)
    return Response(status_code=204)
