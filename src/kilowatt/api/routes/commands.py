"""POST /stations/{id}/commands/{operation}: one route per operation, each with its own body,
so that the OpenAPI document describes every command."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from kilowatt.api.deps import AssetsRead, PageDep, ServicesDep, require
from kilowatt.api.schemas.commands import BODIES, CommandOut, StartOut, params_of
from kilowatt.api.schemas.common import Id, Page, Schema
from kilowatt.domain.command_params import encode_params
from kilowatt.domain.commands import Command, Operation
from kilowatt.domain.permissions import command_permissions
from kilowatt.domain.remote_start import summary, window_of
from kilowatt.domain.stations import OcppId
from kilowatt.domain.users import Principal

router = APIRouter(tags=["commands"])

Wait = Annotated[
    float,
    Query(
        ge=0,
        le=300,
        description="Seconds to wait for the outcome; 0 returns at once. The command goes on "
        "either way: 200 when it finished, 202 while it is still queued or sent.",
    ),
]
Timeout = Annotated[
    float | None,
    Query(gt=0, le=600, description="Seconds the station has to answer (default: settings)."),
]


def out(command: Command) -> CommandOut:
    assert command.id is not None
    return CommandOut(
        id=command.id,
        station_id=command.station_ocpp_id,
        operation=command.operation,
        params=encode_params(command.params),
        status=command.status,
        requested_by=command.requested_by,
        action=command.action,
        request=command.request,
        response=command.response,
        result=command.result,
        error=command.error,
        timeout=command.timeout,
        created_at=command.created_at,
        sent_at=command.sent_at,
        completed_at=command.completed_at,
        start=_start(command),
    )


def _start(command: Command) -> StartOut | None:
    if command.start_outcome is None:
        return None
    return StartOut(
        outcome=command.start_outcome,
        transaction_id=command.start_transaction_id,
        authorization_status=command.start_status,
        window=window_of(command),
        deadline=command.start_deadline,
        detail=summary(command),
    )


def _endpoint(
    operation: Operation, body_type: type[Schema]
) -> Callable[..., Awaitable[CommandOut]]:
    async def send(
        station_id: str,
        body: Schema,
        response: Response,
        services: ServicesDep,
        principal: Principal,
        wait: Wait = 30.0,
        timeout: Timeout = None,
    ) -> CommandOut:
        command = await services.commands.execute(
            principal,
            OcppId(station_id),
            params_of(operation, body),
            f"api:{principal.name}",
            wait=wait,
            timeout=timeout,
        )
        response.status_code = 200 if command.done else 202
        return out(command)

    # Each route gets its own body model (and its own schema in the OpenAPI document).
    send.__annotations__["body"] = body_type
    # ...and its own permissions (firmware and diagnostics also need firmware:manage).
    send.__annotations__["principal"] = Annotated[
        Principal, Depends(require(*sorted(command_permissions(operation))))
    ]
    send.__name__ = f"command_{operation.value}"
    send.__doc__ = f"Send `{operation.value}` to the station (translated for its OCPP version)."
    return send


for _operation, _body in BODIES.items():
    router.add_api_route(
        f"/stations/{{station_id}}/commands/{_operation.value.replace('_', '-')}",
        _endpoint(_operation, _body),
        methods=["POST"],
        response_model=CommandOut,
        responses={
            202: {"description": "Still running", "model": CommandOut},
            409: {"description": "The station is not connected"},
        },
        name=f"command_{_operation.value}",
    )


@router.get("/stations/{station_id}/commands", response_model=Page[CommandOut])
async def station_commands(
    station_id: str, services: ServicesDep, principal: AssetsRead, page: PageDep
) -> Page[CommandOut]:
    """Commands sent to a station, newest first."""
    found = await services.commands.search(principal, page, station_id)
    return Page.of(found.items, found.next_cursor, out)


@router.get("/commands/{command_id}", response_model=CommandOut)
async def get_command(command_id: Id, services: ServicesDep, principal: AssetsRead) -> CommandOut:
    return out(await services.commands.get(principal, command_id))
