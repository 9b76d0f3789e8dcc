"""Storage ports of the diagnostics area."""

from __future__ import annotations

from typing import Protocol

from kilowatt.domain.diagnostics import DiagnosticsUpload
from kilowatt.domain.paging import Page, PageRequest


class DiagnosticsRepository(Protocol):
    async def get(self, upload_id: int) -> DiagnosticsUpload | None: ...
    async def by_token(self, token_digest: str, *, lock: bool = False) -> DiagnosticsUpload | None:
        """``lock``: until the unit of work ends (one upload per token, whichever node)."""
        ...

    async def latest(self, station_id: int) -> DiagnosticsUpload | None:
        """The station's newest upload still waiting for its file, else its newest one."""
        ...

    async def add(self, upload: DiagnosticsUpload) -> DiagnosticsUpload: ...
    async def search(self, station_id: int, page: PageRequest) -> Page[DiagnosticsUpload]: ...
