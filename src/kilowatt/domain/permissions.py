"""What each operator role may do. One table, read by every edge (API, web, CLI)."""

from __future__ import annotations

from enum import StrEnum

from kilowatt.domain.commands import Operation
from kilowatt.domain.users import Principal, Role


class Permission(StrEnum):
    ASSETS_READ = "assets:read"
    """Sites, stations, connectors, their status, events and device model."""
    ASSETS_WRITE = "assets:write"
    TOKENS_READ = "tokens:read"
    """Id tokens, groups, drivers, access rules."""
    TOKENS_WRITE = "tokens:write"
    SESSIONS_READ = "sessions:read"
    """Transactions and their meter values."""
    COMMANDS_SEND = "commands:send"
    """Remote start/stop, reset, unlock, availability, configuration, reservations..."""
    FIRMWARE_MANAGE = "firmware:manage"
    """Firmware files and campaigns, diagnostics, vendor templates."""
    MESSAGES_READ = "messages:read"
    """The raw OCPP message log."""
    USERS_MANAGE = "users:manage"
    """Operator accounts and API keys."""
    AUDIT_READ = "audit:read"
    SECURITY_MANAGE = "security:manage"
    """Station credentials and certificates: password rotation, installing, deleting and
    listing certificates (as commands, besides commands:send)."""
    ORGANIZATIONS_CREATE = "organizations:create"
    """New organizations (tenants), each with its first owner."""
    FINANCE_MANAGE = "finance:manage"
    """Tariffs, wallets, invoices."""
    JOBS_MANAGE = "jobs:manage"
    """The installation's scheduled jobs (retention, firmware campaigns...): their runs, and a
    run now."""


_READ = {
    Permission.ASSETS_READ,
    Permission.TOKENS_READ,
    Permission.SESSIONS_READ,
}

GRANTS: dict[Role, frozenset[Permission]] = {
    Role.OWNER: frozenset(Permission),
    Role.ADMIN: frozenset(set(Permission) - {Permission.ORGANIZATIONS_CREATE}),
    Role.OPERATOR: frozenset(
        _READ
        | {
            Permission.ASSETS_WRITE,
            Permission.TOKENS_WRITE,
            Permission.COMMANDS_SEND,
            Permission.MESSAGES_READ,
        }
    ),
    Role.TECHNICIAN: frozenset(
        {
            Permission.ASSETS_READ,
            Permission.SESSIONS_READ,
            Permission.COMMANDS_SEND,
            Permission.FIRMWARE_MANAGE,
            Permission.MESSAGES_READ,
        }
    ),
    Role.FINANCE: frozenset(_READ | {Permission.FINANCE_MANAGE}),
    Role.VIEWER: frozenset(_READ),
}


ORGANIZATION_WIDE = frozenset(
    {
        Permission.USERS_MANAGE,
        Permission.AUDIT_READ,
        Permission.ORGANIZATIONS_CREATE,
        Permission.JOBS_MANAGE,
    }
)
"""Never held by a caller limited to some sites, whatever its role: accounts, keys and the audit
log span the whole organization (and jobs the whole installation)."""

FIRMWARE_OPERATIONS = frozenset(
    {
        Operation.UPDATE_FIRMWARE,
        Operation.SIGNED_UPDATE_FIRMWARE,
        Operation.GET_DIAGNOSTICS,
        Operation.GET_LOG,
    }
)
"""Commands that also need firmware:manage (they hand a station a firmware image or fetch its
logs), besides commands:send."""
SECURITY_OPERATIONS = frozenset(
    {
        "rotate_password",
        "install_certificate",
        "delete_certificate",
        "get_installed_certificate_ids",
    }
)
"""Commands (Operation values) that also need security:manage: they change or reveal what a
station trusts."""


def permissions_of(role: Role, *, limited: bool = False) -> frozenset[Permission]:
    granted = GRANTS[role]
    return granted - ORGANIZATION_WIDE if limited else granted


def allows(who: Role | Principal, permission: Permission) -> bool:
    if isinstance(who, Principal):
        return permission in permissions_of(who.role, limited=who.limited)
    return permission in GRANTS[who]


def command_permissions(operation: Operation) -> frozenset[Permission]:
    needed = {Permission.COMMANDS_SEND}
    if operation in FIRMWARE_OPERATIONS:
        needed.add(Permission.FIRMWARE_MANAGE)
    if operation.value in SECURITY_OPERATIONS:
        needed.add(Permission.SECURITY_MANAGE)
    return frozenset(needed)


def may_grant(granter: Role, role: Role) -> bool:
    """Only an owner makes owners; an admin makes anyone else; nobody else makes accounts."""
    if granter is Role.OWNER:
        return True
    return granter is Role.ADMIN and role is not Role.OWNER


def may_manage(granter: Role, holder: Role) -> bool:
    """Whether ``granter`` may change or remove an account or key that has role ``holder``:
    the same rule as making one (an admin leaves owners alone)."""
    return may_grant(granter, holder)
