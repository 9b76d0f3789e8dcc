"""OCPP-J frames: decode, encode, and the error codes of each protocol version.

This is our own codec (see docs/adr/0002-own-ocpp-router.md): orjson for parsing and
fastjsonschema validators compiled from the official schemas, no per-message key-case
conversion. Handlers see plain dicts with the spec's camelCase keys.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum, IntEnum
from typing import Any

import orjson

from kilowatt.domain.stations import ProtocolVersion

MAX_UNIQUE_ID = 36


class MessageType(IntEnum):
    CALL = 2
    CALL_RESULT = 3
    CALL_ERROR = 4


class ErrorKind(Enum):
    """Version-neutral error kinds; ``code_for`` spells them per version."""

    FORMAT = "FormatViolation"
    OCCURRENCE = "OccurrenceConstraintViolation"
    TYPE = "TypeConstraintViolation"
    PROPERTY = "PropertyConstraintViolation"
    PROTOCOL = "ProtocolError"
    NOT_IMPLEMENTED = "NotImplemented"
    NOT_SUPPORTED = "NotSupported"
    INTERNAL = "InternalError"
    SECURITY = "SecurityError"
    GENERIC = "GenericError"
    MESSAGE_TYPE = "MessageTypeNotSupported"
    RPC_FRAMEWORK = "RpcFrameworkError"


# OCPP 1.6 keeps two misspellings (errata 5.1, 5.2) and lacks the 2.0.1 framework errors.
_CODES_16 = {
    ErrorKind.FORMAT: "FormationViolation",
    ErrorKind.OCCURRENCE: "OccurenceConstraintViolation",
    ErrorKind.MESSAGE_TYPE: "FormationViolation",
    ErrorKind.RPC_FRAMEWORK: "FormationViolation",
}


def code_for(kind: ErrorKind, version: ProtocolVersion) -> str:
    if version is ProtocolVersion.OCPP16:
        return _CODES_16.get(kind, kind.value)
    return kind.value


@dataclass(slots=True)
class RpcError(Exception):
    """A frame or payload we must answer with a CALLERROR (when ``unique_id`` is known)."""

    kind: ErrorKind
    description: str
    unique_id: str | None = None
    details: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.kind.value}: {self.description}"


@dataclass(frozen=True, slots=True)
class Call:
    unique_id: str
    action: str
    payload: dict[str, Any]


@dataclass(frozen=True, slots=True)
class CallResult:
    unique_id: str
    payload: dict[str, Any]


@dataclass(frozen=True, slots=True)
class CallError:
    unique_id: str
    code: str
    description: str
    details: dict[str, Any]


Frame = Call | CallResult | CallError


def decode(text: str | bytes) -> Frame:
    """Parse one frame. Raises RpcError; its ``unique_id`` is "-1" when none could be read
    (the 2.0.1 rule, which we apply to 1.6 too) and None for a malformed reply, which is
    never answered."""
    try:
        message = orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        raise RpcError(ErrorKind.RPC_FRAMEWORK, f"not valid JSON: {exc}", "-1") from None
    if not isinstance(message, list) or not message:
        raise RpcError(ErrorKind.RPC_FRAMEWORK, "a frame is a non-empty JSON array", "-1")
    type_id = message[0]
    raw_id = message[1] if len(message) > 1 else None
    unique_id = raw_id if isinstance(raw_id, str) and 0 < len(raw_id) <= MAX_UNIQUE_ID else None
    if type_id == MessageType.CALL:
        reply_to = unique_id or "-1"
        if unique_id is None:
            raise RpcError(
                ErrorKind.RPC_FRAMEWORK, "messageId must be a string of 1 to 36 characters", "-1"
            )
        if len(message) != 4 or not isinstance(message[2], str):
            raise RpcError(
                ErrorKind.RPC_FRAMEWORK,
                "a CALL is [2, messageId, action, payload]",
                reply_to,
            )
        if not isinstance(message[3], dict):
            raise RpcError(ErrorKind.FORMAT, "the payload of a CALL is a JSON object", reply_to)
        return Call(unique_id, message[2], message[3])
    if type_id == MessageType.CALL_RESULT:
        if unique_id is None or len(message) != 3 or not isinstance(message[2], dict):
            raise RpcError(ErrorKind.RPC_FRAMEWORK, "a CALLRESULT is [3, messageId, payload]")
        return CallResult(unique_id, message[2])
    if type_id == MessageType.CALL_ERROR:
        if (
            unique_id is None
            or len(message) != 5
            or not isinstance(message[2], str)
            or not isinstance(message[3], str)
            or not isinstance(message[4], dict)
        ):
            raise RpcError(
                ErrorKind.RPC_FRAMEWORK,
                "a CALLERROR is [4, messageId, errorCode, errorDescription, errorDetails]",
            )
        return CallError(unique_id, message[2], message[3], message[4])
    raise RpcError(ErrorKind.MESSAGE_TYPE, f"unknown MessageTypeId {type_id!r}", unique_id or "-1")


def encode_call(unique_id: str, action: str, payload: dict[str, Any]) -> str:
    return orjson.dumps([MessageType.CALL, unique_id, action, payload]).decode()


def encode_result(unique_id: str, payload: dict[str, Any]) -> str:
    return orjson.dumps([MessageType.CALL_RESULT, unique_id, payload]).decode()


def encode_error(
    unique_id: str,
    code: str,
    description: str,
    details: dict[str, Any] | None = None,
) -> str:
    # errorDescription is at most 255 characters in 2.0.1; keep 1.6 to the same.
    return orjson.dumps(
        [MessageType.CALL_ERROR, unique_id, code, description[:255], details or {}]
    ).decode()
