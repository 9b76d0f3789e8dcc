from __future__ import annotations

from datetime import datetime

from pydantic import Field

from kilowatt.api.schemas.common import Id, Patch, Schema
from kilowatt.domain.faults import CODE_LENGTH, DESCRIPTION_LENGTH, VENDOR_LENGTH, FaultView


class FaultCodeIn(Schema):
    code: str = Field(
        min_length=1,
        max_length=CODE_LENGTH,
        description="An OCPP error code (`GroundFailure`) or a vendor's own error code.",
    )
    vendor: str = Field(
        default="",
        max_length=VENDOR_LENGTH,
        description="Only for stations of this vendor (compared without case); empty: any.",
    )
    description: str = Field(min_length=1, max_length=DESCRIPTION_LENGTH)


class FaultCodePatch(Patch):
    text_fields = frozenset({"vendor"})
    required_fields = frozenset({"code", "description"})

    code: str | None = Field(default=None, min_length=1, max_length=CODE_LENGTH)
    vendor: str | None = Field(default=None, max_length=VENDOR_LENGTH)
    description: str | None = Field(default=None, min_length=1, max_length=DESCRIPTION_LENGTH)


class FaultCodeOut(Schema):
    id: int
    code: str
    vendor: str
    description: str
    created_at: datetime
    updated_at: datetime


class FaultCodeBulkDelete(Schema):
    ids: list[Id] = Field(min_length=1, max_length=500, description="Entries to delete.")


class FaultCodesDeleted(Schema):
    deleted: list[FaultCodeOut]


class FaultOut(Schema):
    id: int
    station_id: str = Field(description="OCPP identity of the station.")
    site_id: int | None
    evse_id: int = Field(description="0: the station as a whole.")
    connector_id: int
    error_code: str
    vendor_error_code: str
    description: str = Field(
        description="From the fault-code dictionary (the vendor's entry, else the generic "
        "one), else OCPP's meaning of the error code; empty when nothing is known."
    )
    info: str
    started_at: datetime
    ended_at: datetime | None = Field(description="null while the fault lasts.")
    open: bool

    @classmethod
    def of(cls, view: FaultView) -> FaultOut:
        return cls(
            id=view.id,
            station_id=view.station_ocpp_id,
            site_id=view.site_id,
            evse_id=view.evse_id,
            connector_id=view.connector_id,
            error_code=view.error_code,
            vendor_error_code=view.vendor_error_code,
            description=view.description,
            info=view.info,
            started_at=view.started_at,
            ended_at=view.ended_at,
            open=view.open,
        )
