from __future__ import annotations

from datetime import datetime

from kilowatt.api.schemas.common import Schema
from kilowatt.domain.reservations import ReservationStatus


class ReservationOut(Schema):
    id: int
    station_id: str
    evse_id: int
    connector_id: int
    id_tag: str
    expires_at: datetime
    status: ReservationStatus
    reason: str
    transaction_id: int | None
    created_at: datetime
    updated_at: datetime
