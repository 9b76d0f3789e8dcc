"""Request-scoped dependencies: the services, the authenticated caller and what it may do."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, HTTPException, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from kilowatt.api.schemas.common import MAX_INT
from kilowatt.clients import Network, client_address
from kilowatt.domain.paging import MAX_PAGE, PageRequest
from kilowatt.domain.permissions import Permission, allows
from kilowatt.domain.users import Principal
from kilowatt.services.container import Services

_bearer = HTTPBearer(auto_error=False, description="An API key from `kilowatt apikey create`.")


def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


def trusted_proxies(request: Request) -> list[Network]:
    state = request.app.state
    networks: list[Network] | None = getattr(state, "trusted_proxy_networks", None)
    if networks is None:
        container = getattr(state, "container", None)
        networks = container.settings.trusted_proxy_networks if container is not None else []
        state.trusted_proxy_networks = networks
    return networks


def request_address(request: Request) -> str | None:
    """The client's address (X-Forwarded-For believed only from a trusted proxy)."""
    peer = request.client.host if request.client else None
    return client_address(peer, request.headers.get("x-forwarded-for"), trusted_proxies(request))


def route_of(request: Request) -> str:
    """``METHOD /path`` of a request, for the audit log."""
    return f"{request.method} {request.url.path}"


async def get_principal(
    request: Request,
    services: Annotated[Services, Depends(get_services)],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """The caller of an API key; 401 otherwise (recorded in the audit log, sampled)."""
    address = request_address(request)
    if credentials is None or credentials.scheme.lower() != "bearer":
        await services.audit.unauthorized(None, address, route_of(request))
        raise HTTPException(
            401, "send an API key as 'Authorization: Bearer <key>'", {"WWW-Authenticate": "Bearer"}
        )
    principal = await services.users.authenticate_key(credentials.credentials, address)
    if principal is None:
        await services.audit.unauthorized(credentials.credentials, address, route_of(request))
        raise HTTPException(401, "unknown or revoked API key", {"WWW-Authenticate": "Bearer"})
    return principal


def require(*permissions: Permission) -> Callable[..., Awaitable[Principal]]:
    """A dependency: the caller, if its role grants every one of ``permissions`` (a caller
    limited to some sites never holds the organization-wide ones); else 403 (recorded in the
    audit log, sampled)."""
    needed = tuple(permissions)

    async def check(
        request: Request,
        services: Annotated[Services, Depends(get_services)],
        principal: Annotated[Principal, Depends(get_principal)],
    ) -> Principal:
        missing = [p.value for p in needed if not allows(principal, p)]
        if missing:
            await services.audit.forbidden(principal, missing, route_of(request))
            scope = " limited to some sites" if principal.limited else ""
            raise HTTPException(
                403,
                f"role {principal.role.value}{scope} lacks the permission {', '.join(missing)}",
            )
        return principal

    check.__name__ = f"require_{'_'.join(p.name.lower() for p in needed)}"
    check.permissions = frozenset(needed)  # type: ignore[attr-defined]
    return check


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

AssetsRead = Annotated[Principal, Depends(require(Permission.ASSETS_READ))]
AssetsWrite = Annotated[Principal, Depends(require(Permission.ASSETS_WRITE))]
TokensRead = Annotated[Principal, Depends(require(Permission.TOKENS_READ))]
TokensWrite = Annotated[Principal, Depends(require(Permission.TOKENS_WRITE))]
SessionsRead = Annotated[Principal, Depends(require(Permission.SESSIONS_READ))]
MessagesRead = Annotated[Principal, Depends(require(Permission.MESSAGES_READ))]
FirmwareManage = Annotated[Principal, Depends(require(Permission.FIRMWARE_MANAGE))]
UsersManage = Annotated[Principal, Depends(require(Permission.USERS_MANAGE))]
AuditRead = Annotated[Principal, Depends(require(Permission.AUDIT_READ))]
OrganizationsCreate = Annotated[Principal, Depends(require(Permission.ORGANIZATIONS_CREATE))]
JobsManage = Annotated[Principal, Depends(require(Permission.JOBS_MANAGE))]
FinanceManage = Annotated[Principal, Depends(require(Permission.FINANCE_MANAGE))]
