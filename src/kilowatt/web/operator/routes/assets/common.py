"""What the asset pages share: the write permission, form reading and parsing (a bad value
leaves its message beside its field), the mapping of domain errors to pages, the notices after
a change, and small formatters."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends
from starlette.datastructures import FormData

from kilowatt.domain.errors import InvalidInput, NotFound
from kilowatt.domain.paging import MAX_PAGE, PageRequest
from kilowatt.domain.permissions import Permission
from kilowatt.domain.sites import Site
from kilowatt.web.kit.context import WebError
from kilowatt.web.operator.context import Page, page_for

WritePage = Annotated[Page, Depends(page_for(Permission.ASSETS_READ, Permission.ASSETS_WRITE))]


def station_url(ocpp_id: str, tail: str = "") -> str:
    return f"/assets/stations/{quote(ocpp_id, safe='')}{tail}"


def not_found(page: Page, error: NotFound) -> WebError:
    _ = page.web.gettext
    if error.entity == "site":
        return WebError(404, _("There is no such site, or it is not yours to see."))
    if error.entity == "connector":
        return WebError(404, _("There is no such connector."))
    return WebError(404, _("There is no such station, or it is not yours to see."))


def error_message(page: Page, error: InvalidInput) -> str:
    return page.web.gettext(error.message)


async def read_form(page: Page) -> FormData:
    return await page.web.request.form()


def form_values(form: FormData, names: tuple[str, ...]) -> dict[str, str]:
    values: dict[str, str] = {}
    for name in names:
        value = form.get(name)
        values[name] = value.strip() if isinstance(value, str) else ""
    return values


class Fields:
    """Form values parsed one by one; a bad one leaves its message beside its field."""

    def __init__(self, page: Page, values: Mapping[str, str]) -> None:
        self.page = page
        self.values = values
        self.errors: dict[str, str] = {}

    def text(self, name: str, limit: int) -> str:
        value = self.values.get(name, "")
        if len(value) > limit:
            self.errors[name] = self.page.web.gettext("At most %(limit)s characters.") % {
                "limit": limit
            }
        return value

    def number(self, name: str) -> Decimal | None:
        raw = self.values.get(name, "").replace(",", ".")
        if not raw:
            return None
        try:
            number = Decimal(raw)
        except InvalidOperation:
            number = Decimal("NaN")
        if not number.is_finite():
            self.errors[name] = self.page.web.gettext("Enter a number.")
            return None
        return number

    def whole(self, name: str, *, minimum: int = 1) -> int | None:
        number = self.number(name)
        if number is None:
            return None
        if number != number.to_integral_value() or number < minimum:
            self.errors[name] = self.page.web.gettext(
                "Enter a whole number of at least %(minimum)s."
            ) % {"minimum": minimum}
            return None
        return int(number)

    def watts(self, name: str) -> int | None:
        """A power typed in kW, kept in W."""
        number = self.number(name)
        if number is None:
            return None
        watts = int((number * 1000).to_integral_value())
        if watts <= 0 or watts > 10**12:
            self.errors[name] = self.page.web.gettext("Enter a positive power in kW.")
            return None
        return watts

    def choice(self, name: str, options: Callable[[str], Any]) -> Any:
        raw = self.values.get(name, "")
        try:
            return options(raw)
        except ValueError:
            self.errors[name] = self.page.web.gettext("Choose one of the options.")
            return None


def kw(watts: int | None) -> str:
    if watts is None:
        return ""
    return (
        format(Decimal(watts) / 1000, "f").rstrip("0").rstrip(".")
        if watts % 1000
        else str(watts // 1000)
    )


async def all_sites(page: Page) -> list[Site]:
    sites: list[Site] = []
    cursor: int | None = None
    while True:
        batch = await page.web.services.sites.search(page.principal, PageRequest(MAX_PAGE, cursor))
        sites.extend(batch.items)
        if batch.next_cursor is None or len(sites) >= 5000:
            return sites
        cursor = batch.next_cursor


def notice_text(page: Page, key: str) -> str:
    _ = page.web.gettext
    return {
        "site-created": _("The site was created."),
        "site-saved": _("The site was saved."),
        "site-deleted": _("The site was deleted."),
        "station-created": _("The station was created."),
        "station-saved": _("The station was saved."),
        "station-deleted": _("The station was deleted."),
        "connector-saved": _("The connector was saved."),
        "connector-deleted": _("The connector was deleted."),
    }.get(key, "")


async def find_station(page: Page, ocpp_id: str) -> Any:
    """The station and its connectors, or the page that says there is no such station."""
    try:
        return await page.web.services.stations.get(page.principal, ocpp_id)
    except NotFound as error:
        raise not_found(page, error) from error
