from __future__ import annotations

from datetime import datetime

from sqlalchemy import CursorResult, exists, func, or_, select, update
from sqlalchemy.sql.elements import ColumnElement

from kilowatt.domain.firmware import (
    ACTIVE_CAMPAIGN,
    FINAL_UPDATE,
    Firmware,
    FirmwareCampaign,
    FirmwareUpdate,
    UpdateStatus,
)
from kilowatt.domain.paging import Page, PageRequest
from kilowatt.domain.users import Scope
from kilowatt.persistence.models.firmware import firmware, firmware_campaigns, firmware_updates
from kilowatt.persistence.models.stations import stations
from kilowatt.persistence.repositories.base import Repository, at_scoped_station, page_of
from kilowatt.persistence.repositories.stations import in_scope
from kilowatt.services.ports import FirmwareVersionCount


class SqlFirmwareRepository(Repository):
    async def get(self, organization_id: int, firmware_id: int) -> Firmware | None:
        query = select(Firmware).where(
            firmware.c.id == firmware_id, firmware.c.organization_id == organization_id
        )
        return (await self.session.execute(query)).scalar_one_or_none()

    async def get_any(self, firmware_id: int) -> Firmware | None:
        return await self.session.get(Firmware, firmware_id)

    async def add(self, image: Firmware) -> Firmware:
        return await self._add(image)

    async def delete(self, image: Firmware) -> None:
        await self._delete(image)

    async def search(self, organization_id: int, page: PageRequest) -> Page[Firmware]:
        query = select(Firmware).where(firmware.c.organization_id == organization_id)
        return await page_of(self.session, query, firmware.c.id, page, newest_first=True)

    async def versions(self, scope: Scope) -> list[FirmwareVersionCount]:
        query = (
            select(
                stations.c.vendor,
                stations.c.model,
                stations.c.firmware_version,
                func.count().label("stations"),
            )
            .where(in_scope(scope))
            .group_by(stations.c.vendor, stations.c.model, stations.c.firmware_version)
            .order_by(stations.c.vendor, stations.c.model, stations.c.firmware_version)
        )
        return [
            FirmwareVersionCount(row.vendor, row.model, row.firmware_version, int(row.stations))
            for row in await self.session.execute(query)
        ]


def _campaign_in(scope: Scope) -> ColumnElement[bool]:
    """Campaigns of the organization; for a scope limited to some sites, those none of whose
    stations is elsewhere (or nowhere)."""
    condition = firmware_campaigns.c.organization_id == scope.organization_id
    if scope.site_ids is None:
        return condition
    elsewhere = (
        select(firmware_updates.c.id)
        .join(stations, stations.c.id == firmware_updates.c.station_id)
        .where(
            firmware_updates.c.campaign_id == firmware_campaigns.c.id,
            or_(stations.c.site_id.is_(None), stations.c.site_id.not_in(sorted(scope.site_ids))),
        )
    )
    return condition & ~exists(elsewhere)


class SqlFirmwareCampaignRepository(Repository):
    async def get(self, scope: Scope, campaign_id: int) -> FirmwareCampaign | None:
        query = select(FirmwareCampaign).where(
            firmware_campaigns.c.id == campaign_id, _campaign_in(scope)
        )
        return (await self.session.execute(query)).scalar_one_or_none()

    async def lock(self, campaign_id: int) -> FirmwareCampaign | None:
        # SQLite has no FOR UPDATE (SQLAlchemy leaves it out); its writers take turns anyway.
        query = (
            select(FirmwareCampaign)
            .where(firmware_campaigns.c.id == campaign_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        return (await self.session.execute(query)).scalar_one_or_none()

    async def add(self, campaign: FirmwareCampaign) -> FirmwareCampaign:
        return await self._add(campaign)

    async def search(self, scope: Scope, page: PageRequest) -> Page[FirmwareCampaign]:
        query = select(FirmwareCampaign).where(_campaign_in(scope))
        return await page_of(self.session, query, firmware_campaigns.c.id, page, newest_first=True)

    async def active_ids(self) -> list[int]:
        query = (
            select(firmware_campaigns.c.id)
            .where(firmware_campaigns.c.status.in_(list(ACTIVE_CAMPAIGN)))
            .order_by(firmware_campaigns.c.id)
        )
        return [int(value) for value in (await self.session.execute(query)).scalars()]

    async def count_active_using(self, firmware_id: int) -> int:
        query = (
            select(func.count())
            .select_from(firmware_campaigns)
            .where(
                firmware_campaigns.c.firmware_id == firmware_id,
                firmware_campaigns.c.status.in_(list(ACTIVE_CAMPAIGN)),
            )
        )
        return int((await self.session.execute(query)).scalar_one())


class SqlFirmwareUpdateRepository(Repository):
    async def get(self, update_id: int) -> FirmwareUpdate | None:
        return await self.session.get(FirmwareUpdate, update_id)

    async def add(self, update: FirmwareUpdate) -> FirmwareUpdate:
        return await self._add(update)

    async def for_campaign(self, campaign_id: int) -> list[FirmwareUpdate]:
        query = (
            select(FirmwareUpdate)
            .where(firmware_updates.c.campaign_id == campaign_id)
            .order_by(firmware_updates.c.batch, firmware_updates.c.id)
        )
        return list((await self.session.execute(query)).scalars())

    async def claim(self, update_id: int, now: datetime, stale_before: datetime) -> bool:
        table = firmware_updates.c
        statement = (
            update(firmware_updates)
            .where(
                table.id == update_id,
                table.status == UpdateStatus.PENDING,
                or_(table.claimed_at.is_(None), table.claimed_at <= stale_before),
            )
            .values(claimed_at=now)
        )
        result = await self.session.execute(statement)
        assert isinstance(result, CursorResult)
        return bool(result.rowcount == 1)

    async def latest_open(self, station_id: int) -> FirmwareUpdate | None:
        waiting = [*FINAL_UPDATE, UpdateStatus.PENDING]
        query = (
            select(FirmwareUpdate)
            .where(
                firmware_updates.c.station_id == station_id,
                firmware_updates.c.status.not_in(waiting),
            )
            .order_by(firmware_updates.c.id.desc())
            .limit(1)
        )
        return (await self.session.execute(query)).scalar_one_or_none()

    async def counts(self, campaign_ids: set[int]) -> dict[int, dict[str, int]]:
        if not campaign_ids:
            return {}
        table = firmware_updates
        query = (
            select(table.c.campaign_id, table.c.status, func.count().label("targets"))
            .where(table.c.campaign_id.in_(campaign_ids))
            .group_by(table.c.campaign_id, table.c.status)
        )
        counts: dict[int, dict[str, int]] = {key: {} for key in campaign_ids}
        for row in await self.session.execute(query):
            status = row.status.value if isinstance(row.status, UpdateStatus) else row.status
            counts[row.campaign_id][str(status)] = int(row.targets)
        return counts

    async def in_active_campaigns(self, station_ids: set[int]) -> set[int]:
        if not station_ids:
            return set()
        query = (
            select(firmware_updates.c.station_id)
            .join(firmware_campaigns, firmware_campaigns.c.id == firmware_updates.c.campaign_id)
            .where(
                firmware_updates.c.station_id.in_(station_ids),
                firmware_updates.c.status.not_in(list(FINAL_UPDATE)),
                firmware_campaigns.c.status.in_(list(ACTIVE_CAMPAIGN)),
            )
        )
        return set((await self.session.execute(query)).scalars())

    async def search(
        self, scope: Scope, page: PageRequest, station_id: int | None = None
    ) -> Page[FirmwareUpdate]:
        query = select(FirmwareUpdate).where(
            firmware_updates.c.organization_id == scope.organization_id,
            at_scoped_station(firmware_updates.c.station_id, scope),
        )
        if station_id is not None:
            query = query.where(firmware_updates.c.station_id == station_id)
        return await page_of(self.session, query, firmware_updates.c.id, page, newest_first=True)
