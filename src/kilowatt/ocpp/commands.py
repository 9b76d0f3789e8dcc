"""Version-neutral commands ⇄ OCPP CALLs: the shared part of each version's translation table
(v16/commands.py, v201/commands.py)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from kilowatt.domain.commands import CommandStatus, Outcome

Payload = dict[str, Any]

# Answers that mean "yes" (possibly "yes, later": Scheduled, RebootRequired...).
ACCEPTING = frozenset(
    {
        "Accepted",
        "AcceptedCanceled",
        "Unlocked",
        "Scheduled",
        "RebootRequired",
        "NoProfiles",
        "EmptyResultSet",
    }
)


@dataclass(frozen=True, slots=True)
class Translation:
    """How one operation becomes a CALL of one version, and how its answer reads."""

    action: str
    build: Callable[[Payload, int], Payload]
    """(neutral params, command id) → CALL payload. The command id doubles as the requestId /
    remoteStartId of 2.0.1 requests, so that later notifications point back to it."""
    read: Callable[[Payload, Payload], Outcome] | None = None
    """(params, answer) → outcome; by default the answer's ``status`` decides."""

    def outcome(self, params: Payload, answer: Payload) -> Outcome:
        if self.read is not None:
            return self.read(params, answer)
        return by_status(answer)


def by_status(answer: Payload, data: Payload | None = None) -> Outcome:
    status = answer.get("status")
    if status is None or status in ACCEPTING:
        return Outcome(CommandStatus.ACCEPTED, answer, data=data or {})
    info = answer.get("statusInfo") or {}
    reason = f"{status}" + (f" ({info['reasonCode']})" if info.get("reasonCode") else "")
    return Outcome(
        CommandStatus.REJECTED, answer, error=f"station answered {reason}", data=data or {}
    )


def timestamp(value: Any) -> str:
    """A neutral ISO 8601 time as an OCPP dateTime (UTC, milliseconds, Z)."""
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def optional(payload: Payload, **fields: Any) -> Payload:
    """``payload`` plus the fields that have a value."""
    payload.update({key: value for key, value in fields.items() if value is not None})
    return payload
