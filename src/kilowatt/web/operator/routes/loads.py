"""A site's load management on the dashboard: the transformer's load against its capacity and
its two lines, each session's limit beside what its car draws, the decisions, and the
settings form. The site page embeds the panel (``#load-panel``); it is a page of its own too."""

from __future__ import annotations

from dataclasses import asdict, replace
from decimal import Decimal
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter
from pydantic import Field, create_model
from starlette.responses import Response

from kilowatt.domain.errors import InvalidInput, NotFound
from kilowatt.domain.loads import LoadSettings, Reason, RuleState, StartRule, Strategy, load_pct
from kilowatt.services.loads import LoadView
from kilowatt.web.kit.forms import OUT_OF_BOUNDS, Checkbox, Fields, Number, Says
from kilowatt.web.kit.i18n import N_
from kilowatt.web.kit.words import strategy_words
from kilowatt.web.operator.context import AssetsPage, Page
from kilowatt.web.operator.load_caps_form import (
    CAP_MESSAGES,
    CAP_ROWS,
    cap_field,
    cap_fields,
    cap_values,
    read_caps,
    sent_days,
)
from kilowatt.web.operator.paths import SiteId
from kilowatt.web.operator.routes.assets.common import Kilowatts, WritePage, kw, not_found, watts

router = APIRouter()

Percent = Annotated[int, Field(ge=0, le=100), Says(N_("Enter a whole number from 0 to 100."))]


class LoadForm(Fields):
    """The load management settings as the form sends them."""

    enabled: Checkbox = False
    capacity_kw: Kilowatts = None
    half_at_pct: Percent = 50
    hold_at_pct: Percent = 80
    hysteresis_pct: Annotated[int, Field(ge=0, le=49)] = 5
    reserve_pct: Annotated[int, Field(ge=0, le=20)] = 2
    voltage: Annotated[int, Field(ge=100, le=400)] = 230
    min_current_a: Annotated[
        Number,
        Field(gt=0, le=32, decimal_places=1),
        Says(N_("Enter a current above 0 A and at most 32 A."), only=(*OUT_OF_BOUNDS,)),
    ] = Decimal(6)
    fallback_kw: Annotated[
        Number, Field(ge=0, le=10**7, decimal_places=3), Says(N_("Enter 0 kW or more."))
    ] = Decimal(0)
    reading_max_age_s: Annotated[int, Field(ge=10, le=86_400)] = 300
    meter_topic: Annotated[str, Field(max_length=200)] = ""
    meter_station: Annotated[str, Field(max_length=48)] = ""
    strategy: Annotated[Strategy, Says(N_("Choose one of the options."))] = Strategy.EQUAL_SHARE
    failsafe_current_a: Annotated[
        Number,
        Field(ge=0, le=63, decimal_places=1),
        Says(N_("Enter a current from 0 A to 63 A."), only=(*OUT_OF_BOUNDS,)),
    ] = Decimal(6)

    def settings(self) -> LoadSettings:
        return LoadSettings(
            enabled=self.enabled,
            half_at_pct=self.half_at_pct,
            hold_at_pct=self.hold_at_pct,
            hysteresis_pct=self.hysteresis_pct,
            reserve_pct=self.reserve_pct,
            voltage=self.voltage,
            min_current_a=float(self.min_current_a or 0),
            fallback_load_w=watts(self.fallback_kw) or 0,
            reading_max_age_s=self.reading_max_age_s,
            meter_topic=self.meter_topic,
            meter_station=self.meter_station.strip(),
            strategy=self.strategy,
            failsafe_current_a=float(self.failsafe_current_a or 0),
        )


LoadCapsForm: type[LoadForm] = create_model("LoadCapsForm", __base__=LoadForm, **cap_fields())
"""The settings form with its time-of-use cap rows (web/operator/load_caps_form.py)."""


def _words(page: Page) -> dict[str, dict[str, str]]:
    _ = page.web.gettext
    return {
        "state": {
            RuleState.NORMAL: _("Normal: sessions start at full power"),
            RuleState.HALF_POWER: _("Above the first line: new sessions start at half power"),
            RuleState.HOLD: _("Above the second line: new sessions wait until the load falls"),
        },
        "reason": {
            Reason.SHARED: _("Its share of what is left, by the site's strategy"),
            Reason.AT_MAX: _("Its own maximum"),
            Reason.CAR_DRAWS_LESS: _("The car draws less; the rest goes to others"),
            Reason.HALF_POWER: _("Half power: it started above the first line"),
            Reason.HELD: _("Waiting: it started above the second line"),
            Reason.NO_ROOM: _("Paused: no room for its minimum, queued"),
        },
        "rule": {
            StartRule.FULL: _("Full power"),
            StartRule.HALF: _("Half power"),
            StartRule.HELD: _("Waiting"),
        },
        "kind": {
            "rule": _("The load crossed a line"),
            "limit": _("New limit sent"),
            "silent": _("The site's meter went silent"),
            "back": _("The site's meter is heard again"),
            "refused": _("A station refused its limit"),
        },
    }


def _values(view: LoadView) -> dict[str, Any]:
    settings = view.load.settings
    values: dict[str, Any] = {
        name: str(value) for name, value in asdict(settings).items() if name != "caps"
    }
    values.update(cap_values(settings.caps))
    values["enabled"] = "on" if settings.enabled else ""
    values["capacity_kw"] = kw(view.site.grid_capacity_w)
    values["fallback_kw"] = kw(settings.fallback_load_w)
    values["min_current_a"] = f"{settings.min_current_a:g}"
    values["failsafe_current_a"] = f"{settings.failsafe_current_a:g}"
    return values


async def _view(page: Page, site_id: int) -> LoadView:
    try:
        return await page.web.services.loads.view(page.principal, site_id)
    except NotFound as error:
        raise not_found(page, error) from error


def _render(
    page: Page,
    view: LoadView,
    values: dict[str, Any],
    errors: dict[str, str],
    status_code: int = 200,
    saved: bool = False,
) -> Response:
    capacity = view.site.grid_capacity_w
    settings = view.load.settings
    context: dict[str, Any] = {
        "site": view.site,
        "view": view,
        "values": values,
        "errors": errors,
        "saved": saved,
        "words": _words(page),
        "pct": round(load_pct(view.load_w, capacity)) if capacity else None,
        "half_w": capacity * settings.half_at_pct // 100 if capacity else None,
        "hold_w": capacity * settings.hold_at_pct // 100 if capacity else None,
        "zone": ZoneInfo(view.site.timezone),
        "strategy_options": list(strategy_words(page.web.gettext).items()),
        "cap_rows": range(1, CAP_ROWS + 1),
    }
    return page.render("loads/panel.html", context, status_code)


@router.get("/sites/{site_id}/load")
async def load_page(page: AssetsPage, site_id: SiteId) -> Response:
    view = await _view(page, site_id)
    return _render(page, view, _values(view), {})


@router.post("/sites/{site_id}/load")
async def load_settings(page: WritePage, site_id: SiteId) -> Response:
    _ = page.web.gettext
    reading = await page.web.form(LoadCapsForm)
    errors = dict(reading.errors)
    form = reading.data
    caps, cap_errors = read_caps(form, _)
    errors = cap_errors | errors
    if not errors:
        try:
            await page.web.services.loads.configure(
                page.principal,
                site_id,
                replace(form.settings(), caps=caps),
                watts(form.capacity_kw),
            )
        except InvalidInput as error:
            beside = cap_field(error, caps)
            if beside is not None:
                errors[beside] = _(CAP_MESSAGES[beside.split("_", 1)[1]])
            else:
                errors[_FIELDS.get(error.field, error.field)] = _message(page, error)
        except NotFound as error:
            raise not_found(page, error) from error
    view = await _view(page, site_id)
    if errors:
        return _render(page, view, reading.values | sent_days(form), errors, 422)
    return _render(page, view, _values(view), {}, saved=True)


_FIELDS = {"capacity_w": "capacity_kw", "fallback_load_w": "fallback_kw"}


def _message(page: Page, error: InvalidInput) -> str:
    _ = page.web.gettext
    messages = {
        "half_at_pct": _("The first line is above 0 % and below the second."),
        "hold_at_pct": _("The second line is between 1 % and 100 %."),
        "hysteresis_pct": _("The hysteresis is below the first line."),
        "capacity_w": _("Load management needs the transformer's capacity."),
        "meter_topic": _("One topic without wildcards, not another site's meter's."),
        "strategy": _("Choose one of the options."),
        "meter_station": _("Enter the OCPP identity of one of this site's stations."),
        "failsafe_current_a": _(
            "Enter 0 A, or a current from the smallest a session gets to 63 A."
        ),
    }
    return messages.get(error.field, _("Enter a valid value."))
