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
        self._subscribers: list[tuple[type[LiveEvent], Callable[[Any], None], bool]] = []
        self._forwarders: list[Subscriber] = []

    def subscribe(
        self, kind: type[E], handler: Callable[[E], None], *, local: bool = False
    ) -> None:
        """Hand ``handler`` every event of type ``kind`` (or of a subtype) from now on;
        ``local``: only the events of this node (work that one node must do once, such as
        billing the sessions that ended on it), not those relayed from others."""
        self._subscribers.append((kind, handler, local))

    def unsubscribe(self, kind: type[E], handler: Callable[[E], None]) -> None:
        self._subscribers = [s for s in self._subscribers if (s[0], s[1]) != (kind, handler)]

    def forward_to(self, forwarder: Subscriber) -> None:
        """Also hand every event published here to ``forwarder`` (another node's bus)."""
        self._forwarders.append(forwarder)

    def stop_forwarding(self, forwarder: Subscriber) -> None:
        if forwarder in self._forwarders:
            self._forwarders.remove(forwarder)

    def publish(self, event: LiveEvent) -> None:
        """An event of this node: to the subscribers here and to the other nodes."""
        self._hand_out(event, relayed=False)
        for forwarder in list(self._forwarders):
            try:
                forwarder(event)
            except Exception:
                log.exception("event forwarding failed", topic=event.topic)

    def deliver(self, event: LiveEvent) -> None:
        """An event relayed from another node, to the subscribers here (not the local ones)."""
        self._hand_out(event, relayed=True)

    def _hand_out(self, event: LiveEvent, *, relayed: bool) -> None:
        for kind, handler, local in list(self._subscribers):
            if not isinstance(event, kind) or (local and relayed):
                continue
            try:
                handler(event)
            except Exception:
                log.exception("event subscriber failed", topic=event.topic)
