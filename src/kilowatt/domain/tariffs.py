"""Tariffs, modelled on OCPI 2.2.1's Tariff so that roaming is a serialisation, not a model.

A tariff has a currency, a VAT rate, an optional minimum and maximum price per session, a
text for drivers in several languages, and ordered elements. Each element has price
components (ENERGY per kWh, TIME per hour charging, PARKING_TIME per hour connected but not
charging, FLAT per session) and restrictions read in the site's local time. The first element
whose restrictions all hold prices a moment; a component type not in it falls through to the
next element that has it and holds (OCPI's rule), so an idle fee can sit in its own element.

Editing a tariff makes a new version; a session is priced by the versions in force during it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from enum import StrEnum

from kilowatt.domain.errors import InvalidInput
from kilowatt.domain.money import check_currency


class Dimension(StrEnum):
    ENERGY = "ENERGY"
    """Per kWh delivered; step size in Wh."""
    TIME = "TIME"
    """Per hour charging; step size in seconds."""
    PARKING_TIME = "PARKING_TIME"
    """Per hour connected but not charging; step size in seconds."""
    FLAT = "FLAT"
    """Once per session."""


class Weekday(StrEnum):
    MONDAY = "MONDAY"
    TUESDAY = "TUESDAY"
    WEDNESDAY = "WEDNESDAY"
    THURSDAY = "THURSDAY"
    FRIDAY = "FRIDAY"
    SATURDAY = "SATURDAY"
    SUNDAY = "SUNDAY"


WEEKDAYS = list(Weekday)


@dataclass(frozen=True, slots=True)
class PriceComponent:
    dimension: Dimension
    price: Decimal
    """Excluding VAT, per kWh / per hour / per session."""
    step_size: int = 1
    """Wh for ENERGY, seconds for TIME and PARKING_TIME; billed quantities round up to it."""


@dataclass(frozen=True, slots=True)
class Restrictions:
    start_time: time | None = None
    end_time: time | None = None
    """Local time of day; an end before the start wraps past midnight."""
    start_date: date | None = None
    end_date: date | None = None
    """Local dates; the end date is excluded."""
    min_kwh: Decimal | None = None
    max_kwh: Decimal | None = None
    """Energy of the session so far (the max excluded)."""
    min_current: Decimal | None = None
    max_current: Decimal | None = None
    min_power: Decimal | None = None
    max_power: Decimal | None = None
    """kW drawn at the moment (the max excluded)."""
    min_duration: int | None = None
    max_duration: int | None = None
    """Seconds since the session began (the max excluded)."""
    day_of_week: tuple[Weekday, ...] = ()

    @property
    def is_empty(self) -> bool:
        return self == Restrictions()


@dataclass(frozen=True, slots=True)
class TariffElement:
    components: tuple[PriceComponent, ...]
    restrictions: Restrictions = field(default_factory=Restrictions)

    def component(self, dimension: Dimension) -> PriceComponent | None:
        return next((c for c in self.components if c.dimension is dimension), None)


@dataclass(frozen=True, slots=True)
class TariffVersion:
    """The content of a tariff from ``valid_from`` (UTC) until the next version."""

    currency: str
    vat_percent: Decimal
    elements: tuple[TariffElement, ...]
    valid_from: datetime
    min_price: Decimal | None = None
    max_price: Decimal | None = None
    """Excluding VAT, per session."""
    texts: dict[str, str] = field(default_factory=dict)
    """Language code → text for drivers."""
    version: int = 1


@dataclass(eq=False)
class Tariff:
    organization_id: int
    name: str
    created_at: datetime
    archived: bool = False
    id: int | None = None


@dataclass(frozen=True, slots=True)
class Moment:
    """What restrictions are read against: a local instant of a session."""

    local: datetime
    energy_wh: int
    power_w: int | None
    current_a: Decimal | None
    elapsed_s: int


def _ge(value: Decimal, bound: Decimal | None) -> bool:
    return bound is None or value >= bound


def _lt(value: Decimal, bound: Decimal | None) -> bool:
    return bound is None or value < bound


def holds(r: Restrictions, moment: Moment) -> bool:
    """Whether every restriction holds at ``moment``."""
    local = moment.local
    if r.day_of_week and WEEKDAYS[local.weekday()] not in r.day_of_week:
        return False
    if r.start_date is not None and local.date() < r.start_date:
        return False
    if r.end_date is not None and local.date() >= r.end_date:
        return False
    if r.start_time is not None or r.end_time is not None:
        now = local.time().replace(tzinfo=None)
        start = r.start_time or time(0)
        end = r.end_time
        if end is None or end == time(0):
            inside = now >= start
        elif start <= end:
            inside = start <= now < end
        else:
            inside = now >= start or now < end
        if not inside:
            return False
    kwh = Decimal(moment.energy_wh) / 1000
    if not (_ge(kwh, r.min_kwh) and _lt(kwh, r.max_kwh)):
        return False
    if r.min_power is not None or r.max_power is not None:
        if moment.power_w is None:
            return False
        kw = Decimal(moment.power_w) / 1000
        if not (_ge(kw, r.min_power) and _lt(kw, r.max_power)):
            return False
    if r.min_current is not None or r.max_current is not None:
        if moment.current_a is None:
            return False
        if not (_ge(moment.current_a, r.min_current) and _lt(moment.current_a, r.max_current)):
            return False
    elapsed = Decimal(moment.elapsed_s)
    min_d = None if r.min_duration is None else Decimal(r.min_duration)
    max_d = None if r.max_duration is None else Decimal(r.max_duration)
    return _ge(elapsed, min_d) and _lt(elapsed, max_d)


def component_for(
    version: TariffVersion, dimension: Dimension, moment: Moment
) -> tuple[int, PriceComponent] | None:
    """The element (its index) and component that price ``dimension`` at ``moment``."""
    for index, element in enumerate(version.elements):
        component = element.component(dimension)
        if component is not None and holds(element.restrictions, moment):
            return index, component
    return None


def time_boundaries(version: TariffVersion) -> set[time]:
    """Local times of day at which an element may start or stop holding."""
    found: set[time] = {time(0)}
    for element in version.elements:
        r = element.restrictions
        for t in (r.start_time, r.end_time):
            if t is not None:
                found.add(t)
    return found


def duration_boundaries(version: TariffVersion) -> set[int]:
    found: set[int] = set()
    for element in version.elements:
        r = element.restrictions
        for d in (r.min_duration, r.max_duration):
            if d is not None:
                found.add(d)
    return found


# ---- checks -----------------------------------------------------------------------------


def _check_range(low: Decimal | int | None, high: Decimal | int | None, field: str) -> None:
    if low is not None and low < 0:
        raise InvalidInput(field, "must not be negative")
    if high is not None and high < 0:
        raise InvalidInput(field, "must not be negative")
    if low is not None and high is not None and high <= low:
        raise InvalidInput(field, "the maximum must be above the minimum: nothing would match")


def check_restrictions(r: Restrictions, where: str) -> None:
    if r.start_date is not None and r.end_date is not None and r.end_date <= r.start_date:
        raise InvalidInput(f"{where}.end_date", "must be after start_date: it could never apply")
    if r.start_time is not None and r.end_time is not None and r.start_time == r.end_time:
        raise InvalidInput(f"{where}.end_time", "equals start_time: it could never apply")
    _check_range(r.min_kwh, r.max_kwh, f"{where}.max_kwh")
    _check_range(r.min_power, r.max_power, f"{where}.max_power")
    _check_range(r.min_current, r.max_current, f"{where}.max_current")
    _check_range(r.min_duration, r.max_duration, f"{where}.max_duration")
    if len(set(r.day_of_week)) != len(r.day_of_week):
        raise InvalidInput(f"{where}.day_of_week", "names a day twice")


def _covers(wider: Restrictions, narrower: Restrictions) -> bool:
    """Whether every moment ``narrower`` admits, ``wider`` admits too (conservatively: only
    restrictions ``wider`` leaves open or that are identical)."""
    for name in Restrictions.__slots__:
        w = getattr(wider, name)
        if w in (None, ()):
            continue
        if w != getattr(narrower, name):
            return False
    return True


def check_version(version: TariffVersion) -> None:
    """Refuse what could never be priced right, naming the field."""
    check_currency(version.currency)
    if not Decimal(0) <= version.vat_percent < Decimal(100):
        raise InvalidInput("vat", "must be from 0 up to 100")
    if not version.elements:
        raise InvalidInput("elements", "a tariff needs at least one element")
    for bound, name in ((version.min_price, "min_price"), (version.max_price, "max_price")):
        if bound is not None and bound < 0:
            raise InvalidInput(name, "must not be negative")
    if (
        version.min_price is not None
        and version.max_price is not None
        and version.max_price < version.min_price
    ):
        raise InvalidInput("max_price", "is below min_price")
    for i, element in enumerate(version.elements):
        where = f"elements[{i}]"
        if not element.components:
            raise InvalidInput(f"{where}.price_components", "an element needs a price component")
        seen: set[Dimension] = set()
        for j, component in enumerate(element.components):
            at = f"{where}.price_components[{j}]"
            if component.dimension in seen:
                raise InvalidInput(f"{at}.type", "the element prices this dimension twice")
            seen.add(component.dimension)
            if component.price < 0:
                raise InvalidInput(f"{at}.price", "must not be negative")
            if component.step_size < 1:
                raise InvalidInput(f"{at}.step_size", "must be at least 1")
        check_restrictions(element.restrictions, f"{where}.restrictions")
    _check_shadowing(version)


def _check_shadowing(version: TariffVersion) -> None:
    """An element whose every component an earlier element always wins can never apply; two
    elements with the same restrictions pricing one dimension differently are ambiguous."""
    for i, element in enumerate(version.elements):
        for j in range(i):
            earlier = version.elements[j]
            if not _covers(earlier.restrictions, element.restrictions):
                continue
            shared = [c.dimension for c in element.components if earlier.component(c.dimension)]
            if not shared:
                continue
            if earlier.restrictions == element.restrictions:
                raise InvalidInput(
                    f"elements[{i}].restrictions",
                    f"same restrictions as elements[{j}] for {shared[0].value}: "
                    "the price would be ambiguous",
                )
            if len(shared) == len(element.components):
                raise InvalidInput(
                    f"elements[{i}].restrictions",
                    f"elements[{j}] always applies first: this element can never apply",
                )


def version_at(versions: list[TariffVersion], at: datetime) -> TariffVersion | None:
    """The version in force at ``at`` (versions in any order)."""
    found: TariffVersion | None = None
    for v in versions:
        if v.valid_from <= at and (found is None or v.valid_from > found.valid_from):
            found = v
    return found


def is_free(version: TariffVersion) -> bool:
    return all(c.price == 0 for e in version.elements for c in e.components) and not (
        version.min_price
    )
