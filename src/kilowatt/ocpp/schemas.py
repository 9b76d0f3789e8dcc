"""Payload validators compiled once from the official JSON schemas shipped with ``ocpp``.

fastjsonschema turns each schema into Python code; validating a frame then costs a few
microseconds instead of jsonschema's interpretation of the schema on every message.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import cache
from importlib import resources
from typing import Any

import fastjsonschema

from kilowatt.domain.stations import ProtocolVersion
from kilowatt.ocpp.rpc import ErrorKind, RpcError

Validator = Callable[[dict[str, Any]], Any]

_FOLDERS = {ProtocolVersion.OCPP16: "v16", ProtocolVersion.OCPP201: "v201"}

# How a failed schema rule is reported to the station.
_RULE_KINDS = {
    "type": ErrorKind.TYPE,
    "format": ErrorKind.TYPE,
    "maxLength": ErrorKind.TYPE,
    "minLength": ErrorKind.TYPE,
    "required": ErrorKind.OCCURRENCE,
    "minItems": ErrorKind.OCCURRENCE,
    "maxItems": ErrorKind.OCCURRENCE,
    "additionalProperties": ErrorKind.FORMAT,
    "enum": ErrorKind.PROPERTY,
    "minimum": ErrorKind.PROPERTY,
    "maximum": ErrorKind.PROPERTY,
    "exclusiveMinimum": ErrorKind.PROPERTY,
    "exclusiveMaximum": ErrorKind.PROPERTY,
    "multipleOf": ErrorKind.PROPERTY,
    "pattern": ErrorKind.PROPERTY,
}


def _schema_dir(version: ProtocolVersion) -> Any:
    return resources.files("ocpp") / _FOLDERS[version] / "schemas"


def _file_name(version: ProtocolVersion, action: str, response: bool) -> str:
    if response:
        return f"{action}Response.json"
    return f"{action}.json" if version is ProtocolVersion.OCPP16 else f"{action}Request.json"


@cache
def actions(version: ProtocolVersion) -> frozenset[str]:
    """Every action the version defines, in either direction."""
    names = set()
    for entry in _schema_dir(version).iterdir():
        name = entry.name
        if name.endswith("Response.json"):
            names.add(name.removesuffix("Response.json"))
    return frozenset(names)


@cache
def validator(version: ProtocolVersion, action: str, response: bool) -> Validator | None:
    path = _schema_dir(version) / _file_name(version, action, response)
    if not path.is_file():
        return None
    schema = json.loads(path.read_text(encoding="utf-8-sig"))
    # use_default=False: validating must not write the schema's defaults into the payload,
    # which is stored and logged as the station sent it.
    compiled: Validator = fastjsonschema.compile(schema, use_default=False)
    return compiled


def check(
    version: ProtocolVersion, action: str, payload: dict[str, Any], *, response: bool
) -> None:
    """Raise RpcError (without a unique id) when ``payload`` breaks the schema."""
    validate = validator(version, action, response)
    if validate is None:
        return
    try:
        validate(payload)
    except fastjsonschema.JsonSchemaValueException as exc:
        kind = _RULE_KINDS.get(exc.rule or "", ErrorKind.FORMAT)
        where = (exc.name or "data").removeprefix("data").lstrip(".") or "payload"
        message = exc.message.removeprefix("data.").removeprefix("data ")
        if message == exc.message:
            message = f"{where}: {message}"
        elif where == "payload":
            message = f"payload {message}"
        raise RpcError(kind, message, details={"field": where}) from None
