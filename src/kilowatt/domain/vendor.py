"""Vendor operations: DataTransfer messages an operator keeps as named templates and runs on
the stations of the make and model they were written for (an RCD self-test, a log level...)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from kilowatt.domain.errors import InvalidInput


@dataclass(eq=False)
class VendorTemplate:
    organization_id: int
    name: str
    vendor_id: str
    created_at: datetime
    updated_at: datetime
    message_id: str = ""
    data: Any = None
    """Sent as it is to 2.0.1 stations; 1.6 stations get a string (JSON text unless it is one)."""
    station_vendor: str = ""
    """Only stations whose BootNotification named this vendor ("" for any)."""
    station_model: str = ""
    """Only stations of this model ("" for any)."""
    description: str = ""
    id: int | None = None


def check_applies(
    field: str, what: str, vendor: str, model: str, station_vendor: str, station_model: str
) -> None:
    """InvalidInput unless a station of ``station_vendor``/``station_model`` is one that
    ``what`` (a template, a firmware image) is meant for. Vendors and models compare without
    regard to case; a station that never said what it is matches no restriction."""
    for kind, wanted, actual in (
        ("vendor", vendor, station_vendor),
        ("model", model, station_model),
    ):
        if not wanted:
            continue
        if not actual:
            raise InvalidInput(
                field, f"{what} is for {kind} {wanted!r}; the station has not reported its {kind}"
            )
        if wanted.casefold() != actual.casefold():
            raise InvalidInput(
                field, f"{what} is for {kind} {wanted!r}, the station's {kind} is {actual!r}"
            )


def applies(vendor: str, model: str, station_vendor: str, station_model: str) -> bool:
    try:
        check_applies("", "", vendor, model, station_vendor, station_model)
    except InvalidInput:
        return False
    return True
