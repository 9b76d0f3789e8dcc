"""Storage ports of deleting sites and stations with what they hold (services/removals.py),
and the hook where accounting will keep its records before sessions go."""

from __future__ import annotations

from collections.abc import Collection
from typing import Protocol

from kilowatt.domain.removals import Contents


class RemovalStore(Protocol):
    async def stations_at_site(self, site_id: int) -> list[int]:
        """The ids of the site's stations."""
        ...

    async def contents(self, station_ids: Collection[int]) -> dict[int, Contents]:
        """Per station: its connectors, sessions, faults (stations=1 each)."""
        ...

    async def delete_sessions(self, station_ids: Collection[int]) -> int:
        """Remove the stations' sessions (their readings and events go with them): how many."""
        ...


class AccountingRecords(Protocol):
    """What accounting must keep of sessions about to be deleted (charge detail records,
    invoice lines). Billing does not exist yet: ``NoAccounting`` keeps nothing; when it
    arrives, its implementation archives those records here, in the same unit of work."""

    @property
    def keeps_records(self) -> bool:
        """Whether anything is archived (the confirmation page says so only then)."""
        ...

    async def archive(self, station_ids: Collection[int]) -> int:
        """Archive the records of these stations' sessions before they are deleted: how many."""
        ...


class NoAccounting:
    """No billing in this installation: nothing to archive."""

    keeps_records = False

    async def archive(self, station_ids: Collection[int]) -> int:
        return 0
