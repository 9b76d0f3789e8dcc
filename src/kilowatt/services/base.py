"""Wiring shared by the services."""

from __future__ import annotations

from datetime import UTC, datetime

from kilowatt.services.ports import Clock, EventPublisher, UnitOfWorkFactory


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class Service:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, bus: EventPublisher) -> None:
        self.uow = uow
        self.clock = clock
        self.bus = bus
