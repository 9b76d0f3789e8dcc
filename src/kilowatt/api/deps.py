"""Request-scoped dependencies: the services and the authenticated caller."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from kilowatt.api.schemas.common import MAX_INT
from kilowatt.domain.paging import MAX_PAGE, PageRequest
from kilowatt.domain.users import Principal
from kilowatt.services.container import Services

_bearer = HTTPBearer(auto_error=False, description="An API key from `kilowatt apikey create`.")


def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


async def get_principal(
    services: Annotated[Services, Depends(get_services)],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise HTTPException(
            401, "send an API key as 'Authorization: Bearer <key>'", {"WWW-Authenticate": "Bearer"}
        )
    principal = await services.users.authenticate_key(credentials.credentials)
    if principal is None:
        raise HTTPException(401, "unknown or revoked API key", {"WWW-Authenticate": "Bearer"})
    return principal


def get_page(
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE, description="Items per page.")] = 50,
    cursor: Annotated[
        int | None, Query(ge=0, le=MAX_INT, description="`next_cursor` of the previous page.")
    ] = None,
) -> PageRequest:
    return PageRequest(limit=limit, cursor=cursor)


ServicesDep = Annotated[Services, Depends(get_services)]
PrincipalDep = Annotated[Principal, Depends(get_principal)]
PageDep = Annotated[PageRequest, Depends(get_page)]
