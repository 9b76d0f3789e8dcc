"""Firmware management: images uploaded by operators, served to stations by signed expiring
links, UpdateFirmware to one station or to a group in a staged campaign, progress from the
stations' FirmwareStatusNotifications, and the fleet's firmware versions.

A campaign sends the update to a first batch; the rest get it only once every station of the
first batch reports Installed, and never if one of them fails. Decisions about a campaign are
taken under a lock on its row, so that two notifications arriving at once (on one node or on
two) cannot both release the rest.

Where a campaign stands lives in the database, never only in a task: ``advance_campaigns`` (the
``firmware-campaigns`` job, every few seconds and whenever a node starts) takes the step each
running campaign is due, so one that a stopped or killed node left half sent goes on. Each step
sends the update to at most ``campaign_step`` stations per campaign, each claimed first, so
that senders running at once never send a station the update twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import structlog

from kilowatt.domain.command_params import SignedUpdateFirmware, UpdateFirmware
from kilowatt.domain.commands import Command, CommandStatus, Outcome
from kilowatt.domain.errors import Conflict, DomainError, InvalidInput, NotFound, StationOffline
from kilowatt.domain.events import EventKind
from kilowatt.domain.files import safe_name
from kilowatt.domain.firmware import (
    CLAIM_TTL,
    MAX_CERTIFICATE,
    MAX_SIGNATURE,
    CampaignStatus,
    Firmware,
    FirmwareCampaign,
    FirmwareUpdate,
    Step,
    UpdateStatus,
    apply_outcome,
    apply_progress,
    batch_size,
    due_targets,
    fail,
    finish_campaign,
    next_step,
    progress,
    waits_for_station,
)
from kilowatt.domain.live import (
    FirmwareCampaignChanged,
    FirmwareStatusReported,
    FirmwareUpdateProgressed,
)
from kilowatt.domain.paging import Page, PageRequest
from kilowatt.domain.stations import OcppId, Station, StationRef
from kilowatt.domain.users import Principal, Scope
from kilowatt.domain.vendor import applies, check_applies
from kilowatt.services.audit import record
from kilowatt.services.base import Service, station_in_scope
from kilowatt.services.commands import CommandService, Hook
from kilowatt.services.files import FileLinks, transfer_status
from kilowatt.services.ports import (
    Clock,
    EventPublisher,
    FileStore,
    FirmwareVersionCount,
    StationFilter,
    StoredFile,
    UnitOfWork,
    UnitOfWorkFactory,
)

log = structlog.get_logger(__name__)

F = TypeVar("F", bound=UpdateFirmware)
"""UpdateFirmware, or SignedUpdateFirmware (which has the same parameters)."""


@dataclass(frozen=True, slots=True)
class FirmwareInput:
    version: str
    file_name: str
    vendor: str = ""
    model: str = ""
    signing_certificate: str = ""
    signature: str = ""
    description: str = ""


@dataclass(frozen=True, slots=True)
class CampaignInput:
    firmware_id: int
    name: str = ""
    station_ids: Sequence[str] = ()
    site_id: int | None = None
    vendor: str = ""
    model: str = ""
    first_batch_size: int | None = None
    first_batch_percent: float | None = None
    retrieve_at: datetime | None = None
    retries: int | None = None
    retry_interval: int | None = None


@dataclass(frozen=True, slots=True)
class CampaignView:
    campaign: FirmwareCampaign
    counts: dict[str, int]
    """Targets by status."""
    updates: list[FirmwareUpdate] = field(default_factory=list)
    """Every target (only when one campaign is asked for)."""


async def _stations_matching(uow: UnitOfWork, scope: Scope, site_id: int | None) -> list[Station]:
    found: list[Station] = []
    cursor = None
    while True:
        page = await uow.stations.search(
            scope, PageRequest(limit=500, cursor=cursor), StationFilter(site_id=site_id)
        )
        found += page.items
        if page.next_cursor is None:
            return found
        cursor = page.next_cursor


class FirmwareService(Service):
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        bus: EventPublisher,
        *,
        store: FileStore,
        links: FileLinks,
        max_bytes: int,
        url_ttl: int,
        campaign_step: int = 100,
        offline_grace: float = 300.0,
    ) -> None:
        super().__init__(uow, clock, bus)
        self.store = store
        self.links = links
        self.max_bytes = max_bytes
        self.url_ttl = url_ttl
        self.campaign_step = campaign_step
        self.offline_grace = timedelta(seconds=offline_grace)
        self.remote: CommandService | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    def install(self, remote: CommandService) -> None:
        self.remote = remote
        remote.register(Hook(UpdateFirmware, self._prepare, self._answered))
        # The 1.6 security extension's signed update.
        remote.register(Hook(SignedUpdateFirmware, self._prepare, self._answered))

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    # Images ------------------------------------------------------------------------------

    async def receive(self, chunks: AsyncIterable[bytes]) -> StoredFile:
        """Store an uploaded image (TooLarge past the limit); ``add`` then records it."""
        return await self.store.write(
            f"firmware/{uuid.uuid4().hex}", chunks, max_bytes=self.max_bytes
        )

    async def discard(self, stored: StoredFile) -> None:
        await self.store.delete(stored.key)

    async def add(
        self, principal: Principal, data: FirmwareInput, stored: StoredFile, uploaded_by: str
    ) -> Firmware:
        """Record a stored image; the file is removed when it cannot be."""
        try:
            if not data.version.strip():
                raise InvalidInput("version", "may not be empty")
            if len(data.signing_certificate) > MAX_CERTIFICATE:
                raise InvalidInput("signing_certificate", f"at most {MAX_CERTIFICATE} characters")
            if len(data.signature) > MAX_SIGNATURE:
                raise InvalidInput("signature", f"at most {MAX_SIGNATURE} characters")
            if stored.size == 0:
                raise InvalidInput("file", "the file is empty")
            async with self.uow() as uow:
                image = await uow.firmware.add(
                    Firmware(
                        organization_id=principal.organization_id,
                        version=data.version.strip(),
                        file_name=safe_name(data.file_name, default="firmware.bin"),
                        size=stored.size,
                        sha256=stored.sha256,
                        storage_key=stored.key,
                        uploaded_by=uploaded_by,
                        created_at=self.clock.now(),
                        vendor=data.vendor.strip(),
                        model=data.model.strip(),
                        signing_certificate=data.signing_certificate,
                        signature=data.signature,
                        description=data.description,
                    )
                )
                await record(
                    uow,
                    principal,
                    "firmware.create",
                    "firmware",
                    image.id,
                    {
                        "version": image.version,
                        "file_name": image.file_name,
                        "size": image.size,
                        "sha256": image.sha256,
                        "vendor": image.vendor,
                        "model": image.model,
                    },
                    at=image.created_at,
                )
                await uow.commit()
        except BaseException:
            await self.discard(stored)
            raise
        return image

    async def get(self, principal: Principal, firmware_id: int) -> Firmware:
        async with self.uow(readonly=True) as uow:
            image = await uow.firmware.get(principal.organization_id, firmware_id)
        if image is None:
            raise NotFound("firmware", firmware_id)
        return image

    async def search(self, principal: Principal, page: PageRequest) -> Page[Firmware]:
        async with self.uow(readonly=True) as uow:
            return await uow.firmware.search(principal.organization_id, page)

    async def delete(self, principal: Principal, firmware_id: int) -> None:
        async with self.uow() as uow:
            image = await uow.firmware.get(principal.organization_id, firmware_id)
            if image is None or image.id is None:
                raise NotFound("firmware", firmware_id)
            if await uow.firmware_campaigns.count_active_using(image.id):
                raise Conflict(f"firmware {firmware_id} is used by a running campaign")
            key = image.storage_key
            await uow.firmware.delete(image)
            await record(
                uow,
                principal,
                "firmware.delete",
                "firmware",
                firmware_id,
                {"version": image.version, "file_name": image.file_name},
                at=self.clock.now(),
            )
            await uow.commit()
        await self.store.delete(key)

    async def file(self, principal: Principal, firmware_id: int) -> tuple[Firmware, Path]:
        image = await self.get(principal, firmware_id)
        return image, self.store.local_path(image.storage_key)

    async def download(
        self, firmware_id: int, file_name: str, expires: int, mac: str
    ) -> tuple[Firmware, Path]:
        """What a station's signed link leads to: Forbidden when the link is not valid."""
        self.links.check_firmware(firmware_id, file_name, expires, mac, self.clock.now())
        async with self.uow(readonly=True) as uow:
            image = await uow.firmware.get_any(firmware_id)
        if image is None or image.file_name != file_name:
            raise NotFound("firmware", firmware_id)
        return image, self.store.local_path(image.storage_key)

    async def versions(self, principal: Principal) -> list[FirmwareVersionCount]:
        async with self.uow(readonly=True) as uow:
            return await uow.firmware.versions(principal.scope)

    async def station_updates(
        self, principal: Principal, ocpp_id: str, page: PageRequest
    ) -> Page[FirmwareUpdate]:
        async with self.uow(readonly=True) as uow:
            station = await station_in_scope(uow, principal.scope, ocpp_id)
            return await uow.firmware_updates.search(principal.scope, page, station.id)

    # UpdateFirmware, as a command ----------------------------------------------------------

    async def _prepare(self, uow: UnitOfWork, command: Command, params: F, now: datetime) -> F:
        """Turn ``firmware_id`` into a signed location, and open the update it tracks."""
        firmware_id = params.firmware_id
        image = await uow.firmware.get(command.organization_id, firmware_id)
        if image is None or image.id is None:
            raise NotFound("firmware", firmware_id)
        station = await uow.stations.get_by_id(command.station_id)
        if station is None:
            raise NotFound("station", command.station_ocpp_id)
        check_applies(
            "firmware_id",
            f"firmware {image.version}",
            image.vendor,
            image.model,
            station.vendor,
            station.model,
        )
        retrieve_at = params.retrieve_at or now
        retries = params.retries or 0
        interval = params.retry_interval or 0
        expires = max(retrieve_at, now) + timedelta(seconds=self.url_ttl + retries * interval)
        params = replace(
            params,
            location=self.links.firmware_url(image, expires),
            retrieve_at=retrieve_at,
            firmware_version=image.version,
            signing_certificate=image.signing_certificate or None,
            signature=image.signature or None,
        )
        if params.update_id is not None:  # a campaign's target
            update = await uow.firmware_updates.get(params.update_id)
            if (
                update is None
                or update.station_id != command.station_id
                or update.status is not UpdateStatus.PENDING
            ):
                raise Conflict("this campaign target is no longer waiting for the update")
            update.status = UpdateStatus.SENT
            update.updated_at = now
            return params
        update = await uow.firmware_updates.add(
            FirmwareUpdate(
                organization_id=command.organization_id,
                station_id=command.station_id,
                station_ocpp_id=command.station_ocpp_id,
                firmware_id=image.id,
                firmware_version=image.version,
                status=UpdateStatus.SENT,
                created_at=now,
                updated_at=now,
            )
        )
        return replace(params, update_id=update.id)

    async def _answered(
        self,
        uow: UnitOfWork,
        command: Command,
        params: UpdateFirmware,
        outcome: Outcome,
        now: datetime,
    ) -> None:
        if params.update_id is None:
            return
        update = await uow.firmware_updates.get(params.update_id)
        if update is None:
            return
        campaign = await self._lock_campaign(uow, update)
        update.command_id = command.id
        accepted = outcome.status is CommandStatus.ACCEPTED
        if apply_outcome(update, accepted, outcome.error, now) and campaign is not None:
            # Only notifications release the rest (they alone say Installed).
            await self._decide(uow, campaign, now, release=False)

    # Progress ----------------------------------------------------------------------------

    async def status_notification(
        self, ref: StationRef, status: str, request_id: int | None = None
    ) -> None:
        """A FirmwareStatusNotification: on the station, and on the update it is about (the
        command named by ``request_id`` in 2.0.1, else the station's latest open update)."""
        now = self.clock.now()
        station_id, ocpp_id = ref.id, ref.ocpp_id
        released: FirmwareCampaign | None = None
        moved: FirmwareUpdate | None = None
        async with self.uow() as uow:
            station = await uow.stations.get_by_id(station_id)
            if station is None:
                raise NotFound("station", ocpp_id)
            await uow.events.add(
                transfer_status(station, EventKind.FIRMWARE_STATUS, "firmware_status", status, now)
            )
            update = await self._update_for(uow, station_id, request_id)
            if update is not None:
                campaign = await self._lock_campaign(uow, update)
                if apply_progress(update, status, now):
                    moved = update
                    if campaign is not None and await self._decide(uow, campaign, now):
                        released = campaign
            await uow.commit()
        self.bus.publish(FirmwareStatusReported(ocpp_id, status))
        if moved is not None:
            assert moved.id is not None
            self.bus.publish(
                FirmwareUpdateProgressed(ocpp_id, moved.id, moved.campaign_id, moved.status)
            )
        if released is not None and released.id is not None:
            log.info("firmware campaign rolls out to the rest", campaign=released.id)
            self._spawn(self._advance(released.id), f"campaign-{released.id}-rollout")

    @staticmethod
    async def _update_for(
        uow: UnitOfWork, station_id: int, request_id: int | None
    ) -> FirmwareUpdate | None:
        if request_id is None:
            return await uow.firmware_updates.latest_open(station_id)
        command = await uow.commands.get(request_id)
        if (
            command is None
            or command.station_id != station_id
            or not isinstance(command.params, UpdateFirmware)
            or command.params.update_id is None
        ):
            return None
        return await uow.firmware_updates.get(command.params.update_id)

    @staticmethod
    async def _lock_campaign(uow: UnitOfWork, update: FirmwareUpdate) -> FirmwareCampaign | None:
        if update.campaign_id is None:
            return None
        return await uow.firmware_campaigns.lock(update.campaign_id)

    async def _decide(
        self, uow: UnitOfWork, campaign: FirmwareCampaign, now: datetime, *, release: bool = True
    ) -> bool:
        """Take the campaign's next step in this unit of work; True when the rest are to be
        sent the update (after it commits)."""
        if not campaign.active or campaign.id is None:
            return False
        updates = await uow.firmware_updates.for_campaign(campaign.id)
        step = next_step(campaign.status, updates)
        if step is Step.HALT:
            failed = next(u for u in updates if u.batch == 1 and u.status is UpdateStatus.FAILED)
            reason = f"{failed.station_ocpp_id} failed in the first batch: {failed.detail}"
            finish_campaign(campaign, CampaignStatus.HALTED, updates, now, reason)
            log.warning("firmware campaign halted", campaign=campaign.id, reason=reason)
        elif step is Step.COMPLETE:
            finish_campaign(campaign, CampaignStatus.COMPLETED, updates, now)
        elif step is Step.RELEASE and release:
            campaign.status = CampaignStatus.ROLLOUT
            campaign.updated_at = now
        else:
            return False
        assert campaign.id is not None
        self.bus.publish(
            FirmwareCampaignChanged(campaign.organization_id, campaign.id, campaign.status)
        )
        return campaign.status is CampaignStatus.ROLLOUT

    # Campaigns ---------------------------------------------------------------------------

    async def create_campaign(
        self, principal: Principal, data: CampaignInput, requested_by: str
    ) -> CampaignView:
        if not (data.station_ids or data.site_id is not None or data.vendor or data.model):
            raise InvalidInput(
                "station_ids", "name the stations, or a site or vendor/model to choose them by"
            )
        now = self.clock.now()
        organization_id = principal.organization_id
        scope = principal.scope
        async with self.uow() as uow:
            image = await uow.firmware.get(organization_id, data.firmware_id)
            if image is None or image.id is None:
                raise NotFound("firmware", data.firmware_id)
            if data.site_id is not None and await uow.sites.get(scope, data.site_id) is None:
                raise NotFound("site", data.site_id)
            chosen = await self._choose(uow, scope, image, data)
            busy = await uow.firmware_updates.in_active_campaigns(set(chosen))
            if busy:
                names = ", ".join(sorted(chosen[i].ocpp_id for i in busy))
                raise Conflict(f"already in a running firmware campaign: {names}")
            # Stations that are online now go first: an offline one would fail the first batch.
            stations = sorted(chosen.values(), key=lambda s: not s.online)
            first = batch_size(len(stations), data.first_batch_size, data.first_batch_percent)
            campaign = await uow.firmware_campaigns.add(
                FirmwareCampaign(
                    organization_id=organization_id,
                    firmware_id=image.id,
                    firmware_version=image.version,
                    name=data.name.strip() or f"firmware {image.version}",
                    status=CampaignStatus.FIRST_BATCH,
                    first_batch_size=first,
                    requested_by=requested_by,
                    created_at=now,
                    updated_at=now,
                    selection={
                        "station_ids": list(data.station_ids),
                        "site_id": data.site_id,
                        "vendor": data.vendor,
                        "model": data.model,
                    },
                    retrieve_at=data.retrieve_at,
                    retries=data.retries,
                    retry_interval=data.retry_interval,
                )
            )
            assert campaign.id is not None
            for index, station in enumerate(stations):
                assert station.id is not None
                await uow.firmware_updates.add(
                    FirmwareUpdate(
                        organization_id=organization_id,
                        station_id=station.id,
                        station_ocpp_id=station.ocpp_id,
                        firmware_id=image.id,
                        firmware_version=image.version,
                        status=UpdateStatus.PENDING,
                        created_at=now,
                        updated_at=now,
                        campaign_id=campaign.id,
                        batch=1 if index < first else 2,
                    )
                )
            await record(
                uow,
                principal,
                "firmware_campaign.create",
                "firmware_campaign",
                campaign.id,
                {
                    "firmware_id": image.id,
                    "name": campaign.name,
                    "selection": campaign.selection,
                    "stations": [s.ocpp_id for s in stations],
                },
                at=now,
            )
            await uow.commit()
        log.info("firmware campaign started", campaign=campaign.id, stations=len(stations))
        await self._advance(campaign.id)
        return await self.get_campaign(principal, campaign.id)

    @staticmethod
    async def _choose(
        uow: UnitOfWork, scope: Scope, image: Firmware, data: CampaignInput
    ) -> dict[int, Station]:
        """Named stations (each must suit the image), then those the filters select (those
        that do not suit it are left out)."""
        chosen: dict[int, Station] = {}
        for ocpp_id in data.station_ids:
            station = await uow.stations.get(scope, ocpp_id)
            if station is None or station.id is None:
                raise NotFound("station", ocpp_id)
            try:
                check_applies(
                    "station_ids",
                    f"firmware {image.version}",
                    image.vendor,
                    image.model,
                    station.vendor,
                    station.model,
                )
            except InvalidInput as error:
                raise InvalidInput(error.field, f"{ocpp_id}: {error.message}") from error
            chosen[station.id] = station
        if data.site_id is not None or data.vendor or data.model:
            for station in await _stations_matching(uow, scope, data.site_id):
                assert station.id is not None
                if applies(data.vendor, data.model, station.vendor, station.model) and applies(
                    image.vendor, image.model, station.vendor, station.model
                ):
                    chosen.setdefault(station.id, station)
        if not chosen:
            raise InvalidInput("station_ids", "no station matches; none would get the update")
        return chosen

    # The campaign runner ---------------------------------------------------------------------

    async def advance_campaigns(self) -> int:
        """One step of every running campaign (the firmware-campaigns job): how many stations
        were sent the update, plus the campaigns that changed status."""
        async with self.uow(readonly=True) as uow:
            running = await uow.firmware_campaigns.active_ids()
        done = 0
        for campaign_id in running:
            done += await self._advance(campaign_id)
        return done

    async def _advance(self, campaign_id: int) -> int:
        """One step of a campaign: the decision its targets call for (halt, send the rest,
        complete), then the update to at most ``campaign_step`` of the targets due. What it
        did: stations sent the update, plus one when the campaign changed status."""
        now = self.clock.now()
        async with self.uow() as uow:
            campaign = await uow.firmware_campaigns.lock(campaign_id)
            if campaign is None or not campaign.active:
                return 0
            before = campaign.status
            await self._decide(uow, campaign, now)
            updates = await uow.firmware_updates.for_campaign(campaign_id)
            await uow.commit()
        done = int(campaign.status is not before)
        budget = self.campaign_step
        for update in due_targets(campaign, updates, now):
            if budget == 0:
                break
            assert update.id is not None
            if await self._station_away(update, now):
                continue
            async with self.uow() as uow:
                claimed = await uow.firmware_updates.claim(update.id, now, now - CLAIM_TTL)
                await uow.commit()
            if claimed:
                await self._send(campaign, update)
                budget -= 1
                done += 1
        return done

    async def _station_away(self, update: FirmwareUpdate, now: datetime) -> bool:
        """The target's station is offline, but only lately: the target waits for it."""
        assert self.remote is not None
        assert self.remote.gateway is not None
        if await self.remote.gateway.is_online(OcppId(update.station_ocpp_id)):
            return False
        async with self.uow(readonly=True) as uow:
            station = await uow.stations.get_by_id(update.station_id)
        if station is None:
            return False
        return waits_for_station(False, station.last_seen_at, now, self.offline_grace)

    async def _send(self, campaign: FirmwareCampaign, update: FirmwareUpdate) -> None:
        assert self.remote is not None, "install() wires the remote control"
        assert update.id is not None
        if campaign.firmware_id is None:
            await self._fail_target(update.id, "the firmware image was deleted")
            return
        retrieve_at = campaign.retrieve_at
        if retrieve_at is not None and retrieve_at <= self.clock.now():
            retrieve_at = None
        params = UpdateFirmware(
            firmware_id=campaign.firmware_id,
            update_id=update.id,
            retrieve_at=retrieve_at,
            retries=campaign.retries,
            retry_interval=campaign.retry_interval,
        )
        try:
            await self.remote.execute(
                Principal.system(campaign.organization_id, f"campaign:{campaign.id}"),
                OcppId(update.station_ocpp_id),
                params,
                f"campaign:{campaign.id}",
                wait=0,
            )
        except StationOffline:
            pass  # recorded as failed at once, and the target with it (see _answered)
        except DomainError as error:
            assert update.id is not None
            await self._fail_target(update.id, str(error))

    async def _fail_target(self, update_id: int, reason: str) -> None:
        """A target whose command could not even be recorded."""
        now = self.clock.now()
        async with self.uow() as uow:
            update = await uow.firmware_updates.get(update_id)
            if update is None or update.status is not UpdateStatus.PENDING:
                return
            campaign = await self._lock_campaign(uow, update)
            fail(update, reason, now)
            if campaign is not None:
                await self._decide(uow, campaign, now, release=False)
            await uow.commit()

    def _spawn(self, work: Any, name: str) -> None:
        task: asyncio.Task[None] = asyncio.create_task(work, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("firmware rollout failed", task=task.get_name(), error=str(task.exception()))

    async def get_campaign(self, principal: Principal, campaign_id: int) -> CampaignView:
        async with self.uow(readonly=True) as uow:
            campaign = await uow.firmware_campaigns.get(principal.scope, campaign_id)
            if campaign is None or campaign.id is None:
                raise NotFound("firmware campaign", campaign_id)
            updates = await uow.firmware_updates.for_campaign(campaign.id)
        return CampaignView(campaign, progress(updates), updates)

    async def search_campaigns(self, principal: Principal, page: PageRequest) -> Page[CampaignView]:
        async with self.uow(readonly=True) as uow:
            found = await uow.firmware_campaigns.search(principal.scope, page)
            counts = await uow.firmware_updates.counts(
                {c.id for c in found.items if c.id is not None}
            )
        empty = {status.value: 0 for status in UpdateStatus}
        return Page(
            items=[CampaignView(c, {**empty, **counts.get(c.id or 0, {})}) for c in found.items],
            next_cursor=found.next_cursor,
        )

    async def cancel_campaign(
        self, principal: Principal, campaign_id: int, requested_by: str
    ) -> CampaignView:
        """Targets not sent yet never get the update; those that have it go on (and their
        progress is still recorded)."""
        now = self.clock.now()
        async with self.uow() as uow:
            found = await uow.firmware_campaigns.get(principal.scope, campaign_id)
            campaign = await uow.firmware_campaigns.lock(campaign_id) if found else None
            if campaign is None or campaign.id is None:
                raise NotFound("firmware campaign", campaign_id)
            if not campaign.active:
                raise Conflict(f"firmware campaign {campaign_id} is {campaign.status.value}")
            updates = await uow.firmware_updates.for_campaign(campaign.id)
            finish_campaign(
                campaign, CampaignStatus.CANCELLED, updates, now, f"cancelled by {requested_by}"
            )
            await record(
                uow, principal, "firmware_campaign.cancel", "firmware_campaign", campaign_id, at=now
            )
            await uow.commit()
        self.bus.publish(
            FirmwareCampaignChanged(campaign.organization_id, campaign_id, campaign.status)
        )
        return await self.get_campaign(principal, campaign_id)
