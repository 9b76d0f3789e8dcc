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

    async def accounting_records(self, station_ids: Collection[int]) -> int:
        """How many charge detail records the stations' sessions have: they stay when the
        sessions go (stored apart, with no foreign key)."""
        ...

    async def delete_sessions(self, station_ids: Collection[int]) -> int:
        """Remove the stations' sessions (their readings and events go with them): how many."""
        ...


class AccountingRecords(Protocol):
    """What accounting must keep of sessions about to be deleted (charge detail records,
    invoice lines). Charge detail records are stored apart from sessions and stay as they
    are (``CdrsStay``, services/removals.py); anything accounting must move first is moved
    here, in the same unit of work."""

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
