from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field

from kilowatt.api.schemas.common import Patch, Schema


class VendorTemplateIn(Schema):
    name: str = Field(min_length=1, max_length=100, description="What `vendor` commands name.")
    vendor_id: str = Field(min_length=1, max_length=255, description="DataTransfer vendorId.")
    message_id: str = Field(default="", max_length=50, description="DataTransfer messageId.")
    data: Any = Field(
        default=None,
        description="DataTransfer data: as it is for 2.0.1; 1.6 gets it as text (JSON text "
        "unless it is a string).",
    )
    station_vendor: str = Field(
        default="", max_length=50, description="Only for stations of this vendor."
    )
    station_model: str = Field(
        default="", max_length=50, description="Only for stations of this model."
    )
    description: str = Field(default="", max_length=500)


class VendorTemplatePatch(Patch):
    text_fields = frozenset({"message_id", "station_vendor", "station_model", "description"})
    required_fields = frozenset({"name", "vendor_id"})

    name: str | None = Field(default=None, min_length=1, max_length=100)
    vendor_id: str | None = Field(default=None, min_length=1, max_length=255)
    message_id: str | None = Field(default=None, max_length=50)
    data: Any = None
    station_vendor: str | None = Field(default=None, max_length=50)
    station_model: str | None = Field(default=None, max_length=50)
    description: str | None = Field(default=None, max_length=500)


class VendorTemplateOut(Schema):
    id: int
    name: str
    vendor_id: str
    message_id: str
    data: Any
    station_vendor: str
    station_model: str
    description: str
    created_at: datetime
    updated_at: datetime
