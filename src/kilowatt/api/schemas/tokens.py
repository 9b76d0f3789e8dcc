from __future__ import annotations

from datetime import datetime

from pydantic import Field

from kilowatt.api.schemas.common import AwareDatetime, Patch, Schema
from kilowatt.domain.tokens import IdTokenType, TokenStatus


class TokenIn(Schema):
    value: str = Field(min_length=1, max_length=255, description="Card UID, app token...")
    type: IdTokenType = IdTokenType.ISO14443
    status: TokenStatus = TokenStatus.ACCEPTED
    expires_at: AwareDatetime | None = None
    group_id: str | None = Field(
        default=None, max_length=255, description="Parent id tag for OCPP group authorization."
    )
    label: str = Field(default="", max_length=200)


class TokenPatch(Patch):
    text_fields = frozenset({"label"})
    required_fields = frozenset({"status"})

    status: TokenStatus | None = None
    expires_at: AwareDatetime | None = None
    group_id: str | None = Field(default=None, max_length=255)
    label: str | None = Field(default=None, max_length=200)


class TokenOut(Schema):
    id: int
    value: str
    type: IdTokenType
    status: TokenStatus
    expires_at: datetime | None
    group_id: str | None
    label: str
    created_at: datetime
    updated_at: datetime
