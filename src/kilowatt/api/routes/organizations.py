"""Organizations: the caller's own, and new ones (an owner's right)."""

from __future__ import annotations

from fastapi import APIRouter

from kilowatt.api.deps import AssetsRead, OrganizationsCreate, ServicesDep, UsersManage
from kilowatt.api.routes.users import issued_out
from kilowatt.api.schemas.users import (
    NewOrganizationOut,
    OrganizationIn,
    OrganizationOut,
    OrganizationPatch,
    UserOut,
)
from kilowatt.domain.errors import InvalidInput
from kilowatt.domain.users import Role
from kilowatt.services.users import UserInput

router = APIRouter(prefix="/organizations", tags=["organizations"])


@router.get("/current", response_model=OrganizationOut)
async def current_organization(services: ServicesDep, principal: AssetsRead) -> OrganizationOut:
    """The organization the caller acts in."""
    return OrganizationOut.model_validate(
        await services.organizations.get(principal.organization_id)
    )


@router.patch("/current", response_model=OrganizationOut, responses={403: {}})
async def update_current_organization(
    body: OrganizationPatch, services: ServicesDep, principal: UsersManage
) -> OrganizationOut:
    """The organization's settings: whether its owners and admins must sign in with two
    factors."""
    return OrganizationOut.model_validate(
        await services.organizations.require_two_factor(principal, body.require_two_factor)
    )


@router.post("", response_model=NewOrganizationOut, status_code=201, responses={409: {}})
async def create_organization(
    body: OrganizationIn, services: ServicesDep, principal: OrganizationsCreate
) -> NewOrganizationOut:
    """A new, separate organization, with an owner API key (in this answer only) and, with
    `owner_email` and `owner_password`, its first owner's account. The caller gets no access
    to it beyond what it is handed here."""
    if (body.owner_email is None) != (body.owner_password is None):
        raise InvalidInput("owner_password", "give owner_email and owner_password together")
    owner = None
    if body.owner_email is not None and body.owner_password is not None:
        owner = UserInput(
            email=body.owner_email,
            password=body.owner_password,
            role=Role.OWNER,
            name=body.owner_name,
        )
    created = await services.users.create_organization(body.name, principal, owner=owner)
    assert created.owner_key is not None
    return NewOrganizationOut(
        **OrganizationOut.model_validate(created.organization).model_dump(),
        owner_key=issued_out(created.owner_key),
        owner=UserOut.model_validate(created.owner) if created.owner is not None else None,
    )
