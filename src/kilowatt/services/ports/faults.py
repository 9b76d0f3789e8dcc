"""Storage ports of the faults area."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Protocol

from kilowatt.domain.faults import Fault, FaultCode, FaultFilter
from kilowatt.domain.paging import Page, PageRequest
from kilowatt.domain.users import Scope


@dataclass(frozen=True, slots=True)
class FaultRow:
    """A fault record with what the lists show of its station (``timezone``: its site's, UTC
    without a site)."""

    fault: Fault
    station_ocpp_id: str
    site_id: int | None
    vendor: str
    timezone: str = "UTC"


class FaultCodeRepository(Protocol):
    async def get(self, organization_id: int, code_id: int) -> FaultCode | None: ...
    async def for_codes(self, organization_id: int, codes: Collection[str]) -> list[FaultCode]:
        """Every entry (any vendor) for one of ``codes``."""
        ...

    async def by_ids(self, organization_id: int, code_ids: Collection[int]) -> list[FaultCode]: ...
    async def add(self, entry: FaultCode) -> FaultCode: ...
    async def delete(self, entry: FaultCode) -> None: ...
    async def delete_ids(self, organization_id: int, code_ids: Collection[int]) -> None: ...
    async def search(
        self, organization_id: int, page: PageRequest, text: str | None = None
    ) -> Page[FaultCode]: ...


class FaultRepository(Protocol):
    """Reads take a Scope: a caller limited to some sites finds faults of stations there."""

    async def open_at(self, station_id: int, evse_id: int, connector_id: int) -> Fault | None: ...
    async def add(self, fault: Fault) -> Fault: ...
    async def get(self, scope: Scope, fault_id: int) -> FaultRow | None: ...
    async def open_faults(self, scope: Scope, where: FaultFilter, limit: int) -> list[FaultRow]:
        """Open faults, newest first."""
        ...

    async def search(
        self, scope: Scope, page: PageRequest, where: FaultFilter
    ) -> Page[FaultRow]: ...
