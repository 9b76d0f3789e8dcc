"""The raw-frame log, written in batches off the message path.

Frames are queued in memory and written every ``interval`` seconds (or sooner when a batch
fills). The log is for investigation, not for billing: if the database is unreachable for a
long time the oldest queued frames are dropped, counted and reported, rather than letting
memory grow without bound.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime

import structlog

from kilowatt.domain.events import Direction, OcppMessage
from kilowatt.services.message_log import MessageLogService

log = structlog.get_logger(__name__)


class MessageLog:
    def __init__(
        self,
        service: MessageLogService,
        *,
        enabled: bool = True,
        batch: int = 500,
        interval: float = 0.5,
        max_queued: int = 100_000,
    ) -> None:
        self._service = service
        self.enabled = enabled
        self._batch = batch
        self._interval = interval
        self._max_queued = max_queued
        self._queue: list[OcppMessage] = []
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.dropped = 0

    def record(
        self,
        station: str,
        direction: Direction,
        message_type: int,
        unique_id: str,
        action: str,
        payload: str,
    ) -> None:
        if not self.enabled:
            return
        self._queue.append(
            OcppMessage(
                station_ocpp_id=station,
                direction=direction,
                message_type=message_type,
                unique_id=unique_id,
                action=action,
                payload=payload,
                created_at=datetime.now(UTC),
            )
        )
        if len(self._queue) > self._max_queued:
            excess = len(self._queue) - self._max_queued
            del self._queue[:excess]
            self.dropped += excess
        if len(self._queue) >= self._batch:
            self._wake.set()

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="ocpp-message-log")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await self.flush()

    async def flush(self) -> None:
        while self._queue:
            batch, self._queue = self._queue[: self._batch], self._queue[self._batch :]
            try:
                await self._service.record(batch)
            except Exception as exc:  # the database is away: keep the frames, try later
                self._queue[:0] = batch
                log.warning("message log write failed", error=str(exc), queued=len(self._queue))
                return

    async def _run(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self._interval)
            self._wake.clear()
            await self.flush()
            if self.dropped:
                log.warning("message log dropped frames", dropped=self.dropped)
                self.dropped = 0
