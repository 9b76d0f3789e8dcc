"""The quick jump (Ctrl-K or "/" on any page, static/jump.js): sites, stations, drivers and a
session by its number, found by name or id as the searches find them (accents and case
ignored), as a list of links the dialog shows."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from fastapi import APIRouter
from starlette.responses import Response

from kilowatt.domain.errors import NotFound
from kilowatt.domain.paging import PageRequest
from kilowatt.domain.permissions import Permission
from kilowatt.services.ports import StationFilter
from kilowatt.services.ports.drivers import DriverFilter
from kilowatt.web.kit.forms import Fields, Search
from kilowatt.web.operator.context import SignedIn
from kilowatt.web.operator.rows.stations import station_url

router = APIRouter()

EACH = 5
"""Matches shown of each kind."""


class JumpSearch(Fields):
    q: Search = ""


@dataclass(frozen=True, slots=True)
class Hit:
    """A place to jump to: its kind in words, its name, a detail, its page."""

    kind: str
    name: str
    detail: str
    url: str


@router.get("/jump")
async def jump(page: SignedIn) -> Response:
    q = page.web.query(JumpSearch).data.q.strip()
    _ = page.web.gettext
    services = page.web.services
    hits: list[Hit] = []
    if q:
        first = PageRequest(limit=EACH)
        if q.isdigit() and page.may(Permission.SESSIONS_READ):
            try:
                session = await services.transactions.get(page.principal, int(q))
            except NotFound:
                pass
            else:
                tx = session.transaction
                hits.append(
                    Hit(
                        _("Session"),
                        _("Session %(id)s") % {"id": tx.id},
                        session.station_ocpp_id,
                        f"/sessions/{tx.id}",
                    )
                )
        if page.may(Permission.ASSETS_READ):
            sites = await services.sites.search(page.principal, first, q)
            hits += [Hit(_("Site"), s.name, s.city, f"/sites/{s.id}") for s in sites.items]
            stations = await services.stations.search(
                page.principal, first, StationFilter(search=q)
            )
            hits += [
                Hit(_("Station"), s.ocpp_id, s.name, station_url(s.ocpp_id)) for s in stations.items
            ]
        if page.may(Permission.TOKENS_READ) and page.may(Permission.SESSIONS_READ):
            drivers = await services.drivers.search(page.principal, first, DriverFilter(search=q))
            hits += [
                Hit(
                    _("Driver"),
                    d.name or d.email,
                    d.email if d.name else "",
                    "/sessions?" + urlencode({"driver": d.email}),
                )
                for d in drivers.items
            ]
    fragment = bool(page.web.request.headers.get("hx-request"))
    return page.render("_jump_results.html" if fragment else "jump.html", {"hits": hits, "q": q})
