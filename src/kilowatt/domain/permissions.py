"""What each operator role may do. One table, read by every edge (API, web, CLI)."""

from __future__ import annotations

from enum import StrEnum

from kilowatt.domain.users import Role


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
    FINANCE_MANAGE = "finance:manage"
    """Tariffs, wallets, invoices."""


_READ = {
    Permission.ASSETS_READ,
    Permission.TOKENS_READ,
    Permission.SESSIONS_READ,
}

GRANTS: dict[Role, frozenset[Permission]] = {
    Role.OWNER: frozenset(Permission),
    Role.ADMIN: frozenset(Permission),
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


def allows(role: Role, permission: Permission) -> bool:
    return permission in GRANTS[role]


def may_grant(granter: Role, role: Role) -> bool:
    """Only an owner makes owners; an admin makes anyone else; nobody else makes accounts."""
    if granter is Role.OWNER:
        return True
    return granter is Role.ADMIN and role is not Role.OWNER
