"""Tariffs in OCPI 2.2.1's shape; prices are decimal strings, never numbers."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import Field

from kilowatt.api.schemas.common import AwareDatetime, Schema
from kilowatt.domain.cdrs import Scope, TariffAssignment
from kilowatt.domain.pricing import PricedSession
from kilowatt.domain.tariff_codec import version_json
from kilowatt.domain.tariffs import TariffVersion
from kilowatt.services.tariffs import Quote, TariffView

DecimalText = Annotated[
    str, Field(pattern=r"^-?\d{1,12}(\.\d{1,6})?$", examples=["0.25"], max_length=20)
]


class PriceComponentIn(Schema):
    type: Literal["ENERGY", "TIME", "PARKING_TIME", "FLAT"]
    price: DecimalText = Field(description="Excluding VAT: per kWh, per hour, or per session.")
    step_size: Annotated[int, Field(ge=1, le=86_400)] = 1


class RestrictionsIn(Schema):
    start_time: str | None = Field(None, examples=["17:00"], description="Local time, HH:MM.")
    end_time: str | None = Field(None, examples=["21:00"])
    start_date: str | None = Field(None, examples=["2026-12-01"])
    end_date: str | None = None
    min_kwh: DecimalText | None = None
    max_kwh: DecimalText | None = None
    min_current: DecimalText | None = None
    max_current: DecimalText | None = None
    min_power: DecimalText | None = None
    max_power: DecimalText | None = None
    min_duration: Annotated[int, Field(ge=0)] | None = None
    max_duration: Annotated[int, Field(ge=0)] | None = None
    day_of_week: list[
        Literal["MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY"]
    ] = []


class ElementIn(Schema):
    price_components: list[PriceComponentIn]
    restrictions: RestrictionsIn | None = None


class AltText(Schema):
    language: Annotated[str, Field(min_length=2, max_length=10)]
    text: Annotated[str, Field(max_length=500)]


class TariffBody(Schema):
    currency: Annotated[str, Field(min_length=3, max_length=3, examples=["EUR"])]
    vat: DecimalText = Field("0", description='VAT in percent, e.g. "25.5".')
    min_price: DecimalText | None = None
    max_price: DecimalText | None = None
    elements: list[ElementIn]
    tariff_alt_text: list[AltText] = []

    def ocpi(self) -> dict[str, Any]:
        return self.model_dump(exclude_none=True)


class TariffIn(TariffBody):
    name: Annotated[str, Field(min_length=1, max_length=200)]


class TariffRevision(TariffBody):
    valid_from: AwareDatetime | None = Field(
        None, description="When the new version comes into force (now when absent)."
    )


class VersionOut(Schema):
    version: int
    valid_from: datetime
    currency: str
    vat: str
    min_price: str | None = None
    max_price: str | None = None
    elements: list[dict[str, Any]]
    tariff_alt_text: list[dict[str, str]]

    @classmethod
    def of(cls, version: TariffVersion) -> VersionOut:
        return cls.model_validate(version_json(version))


class TariffOut(Schema):
    id: int
    name: str
    archived: bool
    created_at: datetime
    current: VersionOut
    versions: list[VersionOut]

    @classmethod
    def of(cls, view: TariffView) -> TariffOut:
        assert view.tariff.id is not None
        return cls(
            id=view.tariff.id,
            name=view.tariff.name,
            archived=view.tariff.archived,
            created_at=view.tariff.created_at,
            current=VersionOut.of(view.current),
            versions=[VersionOut.of(v) for v in view.versions],
        )


class AssignmentIn(Schema):
    tariff_id: Annotated[int, Field(ge=1)]
    scope: Scope = Field(description="token_group, evse, station, site or organization.")
    scope_id: Annotated[int, Field(ge=1)] | None = Field(
        None, description="The group, station or site id (the station's for an EVSE)."
    )
    station: Annotated[str, Field(min_length=1, max_length=48)] | None = Field(
        None,
        description="For a station or an EVSE: the station's OCPP identity, instead of scope_id.",
        examples=["CP-001"],
    )
    evse_id: Annotated[int, Field(ge=1)] | None = None


class AssignmentOut(Schema):
    id: int
    tariff_id: int
    scope: Scope
    scope_id: int
    station: str | None = Field(
        None, description="For a station or an EVSE: the station's OCPP identity."
    )
    evse_id: int | None

    @classmethod
    def of(cls, a: TariffAssignment, stations: Mapping[int, str] | None = None) -> AssignmentOut:
        station = (
            (stations or {}).get(a.scope_id) if a.scope in (Scope.STATION, Scope.EVSE) else None
        )
        return cls(
            id=a.id or 0,
            tariff_id=a.tariff_id,
            scope=a.scope,
            scope_id=a.scope_id,
            station=station,
            evse_id=a.evse_id,
        )


class QuoteIn(Schema):
    start: AwareDatetime
    charging_until: AwareDatetime
    connected_until: AwareDatetime | None = None
    energy_wh: Annotated[int, Field(ge=0, le=10_000_000)]
    timezone: Annotated[str, Field(max_length=64)] = "UTC"


class LineOut(Schema):
    version: int
    element: int
    dimension: str
    quantity: int = Field(description="Wh for ENERGY, seconds for TIME and PARKING_TIME.")
    billed_quantity: int
    volume: str = Field(description="The billed quantity in kWh, hours, or 1 session.")
    unit_price: str
    amount: str
    start: datetime | None
    end: datetime | None


class PricedOut(Schema):
    currency: str
    lines: list[LineOut]
    subtotal: str
    total_excl_vat: str
    vat_percent: str
    vat: str
    total_incl_vat: str
    energy_wh: int
    charging_s: int
    parking_s: int

    @classmethod
    def of(cls, priced: PricedSession) -> PricedOut:
        return cls(
            currency=priced.currency,
            lines=[
                LineOut(
                    version=line.version,
                    element=line.element,
                    dimension=line.dimension.value,
                    quantity=line.quantity,
                    billed_quantity=line.billed_quantity,
                    volume=line.quantity_text,
                    unit_price=str(line.unit_price),
                    amount=str(line.amount),
                    start=line.start,
                    end=line.end,
                )
                for line in priced.lines
            ],
            subtotal=str(priced.subtotal),
            total_excl_vat=str(priced.total_excl_vat),
            vat_percent=str(priced.vat_percent),
            vat=str(priced.vat),
            total_incl_vat=str(priced.total_incl_vat),
            energy_wh=priced.energy_wh,
            charging_s=priced.charging_s,
            parking_s=priced.parking_s,
        )

    @classmethod
    def of_quote(cls, quote: Quote) -> PricedOut:
        return cls.of(quote.priced)
