"""Live events: where services publish them."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Protocol


class EventPublisher(Protocol):
    """Live events for dashboards and other nodes (in-process or Redis)."""

    def publish(self, topic: str, payload: Mapping[str, Any]) -> None: ...


Subscriber = Callable[[str, Mapping[str, Any]], None]
