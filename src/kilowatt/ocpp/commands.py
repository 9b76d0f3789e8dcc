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
    secret: bool = False
    """The CALL carries a new station password: the node holding the socket makes one just
    before sending (params[SECRET]); it is never recorded with the command."""
    redact: Callable[[Payload], Payload] | None = None
    """The CALL as the command record and the message log keep it, its secret hidden."""

    def outcome(self, params: Payload, answer: Payload) -> Outcome:
        if self.read is not None:
            return self.read(params, answer)
        return by_status(answer)

    def shown(self, payload: Payload) -> Payload:
        return payload if self.redact is None else self.redact(payload)


SECRET = "password"  # noqa: S105 (a params key)
"""The params key the gateway puts a station's new password under (never stored)."""
REDACTED = "[redacted]"


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


def get_log(params: Payload, command_id: int) -> Payload:
    """GetLog, the same in 2.0.1 and in the 1.6 security extension."""
    log = optional(
        {"remoteLocation": params["location"]},
        oldestTimestamp=timestamp(params["start"]) if params.get("start") else None,
        latestTimestamp=timestamp(params["stop"]) if params.get("stop") else None,
    )
    return optional(
        {
            "logType": params.get("log_type") or "DiagnosticsLog",
            "requestId": command_id,
            "log": log,
        },
        retries=params.get("retries"),
        retryInterval=params.get("retry_interval"),
    )


def log_read(params: Payload, answer: Payload) -> Outcome:
    return by_status(answer, {"file_name": answer.get("filename")})


HASH_FIELDS = (
    ("hashAlgorithm", "hash_algorithm"),
    ("issuerNameHash", "issuer_name_hash"),
    ("issuerKeyHash", "issuer_key_hash"),
    ("serialNumber", "serial_number"),
)


def certificate_hash(params: Payload) -> Payload:
    """CertificateHashDataType, the same in both versions."""
    return {ocpp: params[neutral] for ocpp, neutral in HASH_FIELDS}


def neutral_hash(data: Payload, certificate_type: str | None) -> Payload:
    return {
        "certificate_type": certificate_type,
        **{neutral: data.get(ocpp) for ocpp, neutral in HASH_FIELDS},
    }


def signed_firmware(params: Payload) -> Payload:
    """The ``firmware`` of a signed update (1.6 SignedUpdateFirmware, 2.0.1 UpdateFirmware):
    the image's signing certificate and signature are required."""
    if not params.get("signing_certificate") or not params.get("signature"):
        raise ValueError(
            "the firmware image has no signing certificate and signature: upload them with it"
        )
    return optional(
        {
            "location": params["location"],
            "retrieveDateTime": timestamp(params["retrieve_at"]),
            "signingCertificate": params["signing_certificate"],
            "signature": params["signature"],
        },
        installDateTime=timestamp(params["install_at"]) if params.get("install_at") else None,
    )
