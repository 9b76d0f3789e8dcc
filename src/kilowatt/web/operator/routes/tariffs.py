"""Dashboard pages: tariffs (/tariffs) — the list, a new tariff and a new version through one
form, assignments (the organization's default, a site, a station, an EVSE, a token group),
archiving, and the calculator (tariff_calculator.py) that explains a described session's
price line by line."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends
from pydantic import Field
from starlette.responses import Response

from kilowatt.domain.cdrs import Scope
from kilowatt.domain.errors import Conflict, InvalidInput, NotFound
from kilowatt.domain.paging import MAX_PAGE, PageRequest
from kilowatt.domain.permissions import Permission
from kilowatt.services.ports import StationFilter, TokenGroupFilter
from kilowatt.services.tariffs import TariffView
from kilowatt.web.kit.context import WebError, path_id
from kilowatt.web.kit.forms import LINK, REQUIRED, Fields, Id, Says
from kilowatt.web.kit.frame import redirect
from kilowatt.web.kit.i18n import N_
from kilowatt.web.operator.context import Page, SessionsPage, page_for
from kilowatt.web.operator.rows.money import (
    element_rows,
    money,
)
from kilowatt.web.operator.tariff_calculator import calculate
from kilowatt.web.operator.tariff_form import (
    ELEMENTS,
    TariffForm,
    build,
    currencies,
    field_error,
    values_of,
)

router = APIRouter()

FinancePage = Annotated[
    Page, Depends(page_for(Permission.SESSIONS_READ, Permission.FINANCE_MANAGE))
]
TariffId = Annotated[int, Depends(path_id("tariff_id", N_("There is no such tariff.")))]
AssignmentId = Annotated[int, Depends(path_id("assignment_id", N_("There is no such assignment.")))]

Notice = Literal["created", "revised", "assigned", "unassigned", "archived"]


class TariffQuery(Fields):
    notice: Annotated[Notice | None, LINK] = None
    archived: Annotated[Literal["1"] | None, LINK] = None


class AssignForm(Fields):
    scope: Annotated[Scope | None, REQUIRED, Says(N_("Choose where the tariff applies."))] = None
    site: Annotated[Id, Says(N_("Choose one of the sites."))] = None
    station: Annotated[Id, Says(N_("Choose one of the stations."))] = None
    evse: Annotated[
        int | None, Field(ge=1, le=2**31 - 1), Says(N_("Enter an EVSE number of 1 or more."))
    ] = None
    group: Annotated[Id, Says(N_("Choose one of the token groups."))] = None


def scope_words(gettext: Any) -> dict[str, str]:
    _ = gettext
    return {
        Scope.ORGANIZATION.value: _("The organization's default"),
        Scope.SITE.value: _("A site"),
        Scope.STATION.value: _("A station"),
        Scope.EVSE.value: _("A connector (EVSE)"),
        Scope.TOKEN_GROUP.value: _("A token group"),
    }


async def _tariff(page: Page, tariff_id: int) -> TariffView:
    try:
        return await page.web.services.tariffs.get(page.principal, tariff_id)
    except NotFound:
        raise WebError(404, page.web.gettext("There is no such tariff.")) from None


async def _places(page: Page) -> dict[str, Any]:
    services = page.web.services
    sites = (await services.sites.search(page.principal, PageRequest(MAX_PAGE))).items
    stations = (
        await services.stations.search(page.principal, PageRequest(MAX_PAGE), StationFilter())
    ).items
    groups = (
        await services.token_groups.search(
            page.principal, PageRequest(MAX_PAGE), TokenGroupFilter()
        )
    ).items
    return {
        "sites": [(str(s.id), s.name) for s in sites],
        "site_zones": {s.id: s.timezone for s in sites},
        "stations": [(str(s.id), s.ocpp_id + (f" ({s.name})" if s.name else "")) for s in stations],
        "groups": [(str(g.group.id), g.group.name) for g in groups],
    }


def _target_words(page: Page, assignment: Any, places: Mapping[str, Any]) -> str:
    _ = page.web.gettext
    names = {
        Scope.SITE: dict(places["sites"]),
        Scope.STATION: dict(places["stations"]),
        Scope.EVSE: dict(places["stations"]),
        Scope.TOKEN_GROUP: dict(places["groups"]),
    }
    if assignment.scope is Scope.ORGANIZATION:
        return _("The organization's default")
    name = names[assignment.scope].get(str(assignment.scope_id), f"#{assignment.scope_id}")
    if assignment.scope is Scope.SITE:
        return _("Site %(name)s") % {"name": name}
    if assignment.scope is Scope.STATION:
        return _("Station %(name)s") % {"name": name}
    if assignment.scope is Scope.EVSE:
        return _("EVSE %(evse)s of station %(name)s") % {"evse": assignment.evse_id, "name": name}
    return _("Token group %(name)s") % {"name": name}


# The list --------------------------------------------------------------------------------


@router.get("/tariffs")
async def tariffs_list(page: SessionsPage) -> Response:
    query = page.web.query(TariffQuery).data
    archived = query.archived is not None
    services = page.web.services
    views = await services.tariffs.all(page.principal, archived)
    assignments = await services.tariffs.assignments(page.principal)
    places = await _places(page)
    rows = []
    for view in views:
        rows.append(
            {
                "id": view.tariff.id,
                "name": view.tariff.name,
                "currency": view.current.currency,
                "version": view.current.version,
                "elements": element_rows(view.current, page.web.gettext, page.web.locale),
                "where": [
                    _target_words(page, a, places)
                    for a in assignments
                    if a.tariff_id == view.tariff.id
                ],
            }
        )
    return page.render(
        "tariffs/list.html",
        {"rows": rows, "archived": archived, "may_manage": page.may(Permission.FINANCE_MANAGE)},
    )


# Create and revise -----------------------------------------------------------------------


def _form_page(
    page: Page,
    values: Mapping[str, Any],
    errors: Mapping[str, str],
    view: TariffView | None,
    status_code: int = 200,
) -> Response:
    return page.render(
        "tariffs/form.html",
        {
            "values": values,
            "errors": errors,
            "tariff": view,
            "elements": range(1, ELEMENTS + 1),
            "currencies": currencies(),
        },
        status_code,
    )


def _days(reading_values: dict[str, str], form: Any) -> dict[str, Any]:
    """The values to show again: the days ticked are a list."""
    values: dict[str, Any] = dict(reading_values)
    data = form.model_dump()
    for i in range(1, ELEMENTS + 1):
        values[f"e{i}_days"] = [d.value for d in data.get(f"e{i}_days", [])]
    return values


@router.get("/tariffs/new")
async def tariff_new(page: FinancePage) -> Response:
    return _form_page(page, values_of(None), {}, None)


@router.post("/tariffs/new")
async def tariff_create(page: FinancePage) -> Response:
    _ = page.web.gettext
    reading = await page.web.form(TariffForm)
    errors = dict(reading.errors)
    name = str(reading.data.model_dump()["name"]).strip()
    if not name and "name" not in errors:
        errors["name"] = _("Fill in this field.")
    view = None
    if not errors:
        built = build(reading.data)
        try:
            view = await page.web.services.tariffs.create(page.principal, name, built.body)
        except InvalidInput as error:
            errors = field_error(error, built, _)
        except Conflict:
            errors = {"name": _("A tariff of this name exists already.")}
    if errors or view is None:
        return _form_page(page, _days(reading.values, reading.data), errors, None, 422)
    return redirect(f"/tariffs/{view.tariff.id}?notice=created")


@router.get("/tariffs/{tariff_id}/edit")
async def tariff_edit(tariff_id: TariffId, page: FinancePage) -> Response:
    view = await _tariff(page, tariff_id)
    if view.tariff.archived:
        raise WebError(409, page.web.gettext("An archived tariff is not changed."))
    return _form_page(page, values_of(view.current, view.tariff.name), {}, view)


@router.post("/tariffs/{tariff_id}/edit")
async def tariff_revise(tariff_id: TariffId, page: FinancePage) -> Response:
    _ = page.web.gettext
    view = await _tariff(page, tariff_id)
    reading = await page.web.form(TariffForm)
    errors = {k: v for k, v in reading.errors.items() if k != "name"}
    if not errors:
        built = build(reading.data)
        try:
            await page.web.services.tariffs.revise(page.principal, tariff_id, built.body)
        except InvalidInput as error:
            errors = field_error(error, built, _)
        except Conflict:
            errors = {"form": _("An archived tariff is not changed.")}
    if errors:
        values = _days(reading.values, reading.data)
        values["name"] = view.tariff.name
        return _form_page(page, values, errors, view, 422)
    return redirect(f"/tariffs/{tariff_id}?notice=revised")


# One tariff: versions, assignments, the calculator -----------------------------------------


async def _detail(
    page: Page,
    view: TariffView,
    *,
    assign_values: Mapping[str, str] | None = None,
    assign_errors: Mapping[str, str] | None = None,
    notice: str = "",
    problem: str = "",
    status_code: int = 200,
) -> Response:
    _ = page.web.gettext
    services = page.web.services
    places = await _places(page)
    assignments = [
        (a.id, _target_words(page, a, places))
        for a in await services.tariffs.assignments(page.principal)
        if a.tariff_id == view.tariff.id
    ]
    zones: dict[int, str] = places["site_zones"]
    default_zone = next(iter(zones.values()), "UTC")
    calc = await calculate(page, view, zones, default_zone)
    words = {
        "created": _("The tariff is created."),
        "revised": _("A new version is in force from now."),
        "assigned": _("The tariff is assigned."),
        "unassigned": _("The assignment is removed."),
        "archived": _("The tariff is archived."),
    }
    notice_key = page.web.query(TariffQuery).data.notice
    return page.render(
        "tariffs/detail.html",
        {
            "tariff": view.tariff,
            "current": view.current,
            "versions": [
                (v.version, v.valid_from, element_rows(v, _, page.web.locale))
                for v in reversed(view.versions)
            ],
            "vat": view.current.vat_percent,
            "min_price": _price(page, view.current.min_price, view.current.currency),
            "max_price": _price(page, view.current.max_price, view.current.currency),
            "assignments": assignments,
            "scopes": list(scope_words(_).items()),
            "assign_values": assign_values
            or {"scope": "", "site": "", "station": "", "evse": "", "group": ""},
            "assign_errors": assign_errors or {},
            "calc_values": calc.values,
            "calc_errors": calc.errors,
            "quote": calc.quote,
            "zone_default": default_zone,
            "notice": notice or (words.get(notice_key, "") if notice_key else ""),
            "problem": problem,
            "may_manage": page.may(Permission.FINANCE_MANAGE),
            **places,
        },
        422 if calc.errors else status_code,
    )


def _price(page: Page, value: Decimal | None, currency: str) -> str:
    return "" if value is None else money(value, currency, page.web.locale)


@router.get("/tariffs/{tariff_id}")
async def tariff_detail(tariff_id: TariffId, page: SessionsPage) -> Response:
    return await _detail(page, await _tariff(page, tariff_id))


@router.post("/tariffs/{tariff_id}/assign")
async def tariff_assign(tariff_id: TariffId, page: FinancePage) -> Response:
    _ = page.web.gettext
    view = await _tariff(page, tariff_id)
    reading = await page.web.form(AssignForm)
    errors = dict(reading.errors)
    form = reading.data
    if not errors and form.scope is not None:
        needs = {
            Scope.SITE: ("site", form.site),
            Scope.STATION: ("station", form.station),
            Scope.EVSE: ("station", form.station),
            Scope.TOKEN_GROUP: ("group", form.group),
        }
        target: int | None = None
        if form.scope in needs:
            name, target = needs[form.scope]
            if target is None:
                errors[name] = _("Choose where the tariff applies.")
        if form.scope is Scope.EVSE and form.evse is None:
            errors["evse"] = _("Enter an EVSE number of 1 or more.")
        if not errors:
            try:
                await page.web.services.tariffs.assign(
                    page.principal,
                    tariff_id,
                    form.scope,
                    target,
                    form.evse if form.scope is Scope.EVSE else None,
                )
            except NotFound:
                errors["scope"] = _("That no longer exists: choose again.")
            except InvalidInput as error:
                errors[{"evse_id": "evse"}.get(error.field, "scope")] = _(
                    "This value is not accepted."
                )
            except Conflict:
                errors["scope"] = _("An archived tariff is not assigned.")
    if errors:
        return await _detail(
            page, view, assign_values=reading.values, assign_errors=errors, status_code=422
        )
    return redirect(f"/tariffs/{tariff_id}?notice=assigned#assignments")


@router.post("/tariffs/assignments/{assignment_id}/delete")
async def tariff_unassign(assignment_id: AssignmentId, page: FinancePage) -> Response:
    services = page.web.services
    found = next(
        (a for a in await services.tariffs.assignments(page.principal) if a.id == assignment_id),
        None,
    )
    if found is None:
        raise WebError(404, page.web.gettext("There is no such assignment."))
    await services.tariffs.unassign(page.principal, assignment_id)
    return redirect(f"/tariffs/{found.tariff_id}?notice=unassigned#assignments")


@router.post("/tariffs/{tariff_id}/archive")
async def tariff_archive(tariff_id: TariffId, page: FinancePage) -> Response:
    view = await _tariff(page, tariff_id)
    try:
        await page.web.services.tariffs.archive(page.principal, tariff_id)
    except Conflict:
        problem = page.web.gettext(
            "The tariff is still assigned: remove its assignments first, then archive it."
        )
        return await _detail(page, view, problem=problem, status_code=409)
    return redirect(f"/tariffs/{tariff_id}?notice=archived")
