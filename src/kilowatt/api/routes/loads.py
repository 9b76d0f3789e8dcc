"""Site load management: /sites/{id}/load (the state, the allocations), its settings and its
readings (a building's energy system pushes the transformer's load here)."""

from __future__ import annotations

from dataclasses import asdict

from fastapi import APIRouter

from kilowatt.api.deps import AssetsRead, AssetsWrite, ServicesDep
from kilowatt.api.schemas.common import Id
from kilowatt.api.schemas.loads import (
    DecisionOut,
    LoadSettingsIn,
    LoadSettingsOut,
    ReadingIn,
    ReadingOut,
    SessionLoadOut,
    SiteLoadOut,
    StationProfilesOut,
)
from kilowatt.domain.load_caps import LoadCap
from kilowatt.domain.load_failsafe import StationProfiles
from kilowatt.domain.loads import LoadSettings, load_pct
from kilowatt.services.loads import LoadView

router = APIRouter(prefix="/sites", tags=["load management"])


def profiles_out(record: StationProfiles) -> StationProfilesOut:
    return StationProfilesOut(
        station=record.ocpp_id,
        failsafe_a=record.default_limit_a,
        failsafe_at=record.default_at,
        refuses_limits=record.refusing,
        refused_at=record.refused_at,
        refused_answer=record.refused_answer,
        retry_at=record.retry_at,
    )


def site_load_out(view: LoadView) -> SiteLoadOut:
    assert view.site.id is not None
    capacity = view.site.grid_capacity_w
    return SiteLoadOut(
        site_id=view.site.id,
        meter_silent_since=view.load.meter_silent_since,
        capacity_w=capacity,
        state=view.load.state,
        load_w=view.load_w,
        measured=view.measured,
        load_pct=round(load_pct(view.load_w, capacity), 1) if capacity else None,
        budget_w=view.budget_w,
        cap_w=view.cap_w,
        settings=LoadSettingsOut(capacity_w=capacity, **asdict(view.load.settings)),
        sessions=[
            SessionLoadOut(
                transaction_id=session.transaction_id,
                station=session.station,
                evse_id=session.evse_id,
                rule=held.rule if held else None,
                limit_a=held.limit_a if held else None,
                drawn_a=held.drawn_a if held else None,
                phases=held.phases if held else session.number_of_phases,
                reason=held.reason if held else None,
                station_refuses_limits=session.station in view.refusing,
            )
            for session, held in view.sessions
        ],
        refusing=[profiles_out(r) for r in view.refusing.values()],
        readings=[ReadingOut.model_validate(r, from_attributes=True) for r in view.readings],
        decisions=[DecisionOut.model_validate(d, from_attributes=True) for d in view.decisions],
    )


@router.get("/{site_id}/load", response_model=SiteLoadOut)
async def get_site_load(site_id: Id, services: ServicesDep, principal: AssetsRead) -> SiteLoadOut:
    return site_load_out(await services.loads.view(principal, site_id))


@router.put("/{site_id}/load/settings", response_model=SiteLoadOut)
async def set_load_settings(
    site_id: Id, body: LoadSettingsIn, services: ServicesDep, principal: AssetsWrite
) -> SiteLoadOut:
    values = body.model_dump(exclude={"caps"})
    capacity = values.pop("capacity_w")
    caps = tuple(LoadCap(tuple(c.days), c.start, c.end, c.max_w) for c in body.caps)
    settings = LoadSettings(**values, caps=caps)
    await services.loads.configure(principal, site_id, settings, capacity)
    return site_load_out(await services.loads.view(principal, site_id))


@router.post("/{site_id}/load/readings", response_model=SiteLoadOut, status_code=201)
async def add_load_reading(
    site_id: Id, body: ReadingIn, services: ServicesDep, principal: AssetsWrite
) -> SiteLoadOut:
    await services.loads.report(principal, site_id, body.load_w, body.measured_at)
    return site_load_out(await services.loads.view(principal, site_id))
