"""The audit log: who did what, to which record, when and from where. Entries are only ever
added; nothing in Kilowatt changes or removes one."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from kilowatt.domain.users import ActorKind, Principal

REDACTED = "[redacted]"

# Field names whose values never reach the log: passwords, secrets, keys, hashes.
_SECRET_NAME = re.compile(
    r"(password|passwd|secret|private|passphrase|credential|hash|api_?key|authorization_?key"
    r"|csrf|session)",
    re.IGNORECASE,
)
# Configuration keys / device-model variables whose *value* is a secret (OCPP 1.6
# ChangeConfiguration AuthorizationKey, 2.0.1 SetVariables SecurityCtrlr.BasicAuthPassword).
_SECRET_SETTING = re.compile(r"(authorizationkey|basicauthpassword|password|secret)", re.I)
_SETTING_NAMES = ("key", "name", "variable", "component")
MAX_TEXT = 500


class AuditAction(StrEnum):
    """Actions that are not "<object type>.<create|update|delete>" or a command."""

    LOGIN = "login"
    LOGIN_FAILED = "login.failed"
    LOGIN_THROTTLED = "login.throttled"
    LOGOUT = "logout"
    UNAUTHORIZED = "access.unauthorized"
    """A request without a valid API key (401)."""
    FORBIDDEN = "access.forbidden"
    """A request whose caller lacks a permission it needs (403)."""


@dataclass(frozen=True, slots=True)
class AuditEntry:
    at: datetime
    action: str
    """``site.create``, ``station.update``, ``command.reset``, ``login.failed``..."""
    actor_type: ActorKind
    actor_name: str
    object_type: str
    object_id: str
    organization_id: int | None = None
    """None only for what cannot be attributed (a failed login with an unknown email)."""
    actor_id: int | None = None
    changes: Mapping[str, Any] = field(default_factory=dict)
    client_address: str | None = None
    id: int | None = None


def _secret_setting(value: Mapping[str, Any]) -> bool:
    return any(
        isinstance(value.get(name), str) and _SECRET_SETTING.search(value[name])
        for name in _SETTING_NAMES
    )


def redact(value: Any, *, depth: int = 0) -> Any:
    """A copy of ``value`` fit for the log: secret fields replaced, long text cut."""
    if depth > 8:
        return REDACTED
    if isinstance(value, Mapping):
        hide_value = _secret_setting(value)
        out: dict[str, Any] = {}
        for key, item in value.items():
            name = str(key)
            if _SECRET_NAME.search(name) or (hide_value and name == "value"):
                out[name] = REDACTED
            else:
                out[name] = redact(item, depth=depth + 1)
        return out
    if isinstance(value, list | tuple | set | frozenset):
        items = sorted(value) if isinstance(value, set | frozenset) else value
        return [redact(item, depth=depth + 1) for item in items]
    if isinstance(value, str) and len(value) > MAX_TEXT:
        return value[:MAX_TEXT] + "…"
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, datetime):
        return value.isoformat()
    return str(getattr(value, "value", value))


def changes_of(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, Any]:
    """``{field: [old, new]}`` for each field that changed, redacted."""
    changed = {
        name: [before.get(name), value]
        for name, value in after.items()
        if before.get(name) != value
    }
    result: dict[str, Any] = redact(changed)
    return result


def entry(
    principal: Principal,
    at: datetime,
    action: str,
    object_type: str,
    object_id: object,
    changes: Mapping[str, Any] | None = None,
) -> AuditEntry:
    return AuditEntry(
        at=at,
        action=action,
        organization_id=principal.organization_id,
        actor_type=principal.kind,
        actor_id=principal.actor_id,
        actor_name=principal.name,
        object_type=object_type,
        object_id="" if object_id is None else str(object_id),
        changes=redact(dict(changes or {})),
        client_address=principal.address,
    )
