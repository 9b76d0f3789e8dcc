"""In-process live events: the single-node default of the cross-node bus.

Subscribers subscribe by type (domain/live.py): ``subscribe(MeterValuesReported, handler)``
gets meter values only, ``subscribe(TransactionLifecycle, handler)`` every transaction event,
``subscribe(LiveEvent, handler)`` everything (the SSE streams). Each subscriber gets the events
in the order they were published, in the publisher's call; one that fails is logged and does
not stop the others.

With several nodes, a forwarder (kilowatt/cluster/bus.py) also sends every published event to
the other nodes, which hand it to their own subscribers with ``deliver`` (never forwarding it
again, so that no event goes round in circles).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import structlog

from kilowatt.domain.live import LiveEvent
from kilowatt.services.ports import Subscriber

log = structlog.get_logger(__name__)

E = TypeVar("E", bound=LiveEvent)


class InProcessBus:
    def __init__(self) -> None:
        self._subscribers: list[tuple[type[LiveEvent], Callable[[Any], None]]] = []
        self._forwarders: list[Subscriber] = []

    def subscribe(self, kind: type[E], handler: Callable[[E], None]) -> None:
        """Hand ``handler`` every event of type ``kind`` (or of a subtype) from now on."""
        self._subscribers.append((kind, handler))

    def unsubscribe(self, kind: type[E], handler: Callable[[E], None]) -> None:
        if (kind, handler) in self._subscribers:
            self._subscribers.remove((kind, handler))

    def forward_to(self, forwarder: Subscriber) -> None:
        """Also hand every event published here to ``forwarder`` (another node's bus)."""
        self._forwarders.append(forwarder)

    def stop_forwarding(self, forwarder: Subscriber) -> None:
        if forwarder in self._forwarders:
            self._forwarders.remove(forwarder)

    def publish(self, event: LiveEvent) -> None:
        """An event of this node: to the subscribers here and to the other nodes."""
        self.deliver(event)
        for forwarder in list(self._forwarders):
            try:
                forwarder(event)
            except Exception:
                log.exception("event forwarding failed", topic=event.topic)

    def deliver(self, event: LiveEvent) -> None:
        """An event, of this node or relayed from another one, to the subscribers here."""
        for kind, handler in list(self._subscribers):
            if not isinstance(event, kind):
                continue
            try:
                handler(event)
            except Exception:
                log.exception("event subscriber failed", topic=event.topic)
