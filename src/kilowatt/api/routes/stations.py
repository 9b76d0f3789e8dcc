from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from kilowatt.api.deps import AssetsRead, AssetsWrite, MessagesRead, PageDep, ServicesDep
from kilowatt.api.routes.loads import profiles_out
from kilowatt.api.schemas.common import AwareDatetime, Id, Page
from kilowatt.api.schemas.messages import MessageOut
from kilowatt.api.schemas.stations import (
    ConnectorIn,
    ConnectorOut,
    ConnectorPatch,
    DeviceVariableOut,
    StationCreatedOut,
    StationDetailOut,
    StationEventOut,
    StationIn,
    StationOut,
    StationPatch,
    StatusChangeOut,
    connector_out,
)
from kilowatt.domain.events import Direction
from kilowatt.domain.station_security import authorization_key
from kilowatt.domain.stations import Connector, ConnectorSpec, RegistrationStatus
from kilowatt.domain.users import Principal
from kilowatt.services.container import Services
from kilowatt.services.ports import DeviceModelFilter, MessageFilter, StationFilter
from kilowatt.services.stations import StationDetail, StationInput

router = APIRouter(prefix="/stations", tags=["stations"])


def _detail(detail: StationDetail) -> StationDetailOut:
    out = StationOut.model_validate(detail.station).model_dump()
    online = detail.station.online
    return StationDetailOut(**out, connectors=[connector_out(c, online) for c in detail.connectors])


async def _connector_out(
    services: Services, principal: Principal, station_id: str, connector: Connector
) -> ConnectorOut:
    detail = await services.stations.get(principal, station_id)
    return connector_out(connector, detail.station.online)


def _spec(body: ConnectorIn) -> ConnectorSpec:
    return ConnectorSpec(**body.model_dump())


@router.get("", response_model=Page[StationOut])
async def list_stations(
    services: ServicesDep,
    principal: AssetsRead,
    page: PageDep,
    site_id: Id | None = None,
    online: bool | None = None,
    registration_status: RegistrationStatus | None = None,
    q: Annotated[str | None, Query(description="Part of the OCPP identity or name.")] = None,
) -> Page[StationOut]:
    found = await services.stations.search(
        principal,
        page,
        StationFilter(
            site_id=site_id, online=online, registration_status=registration_status, search=q
        ),
    )
    return Page.of(found.items, found.next_cursor, StationOut.model_validate)


@router.post("", response_model=StationCreatedOut, status_code=201)
async def register_station(
    body: StationIn, services: ServicesDep, principal: AssetsWrite
) -> StationCreatedOut:
    """Register a station. It is secure by default: security profile 1, with a random
    password that this answer carries once. Profile 0 (no authentication) only when the body
    says `"security_profile": 0`."""
    detail = await services.stations.create(
        principal,
        StationInput(
            ocpp_id=body.ocpp_id,
            site_id=body.site_id,
            name=body.name,
            registration_status=body.registration_status,
            connectors=[_spec(c) for c in body.connectors],
            access=body.access,
            security_profile=body.security_profile,
        ),
    )
    password = detail.password
    return StationCreatedOut(
        **_detail(detail).model_dump(),
        username=detail.station.ocpp_id,
        password=password,
        authorization_key=authorization_key(password) if password else None,
    )


@router.get("/{station_id}", response_model=StationDetailOut)
async def get_station(
    station_id: str, services: ServicesDep, principal: AssetsRead
) -> StationDetailOut:
    out = _detail(await services.stations.get(principal, station_id))
    record = await services.loads.failsafe.station(principal, station_id)
    out.load_profiles = None if record is None else profiles_out(record)
    return out


@router.patch("/{station_id}", response_model=StationDetailOut)
async def update_station(
    station_id: str, body: StationPatch, services: ServicesDep, principal: AssetsWrite
) -> StationDetailOut:
    detail = await services.stations.update(
        principal, station_id, body.model_dump(exclude_unset=True)
    )
    return _detail(detail)


@router.delete("/{station_id}", status_code=204)
async def delete_station(
    station_id: str, services: ServicesDep, principal: AssetsWrite
) -> Response:
    await services.stations.delete(principal, station_id)
    return Response(status_code=204)


@router.get("/{station_id}/connectors", response_model=list[ConnectorOut])
async def list_connectors(
    station_id: str, services: ServicesDep, principal: AssetsRead
) -> list[ConnectorOut]:
    detail = await services.stations.get(principal, station_id)
    return [connector_out(c, detail.station.online) for c in detail.connectors]


@router.post("/{station_id}/connectors", response_model=ConnectorOut, status_code=201)
async def add_connector(
    station_id: str, body: ConnectorIn, services: ServicesDep, principal: AssetsWrite
) -> ConnectorOut:
    connector = await services.stations.add_connector(principal, station_id, _spec(body))
    return await _connector_out(services, principal, station_id, connector)


@router.patch("/{station_id}/connectors/{evse_id}/{connector_id}", response_model=ConnectorOut)
async def update_connector(
    station_id: str,
    evse_id: Id,
    connector_id: Id,
    body: ConnectorPatch,
    services: ServicesDep,
    principal: AssetsWrite,
) -> ConnectorOut:
    connector = await services.stations.update_connector(
        principal,
        station_id,
        evse_id,
        connector_id,
        body.model_dump(exclude_unset=True),
    )
    return await _connector_out(services, principal, station_id, connector)


@router.delete("/{station_id}/connectors/{evse_id}/{connector_id}", status_code=204)
async def delete_connector(
    station_id: str,
    evse_id: Id,
    connector_id: Id,
    services: ServicesDep,
    principal: AssetsWrite,
) -> Response:
    await services.stations.delete_connector(principal, station_id, evse_id, connector_id)
    return Response(status_code=204)


@router.get(
    "/{station_id}/connectors/{evse_id}/{connector_id}/history",
    response_model=Page[StatusChangeOut],
)
async def connector_history(
    station_id: str,
    evse_id: Id,
    connector_id: Id,
    services: ServicesDep,
    principal: AssetsRead,
    page: PageDep,
) -> Page[StatusChangeOut]:
    found = await services.stations.status_history(
        principal, station_id, evse_id, connector_id, page
    )
    return Page.of(found.items, found.next_cursor, StatusChangeOut.model_validate)


@router.get("/{station_id}/events", response_model=Page[StationEventOut])
async def station_events(
    station_id: str,
    services: ServicesDep,
    principal: AssetsRead,
    page: PageDep,
    kind: str | None = None,
) -> Page[StationEventOut]:
    found = await services.stations.events(principal, station_id, page, kind)
    return Page.of(found.items, found.next_cursor, StationEventOut.model_validate)


@router.get("/{station_id}/messages", response_model=Page[MessageOut])
async def station_messages(
    station_id: str,
    services: ServicesDep,
    principal: MessagesRead,
    page: PageDep,
    action: str | None = None,
    direction: Direction | None = None,
    since: AwareDatetime | None = None,
    until: AwareDatetime | None = None,
) -> Page[MessageOut]:
    """The raw OCPP frames of a station, newest first."""
    found = await services.message_log.search(
        principal,
        station_id,
        page,
        MessageFilter(action=action, direction=direction, since=since, until=until),
    )
    return Page.of(found.items, found.next_cursor, MessageOut.of)


@router.get("/{station_id}/device-model", response_model=Page[DeviceVariableOut])
async def device_model(
    station_id: str,
    services: ServicesDep,
    principal: AssetsRead,
    page: PageDep,
    component: str | None = None,
    variable: str | None = None,
    evse_id: Id | None = None,
) -> Page[DeviceVariableOut]:
    """The components and variables a 2.0.1 station reported (NotifyReport)."""
    found = await services.device_model.search(
        principal,
        station_id,
        page,
        DeviceModelFilter(component=component, variable=variable, evse_id=evse_id),
    )
    return Page.of(found.items, found.next_cursor, DeviceVariableOut.model_validate)
