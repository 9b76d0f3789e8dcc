"""Charge detail records: the priced, immutable account of a finished session.

Modelled on OCPI's CDR: charging periods with their dimensions, the tariff versions that
priced them, meter start and stop, and the station's signed meter data when it sent some. A
CDR is never edited: a correction is a credit record that negates it, and a new CDR.

Which tariff prices a session is decided here too: a tariff assigned to the token's group
wins over one assigned to the EVSE, the station, the site, and the organization's default.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from kilowatt.domain.pricing import PricedSession


class Scope(StrEnum):
    """What a tariff is assigned to, strongest first."""

    TOKEN_GROUP = "token_group"  # noqa: S105 (a scope, not a secret)
    EVSE = "evse"
    STATION = "station"
    SITE = "site"
    ORGANIZATION = "organization"


PRECEDENCE = list(Scope)


@dataclass(eq=False)
class TariffAssignment:
    organization_id: int
    tariff_id: int
    scope: Scope
    scope_id: int
    """The group, station, site or organization id; for an EVSE, its station."""
    evse_id: int | None = None
    id: int | None = None


@dataclass(frozen=True, slots=True)
class Place:
    """Where and by whom a session charges: what assignments are matched against."""

    organization_id: int
    site_id: int | None
    station_id: int
    evse_id: int
    group_ids: tuple[int, ...] = ()


def matches(a: TariffAssignment, place: Place) -> bool:
    if a.scope is Scope.TOKEN_GROUP:
        return a.scope_id in place.group_ids
    if a.scope is Scope.EVSE:
        return a.scope_id == place.station_id and a.evse_id == place.evse_id
    if a.scope is Scope.STATION:
        return a.scope_id == place.station_id
    if a.scope is Scope.SITE:
        return place.site_id is not None and a.scope_id == place.site_id
    return a.scope_id == place.organization_id


def tariff_for(assignments: list[TariffAssignment], place: Place) -> TariffAssignment | None:
    """The assignment that prices a session at ``place``: the strongest scope that matches
    (for several groups of the token, the lowest tariff id, so that the choice is stable)."""
    found = [a for a in assignments if a.organization_id == place.organization_id]
    found = [a for a in found if matches(a, place)]
    if not found:
        return None
    return min(found, key=lambda a: (PRECEDENCE.index(a.scope), a.tariff_id))


class CdrKind(StrEnum):
    CDR = "cdr"
    CREDIT = "credit"
    """Negates an earlier CDR (a correction); its amounts are the CDR's, negated."""


@dataclass(eq=False)
class Cdr:
    organization_id: int
    transaction_id: int
    station_id: int
    evse_id: int
    site_id: int | None
    id_tag: str
    tariff_id: int | None
    currency: str
    start: datetime
    stop: datetime
    meter_start_wh: int | None
    meter_stop_wh: int | None
    energy_wh: int
    charging_s: int
    parking_s: int
    total_excl_vat: Decimal
    vat_percent: Decimal
    vat: Decimal
    total_incl_vat: Decimal
    lines: list[dict[str, Any]]
    """The priced lines (element, dimension, quantities, unit price, amount, period)."""
    tariff_versions: list[int]
    created_at: datetime
    kind: CdrKind = CdrKind.CDR
    credits_id: int | None = None
    reason: str = ""
    signed_meter_data: list[str] = field(default_factory=list)
    wallet_id: int | None = None
    bill_key: str = ""
    """Unique per bill: ``cdr:<transaction>`` or ``credit:<cdr>``, so that a session is
    billed once, and a CDR credited once, whatever replays or races."""
    id: int | None = None

    def __post_init__(self) -> None:
        if not self.bill_key:
            self.bill_key = (
                f"cdr:{self.transaction_id}"
                if self.kind is CdrKind.CDR
                else f"credit:{self.credits_id}"
            )


def lines_json(priced: PricedSession) -> list[dict[str, Any]]:
    return [
        {
            "version": line.version,
            "element": line.element,
            "dimension": line.dimension.value,
            "quantity": line.quantity,
            "billed_quantity": line.billed_quantity,
            "volume": line.quantity_text,
            "unit_price": str(line.unit_price),
            "amount": str(line.amount),
            "start": None if line.start is None else line.start.isoformat(),
            "end": None if line.end is None else line.end.isoformat(),
        }
        for line in priced.lines
    ]


def credit(cdr: Cdr, reason: str, at: datetime) -> Cdr:
    """The record that negates ``cdr`` (which stays as it was)."""
    assert cdr.kind is CdrKind.CDR
    assert cdr.id is not None
    return replace(
        cdr,
        kind=CdrKind.CREDIT,
        credits_id=cdr.id,
        reason=reason,
        total_excl_vat=-cdr.total_excl_vat,
        vat=-cdr.vat,
        total_incl_vat=-cdr.total_incl_vat,
        lines=[{**line, "amount": str(-Decimal(line["amount"]))} for line in cdr.lines],
        created_at=at,
        bill_key=f"credit:{cdr.id}",
        id=None,
    )
