"""Version-neutral commands ⇄ OCPP CALLs: the shared part of each version's translation table
(v16/commands.py, v201/commands.py)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

from kilowatt.domain.command_params import (
    CommandParams,
    DeleteCertificate,
    GetDiagnostics,
    UpdateFirmware,
)
from kilowatt.domain.commands import CommandId, CommandStatus, Outcome

Payload = dict[str, Any]
T = TypeVar("T")

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


P = TypeVar("P", bound=CommandParams)


@dataclass(frozen=True, slots=True)
class Translation(Generic[P]):
    """How one operation becomes a CALL of one version, and how its answer reads."""

    action: str
    build: Callable[[P, CommandId], Payload]
    """(neutral params, command id) → CALL payload. The command id doubles as the requestId /
    remoteStartId of 2.0.1 requests, so that later notifications point back to it. Raises
    InvalidInput naming the field of what the version cannot express, ValueError for the
    rest."""
    read: Callable[[P, Payload], Outcome] | None = None
    """(params, answer) → outcome; by default the answer's ``status`` decides."""
    with_secret: Callable[[str], Payload] | None = None
    """The CALL carries a new station password, which the node holding the socket makes just
    before sending; it is never recorded with the command (``build`` is then not used)."""
    redact: Callable[[Payload], Payload] | None = None
    """The CALL as the command record and the message log keep it, its secret hidden."""

    @property
    def secret(self) -> bool:
        return self.with_secret is not None

    def payload(self, params: P, command_id: CommandId, secret: str = "") -> Payload:
        if self.with_secret is not None:
            return self.with_secret(secret)
        return self.build(params, command_id)

    def outcome(self, params: P, answer: Payload) -> Outcome:
        if self.read is not None:
            return self.read(params, answer)
        return by_status(answer)

    def shown(self, payload: Payload) -> Payload:
        return payload if self.redact is None else self.redact(payload)


def no_payload(params: CommandParams, command_id: CommandId) -> Payload:
    """A CALL without fields (ClearCache, GetLocalListVersion) or made otherwise."""
    return {}


REDACTED = "[redacted]"


def needed(value: T | None, name: str) -> T:
    """A value a hook fills in (ValueError when it has not been)."""
    if value is None:
        raise ValueError(f"{name} is missing")
    return value


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


def get_log(params: GetDiagnostics, command_id: CommandId) -> Payload:
    """GetLog, the same in 2.0.1 and in the 1.6 security extension."""
    log = optional(
        {"remoteLocation": needed(params.location, "location")},
        oldestTimestamp=timestamp(params.start) if params.start else None,
        latestTimestamp=timestamp(params.stop) if params.stop else None,
    )
    return optional(
        {
            "logType": params.log_type or "DiagnosticsLog",
            "requestId": command_id,
            "log": log,
        },
        retries=params.retries,
        retryInterval=params.retry_interval,
    )


def log_read(params: GetDiagnostics, answer: Payload) -> Outcome:
    return by_status(answer, {"file_name": answer.get("filename")})


def certificate_hash(params: DeleteCertificate) -> Payload:
    """CertificateHashDataType, the same in both versions."""
    return {
        "hashAlgorithm": params.hash_algorithm,
        "issuerNameHash": params.issuer_name_hash,
        "issuerKeyHash": params.issuer_key_hash,
        "serialNumber": params.serial_number,
    }


def neutral_hash(data: Payload, certificate_type: str | None) -> Payload:
    return {
        "certificate_type": certificate_type,
        "hash_algorithm": data.get("hashAlgorithm"),
        "issuer_name_hash": data.get("issuerNameHash"),
        "issuer_key_hash": data.get("issuerKeyHash"),
        "serial_number": data.get("serialNumber"),
    }


def signed_firmware(params: UpdateFirmware) -> Payload:
    """The ``firmware`` of a signed update (1.6 SignedUpdateFirmware, 2.0.1 UpdateFirmware):
    the image's signing certificate and signature are required."""
    if not params.signing_certificate or not params.signature:
        raise ValueError(
            "the firmware image has no signing certificate and signature: upload them with it"
        )
    return optional(
        {
            "location": needed(params.location, "location"),
            "retrieveDateTime": timestamp(needed(params.retrieve_at, "retrieve_at")),
            "signingCertificate": params.signing_certificate,
            "signature": params.signature,
        },
        installDateTime=timestamp(params.install_at) if params.install_at else None,
    )


def data_transfer(
    vendor_id: str | None, message_id: str | None, data: Any, *, text: bool
) -> Payload:
    """DataTransfer; ``text``: the version's data is a string (1.6), so anything else travels
    as its JSON text (not Python's repr)."""
    if text and data is not None and not isinstance(data, str):
        data = json.dumps(data)
    return optional({"vendorId": needed(vendor_id, "vendor_id")}, messageId=message_id, data=data)


def data_read(params: CommandParams, answer: Payload) -> Outcome:
    return by_status(answer, {"data": answer.get("data")})
