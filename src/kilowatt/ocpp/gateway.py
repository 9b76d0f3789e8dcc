"""Commands reach the station's socket on this node: translated for its protocol version,
sent, and their progress recorded."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import structlog

from kilowatt.domain.command_params import CommandParams
from kilowatt.domain.commands import CommandId, CommandRequest, CommandStatus, Operation, Outcome
from kilowatt.domain.errors import DomainError, InvalidInput
from kilowatt.domain.station_security import PASSWORD_LENGTH
from kilowatt.domain.stations import OcppId, ProtocolVersion
from kilowatt.ocpp import schemas, v16, v201
from kilowatt.ocpp.commands import Translation
from kilowatt.ocpp.connection import CallFailed, ConnectionGone, OcppConnection
from kilowatt.ocpp.registry import ConnectionRegistry
from kilowatt.ocpp.rpc import RpcError
from kilowatt.services.container import Services

log = structlog.get_logger("kilowatt.ocpp")

TABLES: Mapping[ProtocolVersion, Mapping[Operation, Translation[Any]]] = {
    ProtocolVersion.OCPP16: v16.commands.COMMANDS,
    ProtocolVersion.OCPP201: v201.commands.COMMANDS,
}


class LocalGateway:
    """The StationGateway of a single node."""

    def __init__(self, registry: ConnectionRegistry, services: Services) -> None:
        self.registry = registry
        self.services = services

    async def is_online(self, ocpp_id: OcppId) -> bool:
        return self.registry.get(ocpp_id) is not None

    def check(self, protocol_version: str, params: CommandParams) -> None:
        version = ProtocolVersion(protocol_version)
        translation = TABLES[version].get(params.operation)
        if translation is None:
            raise InvalidInput(
                "operation", f"{params.operation.value} is not an OCPP {version.value} operation"
            )
        # A password is made when it is sent; any password of the right shape here.
        try:
            payload = translation.payload(params, CommandId(0), "0" * PASSWORD_LENGTH)
        except InvalidInput:
            raise  # what the version cannot express, the field named
        except ValueError as error:
            raise InvalidInput("params", f"cannot build {translation.action}: {error}") from None
        except (KeyError, TypeError) as error:
            raise InvalidInput("params", f"cannot build {translation.action}: {error!r}") from None
        try:
            schemas.check(version, translation.action, payload, response=False)
        except RpcError as error:
            raise InvalidInput(
                str(error.details.get("field") or "params"),
                f"not a valid OCPP {version.value} {translation.action}: {error.description}",
            ) from None

    async def execute(self, request: CommandRequest) -> Outcome:
        connection = self.registry.get(request.station_ocpp_id)
        if connection is None:
            outcome = Outcome(CommandStatus.FAILED, error="station is not connected")
        else:
            # One command at a time per station, its outcome recorded before the next is sent,
            # so that the record never shows two commands "sent" at once.
            async with connection.commands:
                outcome = await self._execute(request, connection)
                await self.services.commands.record_outcome(request.command_id, outcome)
            return outcome
        await self.services.commands.record_outcome(request.command_id, outcome)
        return outcome

    async def _execute(self, request: CommandRequest, connection: OcppConnection) -> Outcome:
        translation = TABLES[connection.version].get(request.operation)
        if translation is None:
            return Outcome(
                CommandStatus.FAILED,
                error=f"{request.operation.value} is not an OCPP "
                f"{connection.version.value} operation",
            )
        secret = ""
        if translation.secret:
            # The station's new password exists here, on the node holding its socket, and in
            # the CALL; the command record and the message log keep the redacted CALL.
            try:
                secret = await self.services.station_security.begin_rotation(request.command_id)
            except DomainError as error:
                return Outcome(CommandStatus.FAILED, error=str(error))
        try:
            payload = translation.payload(request.params, request.command_id, secret)
        except (DomainError, KeyError, TypeError, ValueError) as error:
            return Outcome(CommandStatus.FAILED, error=f"invalid parameters: {error!r}")
        shown = translation.shown(payload)
        remote = self.services.commands

        async def sent() -> None:
            await remote.record_sent(request.command_id, translation.action, shown)

        try:
            answer = await connection.call(
                translation.action,
                payload,
                timeout=request.timeout,
                on_sent=sent,
                logged=shown if shown is not payload else None,
            )
        except RpcError as error:
            return Outcome(CommandStatus.FAILED, error=f"invalid request: {error.description}")
        except CallFailed as error:
            return Outcome(
                CommandStatus.FAILED,
                error=f"station answered {error.code}: {error.description}",
                response={"errorCode": error.code, "errorDescription": error.description},
            )
        except TimeoutError:
            return Outcome(CommandStatus.TIMED_OUT, error=f"no answer within {request.timeout:g} s")
        except ConnectionGone:
            return Outcome(CommandStatus.FAILED, error="connection lost before the answer")
        return translation.outcome(request.params, answer)
