"""Storage ports of the transactions area."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from kilowatt.domain.exports import SessionRow
from kilowatt.domain.local_days import LocalDays
from kilowatt.domain.metering import MeterRecord
from kilowatt.domain.paging import Page, PageRequest
from kilowatt.domain.transactions import Transaction, TransactionEventRecord, TransactionState
from kilowatt.domain.users import Scope


@dataclass(frozen=True, slots=True)
class TransactionFilter:
    station_id: int | None = None
    id_tag: str | None = None
    state: TransactionState | None = None
    started_from: datetime | None = None
    started_until: datetime | None = None
    flagged: bool | None = None
    site_id: int | None = None
    driver: str | None = None
    """Part of the name or email of the driver whose token started it."""
    days: LocalDays | None = None
    """Started on these days, each session's in its own site's time zone."""


class TransactionRepository(Protocol):
    async def get(self, scope: Scope, transaction_id: int) -> Transaction | None: ...
    async def by_start_key(self, station_id: int, key: str) -> Transaction | None: ...
    async def by_ids(self, transaction_ids: set[int]) -> list[Transaction]: ...
    async def by_ocpp_id(self, station_id: int, ocpp_transaction_id: str) -> Transaction | None: ...
    async def open_on_connector(
        self, station_id: int, evse_id: int, connector_id: int
    ) -> list[Transaction]: ...
    async def open_on_evse(self, station_id: int, evse_id: int) -> list[Transaction]:
        """The running transactions of an EVSE, whatever their connector (2.0.1 may not
        name it)."""
        ...

    async def token_in_transaction(
        self, organization_id: int, id_tag: str, exclude: set[int] | None = None
    ) -> bool:
        """Whether the tag (compared case-insensitively) has an active transaction other than
        those in ``exclude``."""
        ...

    async def add(self, transaction: Transaction) -> Transaction: ...
    async def search(
        self, scope: Scope, page: PageRequest, where: TransactionFilter
    ) -> Page[Transaction]: ...
    async def session_rows(
        self, scope: Scope, page: PageRequest, where: TransactionFilter, one: int | None = None
    ) -> Page[SessionRow]:
        """Sessions with their station, site and driver names, newest first; ``one``: only
        that transaction."""
        ...

    async def count(self, scope: Scope, where: TransactionFilter) -> int: ...
    async def count_for_station(self, station_id: int) -> int: ...
    async def add_meter_values(
        self, records: Sequence[MeterRecord], *, fresh: bool = False
    ) -> None:
        """Store the readings not stored yet; ``fresh``: the caller knows none is (services/
        metering.py ``ReadingMemory``), so only repeats among ``records`` are left out."""
        ...

    async def latest_readings(self, station_ids: Collection[int]) -> dict[int, datetime | None]:
        """Per station, the time of its newest stored reading (None: it has none)."""
        ...

    async def meter_values(self, transaction_ids: Sequence[int]) -> list[MeterRecord]: ...
    async def event_seqs(self, transaction_id: int) -> set[int]: ...
    async def add_event(self, event: TransactionEventRecord) -> None: ...
    async def events(self, transaction_id: int) -> list[TransactionEventRecord]: ...
