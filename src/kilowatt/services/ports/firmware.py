"""Storage ports of the firmware area."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from kilowatt.domain.firmware import Firmware, FirmwareCampaign, FirmwareUpdate
from kilowatt.domain.paging import Page, PageRequest
from kilowatt.domain.users import Scope


@dataclass(frozen=True, slots=True)
class FirmwareVersionCount:
    vendor: str
    model: str
    firmware_version: str
    stations: int


class FirmwareRepository(Protocol):
    async def get(self, organization_id: int, firmware_id: int) -> Firmware | None: ...
    async def get_any(self, firmware_id: int) -> Firmware | None:
        """Across organizations: for a station following a signed link."""
        ...

    async def add(self, firmware: Firmware) -> Firmware: ...
    async def delete(self, firmware: Firmware) -> None: ...
    async def search(self, organization_id: int, page: PageRequest) -> Page[Firmware]: ...
    async def versions(self, scope: Scope) -> list[FirmwareVersionCount]:
        """The stations in scope counted by vendor, model and firmware version."""
        ...


class FirmwareCampaignRepository(Protocol):
    async def get(self, scope: Scope, campaign_id: int) -> FirmwareCampaign | None:
        """For a caller limited to some sites: only a campaign none of whose stations is
        outside them."""
        ...

    async def lock(self, campaign_id: int) -> FirmwareCampaign | None:
        """The campaign, locked until the unit of work ends (SELECT ... FOR UPDATE): decisions
        about one campaign are taken one at a time, whichever node takes them."""
        ...

    async def add(self, campaign: FirmwareCampaign) -> FirmwareCampaign: ...
    async def search(self, scope: Scope, page: PageRequest) -> Page[FirmwareCampaign]: ...
    async def active_ids(self) -> list[int]:
        """Every organization's campaigns that still run, oldest first."""
        ...

    async def count_active_using(self, firmware_id: int) -> int: ...


class FirmwareUpdateRepository(Protocol):
    async def get(self, update_id: int) -> FirmwareUpdate | None: ...
    async def add(self, update: FirmwareUpdate) -> FirmwareUpdate: ...
    async def for_campaign(self, campaign_id: int) -> list[FirmwareUpdate]: ...
    async def claim(self, update_id: int, now: datetime, stale_before: datetime) -> bool:
        """Take a pending target for sending, unless another sender claimed it after
        ``stale_before`` (domain.firmware.claimable), in one conditional statement."""
        ...

    async def latest_open(self, station_id: int) -> FirmwareUpdate | None:
        """The station's newest update that was sent and has not finished."""
        ...

    async def counts(self, campaign_ids: set[int]) -> dict[int, dict[str, int]]:
        """Targets of each campaign by status."""
        ...

    async def in_active_campaigns(self, station_ids: set[int]) -> set[int]:
        """Those of the stations that are unfinished targets of a running campaign."""
        ...

    async def search(
        self, scope: Scope, page: PageRequest, station_id: int | None = None
    ) -> Page[FirmwareUpdate]: ...
