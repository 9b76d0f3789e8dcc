from __future__ import annotations

from datetime import datetime
from typing import Any

import orjson

from kilowatt.api.schemas.common import Schema
from kilowatt.services.ports import StoredMessage


class MessageOut(Schema):
    id: int
    direction: str
    message_type: int
    unique_id: str
    action: str
    created_at: datetime
    frame: Any
    """The frame as JSON, or the raw text when it was not valid JSON."""

    @classmethod
    def of(cls, stored: StoredMessage) -> MessageOut:
        m = stored.message
        try:
            frame: Any = orjson.loads(m.payload)
        except orjson.JSONDecodeError:
            frame = m.payload
        return cls(
            id=stored.id,
            direction=m.direction.value,
            message_type=m.message_type,
            unique_id=m.unique_id,
            action=m.action,
            created_at=m.created_at,
            frame=frame,
        )
