"""Charge detail records."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import Field

from kilowatt.api.schemas.common import Schema
from kilowatt.domain.cdrs import Cdr, CdrKind
from kilowatt.domain.money import money_text, plain


class CdrOut(Schema):
    id: int
    kind: CdrKind
    credits_id: int | None
    reason: str
    transaction_id: int
    station_id: int
    evse_id: int
    site_id: int | None
    id_tag: str
    tariff_id: int | None
    tariff_versions: list[int]
    wallet_id: int | None
    currency: str
    start: datetime
    stop: datetime
    meter_start_wh: int | None
    meter_stop_wh: int | None
    energy_wh: int
    charging_s: int
    parking_s: int
    total_excl_vat: str
    vat_percent: str
    vat: str
    total_incl_vat: str
    lines: list[dict[str, Any]]
    signed_meter_data: list[str]
    created_at: datetime

    @classmethod
    def of(cls, cdr: Cdr) -> CdrOut:
        assert cdr.id is not None
        return cls(
            id=cdr.id,
            kind=cdr.kind,
            credits_id=cdr.credits_id,
            reason=cdr.reason,
            transaction_id=cdr.transaction_id,
            station_id=cdr.station_id,
            evse_id=cdr.evse_id,
            site_id=cdr.site_id,
            id_tag=cdr.id_tag,
            tariff_id=cdr.tariff_id,
            tariff_versions=list(cdr.tariff_versions),
            wallet_id=cdr.wallet_id,
            currency=cdr.currency,
            start=cdr.start,
            stop=cdr.stop,
            meter_start_wh=cdr.meter_start_wh,
            meter_stop_wh=cdr.meter_stop_wh,
            energy_wh=cdr.energy_wh,
            charging_s=cdr.charging_s,
            parking_s=cdr.parking_s,
            total_excl_vat=money_text(cdr.total_excl_vat, cdr.currency),
            vat_percent=plain(cdr.vat_percent),
            vat=money_text(cdr.vat, cdr.currency),
            total_incl_vat=money_text(cdr.total_incl_vat, cdr.currency),
            lines=list(cdr.lines),
            signed_meter_data=list(cdr.signed_meter_data),
            created_at=cdr.created_at,
        )


class CreditIn(Schema):
    reason: Annotated[str, Field(min_length=1, max_length=500)]
