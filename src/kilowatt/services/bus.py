"""In-process live events: the single-node default of the cross-node bus."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import structlog

from kilowatt.services.ports import Subscriber

log = structlog.get_logger(__name__)


class InProcessBus:
    def __init__(self) -> None:
        self._subscribers: list[Subscriber] = []

    def subscribe(self, subscriber: Subscriber) -> None:
        self._subscribers.append(subscriber)

    def unsubscribe(self, subscriber: Subscriber) -> None:
        if subscriber in self._subscribers:
            self._subscribers.remove(subscriber)

    def publish(self, topic: str, payload: Mapping[str, Any]) -> None:
        for subscriber in list(self._subscribers):
            try:
                subscriber(topic, payload)
            except Exception:
                log.exception("event subscriber failed", topic=topic)
