"""In-process live events: the single-node default of the cross-node bus.

With several nodes, a forwarder (kilowatt/cluster/bus.py) also sends every published event to
the other nodes, which hand it to their own subscribers with ``deliver`` (never forwarding it
again, so that no event goes round in circles).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import structlog

from kilowatt.services.ports import Subscriber

log = structlog.get_logger(__name__)


class InProcessBus:
    def __init__(self) -> None:
        self._subscribers: list[Subscriber] = []
        self._forwarders: list[Subscriber] = []

    def subscribe(self, subscriber: Subscriber) -> None:
        self._subscribers.append(subscriber)

    def unsubscribe(self, subscriber: Subscriber) -> None:
        if subscriber in self._subscribers:
            self._subscribers.remove(subscriber)

    def forward_to(self, forwarder: Subscriber) -> None:
        """Also hand every event published here to ``forwarder`` (another node's bus)."""
        self._forwarders.append(forwarder)

    def stop_forwarding(self, forwarder: Subscriber) -> None:
        if forwarder in self._forwarders:
            self._forwarders.remove(forwarder)

    def publish(self, topic: str, payload: Mapping[str, Any]) -> None:
        """An event of this node: to the subscribers here and to the other nodes."""
        self.deliver(topic, payload)
        for forwarder in list(self._forwarders):
            try:
                forwarder(topic, payload)
            except Exception:
                log.exception("event forwarding failed", topic=topic)

    def deliver(self, topic: str, payload: Mapping[str, Any]) -> None:
        """An event, of this node or relayed from another one, to the subscribers here."""
        for subscriber in list(self._subscribers):
            try:
                subscriber(topic, payload)
            except Exception:
                log.exception("event subscriber failed", topic=topic)
