"""Pricing: a session's timeline and its tariff versions give a priced breakdown.

The timeline is what the station reported: the session's energy so far at instants, with the
power and whether the car was charging. Between two readings the energy is spread evenly over
time; each interval is cut wherever a restriction may change its answer (a local time of day,
midnight, a tariff version, a duration or energy bound), and each piece is priced by the
element that holds at its start. Quantities are summed per line (version, element,
dimension); each line is rounded up to its step size, priced, and rounded once to the
currency's minor unit. The min/max price bounds the total before VAT; VAT is added once.

``SessionPricer`` does this incrementally: a running session costs one ``add`` per reading and
no query, so live cost rides the hot path.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from kilowatt.domain.money import round_money
from kilowatt.domain.tariffs import (
    Dimension,
    Moment,
    TariffVersion,
    component_for,
    duration_boundaries,
    time_boundaries,
    version_at,
)

_HOUR = Decimal(3600)
_KWH = Decimal(1000)


@dataclass(frozen=True, slots=True)
class Reading:
    at: datetime
    """UTC."""
    energy_wh: int
    """Energy of the session so far (not the meter's lifetime register)."""
    power_w: int | None = None
    current_a: Decimal | None = None
    charging: bool | None = None
    """The state from this reading on; None: inferred from whether the energy rises."""


@dataclass(frozen=True, slots=True)
class LineKey:
    version: int
    element: int
    dimension: Dimension


@dataclass(slots=True)
class _Line:
    price: Decimal
    step_size: int
    quantity: int = 0
    """Wh for ENERGY, seconds for TIME and PARKING_TIME, 1 for FLAT."""
    start: datetime | None = None
    end: datetime | None = None


@dataclass(frozen=True, slots=True)
class PricedLine:
    version: int
    element: int
    dimension: Dimension
    quantity: int
    billed_quantity: int
    unit_price: Decimal
    amount: Decimal
    start: datetime | None
    end: datetime | None

    @property
    def quantity_text(self) -> str:
        """The billed quantity in the unit the price is per (kWh, hours)."""
        if self.dimension is Dimension.ENERGY:
            return str(Decimal(self.billed_quantity) / _KWH)
        if self.dimension is Dimension.FLAT:
            return "1"
        return str((Decimal(self.billed_quantity) / _HOUR).quantize(Decimal("0.0001")))


@dataclass(frozen=True, slots=True)
class PricedSession:
    currency: str
    lines: tuple[PricedLine, ...]
    subtotal: Decimal
    """Sum of the lines, before the min/max bounds and VAT."""
    total_excl_vat: Decimal
    vat_percent: Decimal
    vat: Decimal
    total_incl_vat: Decimal
    energy_wh: int
    charging_s: int
    parking_s: int
    versions: tuple[int, ...]
    adjustment: Decimal = Decimal(0)
    """What the min/max price added (positive) or removed (negative)."""


@dataclass(slots=True)
class _State:
    at: datetime
    energy_wh: int
    power_w: int | None
    current_a: Decimal | None
    charging: bool | None


@dataclass
class SessionPricer:
    """Prices a session reading by reading. ``versions`` are all versions of the tariff that
    may be in force during the session; ``timezone`` is the site's."""

    versions: list[TariffVersion]
    timezone: str
    start: datetime
    start_energy_wh: int = 0
    start_elapsed_s: int = 0
    """A continuation of a session already priced up to ``start`` (for splitting)."""
    with_flat: bool = True
    _zone: ZoneInfo = field(init=False, repr=False)
    _lines: dict[LineKey, _Line] = field(init=False, default_factory=dict)
    _state: _State = field(init=False)
    _charging_s: int = field(init=False, default=0)
    _parking_s: int = field(init=False, default=0)
    _flat_done: bool = field(init=False, default=False)

    def __post_init__(self) -> None:
        if not self.versions:
            raise ValueError("a session is priced by at least one tariff version")
        self._zone = ZoneInfo(self.timezone)
        self.versions = sorted(self.versions, key=lambda v: v.valid_from)
        self._state = _State(self.start, self.start_energy_wh, None, None, None)
        self._flat_done = not self.with_flat

    @property
    def currency(self) -> str:
        return self.versions[0].currency

    def add(self, reading: Reading) -> None:
        """Take a reading (in time order; an older or equal instant only updates the state)."""
        state = self._state
        if reading.at > state.at:
            energy = max(reading.energy_wh, state.energy_wh)
            charging = state.charging
            if charging is None:
                charging = energy > state.energy_wh
            self._interval(state, reading.at, energy, charging)
            state.at = reading.at
            state.energy_wh = energy
        elif reading.energy_wh > state.energy_wh:
            state.energy_wh = reading.energy_wh
        state.power_w = reading.power_w
        state.current_a = reading.current_a
        state.charging = reading.charging
        if not self._flat_done:
            self._flat(state.at)

    def _version(self, at: datetime) -> TariffVersion:
        return version_at(self.versions, at) or self.versions[0]

    def _moment(self, at: datetime, energy_wh: int, power_w: int | None) -> Moment:
        elapsed = int((at - self.start).total_seconds()) + self.start_elapsed_s
        return Moment(
            local=at.astimezone(self._zone),
            energy_wh=energy_wh,
            power_w=power_w,
            current_a=self._state.current_a,
            elapsed_s=elapsed,
        )

    def _flat(self, at: datetime) -> None:
        version = self._version(at)
        found = component_for(
            version, Dimension.FLAT, self._moment(at, self._state.energy_wh, self._state.power_w)
        )
        self._flat_done = True
        if found is not None:
            index, component = found
            line = self._line(version, index, Dimension.FLAT, component.price, 1, at)
            line.quantity = 1
            line.end = at

    def _line(
        self,
        version: TariffVersion,
        element: int,
        dimension: Dimension,
        price: Decimal,
        step: int,
        at: datetime,
    ) -> _Line:
        key = LineKey(version.version, element, dimension)
        line = self._lines.get(key)
        if line is None:
            line = self._lines[key] = _Line(price, step, start=at)
        return line

    def _cuts(self, begin: datetime, end: datetime, e0: int, e1: int) -> list[datetime]:
        """Instants strictly inside (begin, end) where a restriction may change its answer."""
        cuts: set[datetime] = set()
        for v in self.versions:
            if begin < v.valid_from < end:
                cuts.add(v.valid_from)
        local_begin = begin.astimezone(self._zone)
        local_end = end.astimezone(self._zone)
        times = {t for v in self.versions for t in time_boundaries(v)}
        day = local_begin.date()
        while day <= local_end.date():
            for t in times:
                wall = datetime.combine(day, t, tzinfo=self._zone)
                cut = wall.astimezone(UTC)
                if begin < cut < end:
                    cuts.add(cut)
            day += timedelta(days=1)
        elapsed0 = int((begin - self.start).total_seconds()) + self.start_elapsed_s
        for bound in {d for v in self.versions for d in duration_boundaries(v)}:
            cut = begin + timedelta(seconds=bound - elapsed0)
            if begin < cut < end:
                cuts.add(cut)
        if e1 > e0:
            span = (end - begin).total_seconds()
            for element in (e for v in self.versions for e in v.elements):
                r = element.restrictions
                for kwh in (r.min_kwh, r.max_kwh):
                    if kwh is None:
                        continue
                    wh = int(kwh * _KWH)
                    if e0 < wh <= e1:
                        # the first whole second at which the spread energy reaches the bound
                        offset = -(-((wh - e0) * span) // (e1 - e0))
                        cut = begin + timedelta(seconds=offset)
                        if begin < cut < end:
                            cuts.add(cut)
        return sorted(cuts)

    def _interval(self, state: _State, end: datetime, energy: int, charging: bool) -> None:
        begin, e0 = state.at, state.energy_wh
        total_s = (end - begin).total_seconds()
        points = [begin, *self._cuts(begin, end, e0, energy), end]

        def energy_at(t: datetime) -> int:
            if t >= end:
                return energy
            return e0 + int((energy - e0) * (t - begin).total_seconds() // total_s)

        for a, b in itertools.pairwise(points):
            ea, eb = energy_at(a), energy_at(b)
            seconds = _seconds(a, b)
            version = self._version(a)
            moment = self._moment(a, ea, state.power_w)
            if eb > ea:
                self._add(version, Dimension.ENERGY, moment, a, b, eb - ea)
            if charging:
                self._charging_s += seconds
                self._add(version, Dimension.TIME, moment, a, b, seconds)
            else:
                self._parking_s += seconds
                self._add(version, Dimension.PARKING_TIME, moment, a, b, seconds)

    def _add(
        self,
        version: TariffVersion,
        dimension: Dimension,
        moment: Moment,
        a: datetime,
        b: datetime,
        quantity: int,
    ) -> None:
        found = component_for(version, dimension, moment)
        if found is None or quantity <= 0:
            return
        index, component = found
        line = self._line(version, index, dimension, component.price, component.step_size, a)
        line.quantity += quantity
        line.end = b

    @property
    def energy_wh(self) -> int:
        return self._state.energy_wh

    def price(self) -> PricedSession:
        """The breakdown so far (cheap: one pass over the lines)."""
        version = self._version(self.start)
        currency = version.currency
        lines: list[PricedLine] = []
        for key, line in sorted(
            self._lines.items(),
            key=lambda kv: (kv[1].start or self.start, kv[0].element, kv[0].dimension.value),
        ):
            billed = line.quantity
            if key.dimension is not Dimension.FLAT and billed % line.step_size:
                billed += line.step_size - billed % line.step_size
            amount = round_money(_amount(key.dimension, billed, line.price), currency)
            lines.append(
                PricedLine(
                    key.version,
                    key.element,
                    key.dimension,
                    line.quantity,
                    billed,
                    line.price,
                    amount,
                    line.start,
                    line.end,
                )
            )
        subtotal = sum((line.amount for line in lines), Decimal(0))
        total = subtotal
        if version.min_price is not None and total < version.min_price:
            total = round_money(version.min_price, currency)
        if version.max_price is not None and total > version.max_price:
            total = round_money(version.max_price, currency)
        vat = round_money(total * version.vat_percent / 100, currency)
        return PricedSession(
            currency=currency,
            lines=tuple(lines),
            subtotal=subtotal,
            total_excl_vat=total,
            vat_percent=version.vat_percent,
            vat=vat,
            total_incl_vat=total + vat,
            energy_wh=self._state.energy_wh - self.start_energy_wh,
            charging_s=self._charging_s,
            parking_s=self._parking_s,
            versions=tuple(sorted({line.version for line in lines})),
            adjustment=total - subtotal,
        )


def _seconds(a: datetime, b: datetime) -> int:
    return int((b - a).total_seconds())


def _amount(dimension: Dimension, billed: int, price: Decimal) -> Decimal:
    if dimension is Dimension.ENERGY:
        return Decimal(billed) * price / _KWH
    if dimension is Dimension.FLAT:
        return price
    return Decimal(billed) * price / _HOUR


def price_session(
    versions: list[TariffVersion],
    timezone: str,
    readings: list[Reading],
) -> PricedSession:
    """Price a whole session: ``readings[0]`` is its start (energy 0), the last its stop."""
    if not readings:
        raise ValueError("a session has at least its start")
    ordered = sorted(readings, key=lambda r: r.at)
    pricer = SessionPricer(versions, timezone, ordered[0].at)
    for reading in ordered:
        pricer.add(reading)
    return pricer.price()


def timeline(
    start: datetime,
    meter_start_wh: int,
    register: list[tuple[datetime, int]],
    stop: datetime | None = None,
    meter_stop_wh: int | None = None,
) -> list[Reading]:
    """Readings of a session from its meter register (lifetime Wh) at instants: energy is
    counted from the start reading, never goes back, and the stop closes it."""
    readings = [Reading(start, 0)]
    best = 0
    for at, wh in sorted(register):
        if at <= start or (stop is not None and at >= stop):
            continue
        best = max(best, wh - meter_start_wh)
        readings.append(Reading(at, best))
    if stop is not None:
        end = best if meter_stop_wh is None else max(best, meter_stop_wh - meter_start_wh)
        readings.append(Reading(stop, end))
    return readings
