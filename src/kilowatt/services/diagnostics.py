"""Diagnostics and logs: GetDiagnostics (1.6) / GetLog (2.0.1) with an upload location hosted
by Kilowatt. Each request opens an upload slot with a one-time token; the station sends its
file there (HTTP PUT or POST), and the file is kept and listed with the station."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import AsyncIterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import TypeVar

from kilowatt.domain.command_params import GetDiagnostics, GetLog
from kilowatt.domain.commands import Command, CommandStatus, Outcome
from kilowatt.domain.diagnostics import (
    DiagnosticsUpload,
    UploadStatus,
    apply_station_status,
    check_open,
    received,
    refused,
)
from kilowatt.domain.errors import NotFound
from kilowatt.domain.events import EventKind
from kilowatt.domain.files import safe_name, token_digest
from kilowatt.domain.live import DiagnosticsStatusReported, DiagnosticsUploaded
from kilowatt.domain.paging import Page, PageRequest
from kilowatt.domain.stations import StationRef, key_of
from kilowatt.domain.users import Principal
from kilowatt.services.base import Service, station_in_scope
from kilowatt.services.commands import CommandService, Hook
from kilowatt.services.files import FileLinks, transfer_status
from kilowatt.services.ports import (
    Clock,
    EventPublisher,
    FileStore,
    StoredFile,
    UnitOfWork,
    UnitOfWorkFactory,
)

D = TypeVar("D", bound=GetDiagnostics)
"""GetDiagnostics, or GetLog (which has the same parameters)."""


@dataclass(frozen=True, slots=True)
class StoredUpload:
    file: StoredFile
    started: datetime
    """When the upload began: the token's expiry is checked against it."""


class DiagnosticsService(Service):
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        bus: EventPublisher,
        *,
        store: FileStore,
        links: FileLinks,
        max_bytes: int,
        upload_ttl: int,
    ) -> None:
        super().__init__(uow, clock, bus)
        self.store = store
        self.links = links
        self.max_bytes = max_bytes
        self.upload_ttl = upload_ttl

    def install(self, remote: CommandService) -> None:
        remote.register(Hook(GetDiagnostics, self._prepare, self._answered))
        remote.register(Hook(GetLog, self._prepare, self._answered))

    # The command ---------------------------------------------------------------------------

    async def _prepare(self, uow: UnitOfWork, command: Command, params: D, now: datetime) -> D:
        """Open an upload slot and give the station its location."""
        token = secrets.token_urlsafe(24)
        upload = await uow.diagnostics.add(
            DiagnosticsUpload(
                organization_id=command.organization_id,
                station_id=command.station_id,
                token_digest=token_digest(token),
                expires_at=now + timedelta(seconds=self.upload_ttl),
                status=UploadStatus.REQUESTED,
                created_at=now,
                updated_at=now,
                log_type=params.log_type or "DiagnosticsLog",
            )
        )
        return replace(params, location=self.links.upload_url(token), upload_id=upload.id)

    async def _answered(
        self,
        uow: UnitOfWork,
        command: Command,
        params: GetDiagnostics,
        outcome: Outcome,
        now: datetime,
    ) -> None:
        if params.upload_id is None:
            return
        upload = await uow.diagnostics.get(params.upload_id)
        if upload is None:
            return
        upload.command_id = command.id
        if outcome.status is CommandStatus.ACCEPTED:
            name = outcome.data.get("file_name")
            if name and not upload.file_name:
                upload.file_name = safe_name(str(name))
                upload.updated_at = now
        else:
            refused(upload, outcome.error or outcome.status.value, now)

    # The station's side --------------------------------------------------------------------

    async def receive(
        self, token: str, file_name: str, content_type: str, chunks: AsyncIterable[bytes]
    ) -> DiagnosticsUpload:
        """A station uploads its file. Forbidden for an unknown, used or expired token;
        TooLarge past the limit (nothing is kept then, and the token still works)."""
        stored = await self.store_file(token, chunks)
        return await self.accept(token, stored, file_name, content_type)

    async def store_file(self, token: str, chunks: AsyncIterable[bytes]) -> StoredUpload:
        """First half of an upload: the token is checked and the file written, but the slot
        takes it only with ``accept`` (a form is read to its end first)."""
        started = self.clock.now()
        async with self.uow(readonly=True) as uow:
            upload = check_open(await uow.diagnostics.by_token(token_digest(token)), started)
        key = f"diagnostics/{upload.station_id}/{uuid.uuid4().hex}"
        stored = await self.store.write(key, chunks, max_bytes=self.max_bytes)
        return StoredUpload(stored, started)

    async def discard(self, stored: StoredUpload) -> None:
        await self.store.delete(stored.file.key)

    async def accept(
        self, token: str, stored: StoredUpload, file_name: str, content_type: str
    ) -> DiagnosticsUpload:
        """Second half: the slot takes the file, once. The file is removed if it cannot."""
        try:
            async with self.uow() as uow:
                # Expiry counts when the upload began; a second upload of the token is refused.
                found = await uow.diagnostics.by_token(token_digest(token), lock=True)
                upload = check_open(found, stored.started)
                station = await uow.stations.get_by_id(upload.station_id)
                if station is None:
                    raise NotFound("station", upload.station_id)
                name = safe_name(file_name or upload.file_name, default=f"diagnostics-{upload.id}")
                received(
                    upload,
                    file_name=name,
                    content_type=content_type,
                    size=stored.file.size,
                    sha256=stored.file.sha256,
                    storage_key=stored.file.key,
                    now=self.clock.now(),
                )
                await uow.commit()
        except BaseException:
            await self.discard(stored)
            raise
        assert upload.id is not None
        self.bus.publish(
            DiagnosticsUploaded(station.ocpp_id, upload.station_id, upload.id, stored.file.size)
        )
        return upload

    async def status_notification(
        self, ref: StationRef, status: str, request_id: int | None = None
    ) -> None:
        """DiagnosticsStatusNotification / LogStatusNotification: on the station, and on the
        upload it is about (the command named by ``request_id``, else the latest one)."""
        now = self.clock.now()
        async with self.uow() as uow:
            station = await uow.stations.get_by_id(ref.id)
            if station is None:
                raise NotFound("station", ref.ocpp_id)
            await uow.events.add(
                transfer_status(
                    station, EventKind.DIAGNOSTICS_STATUS, "diagnostics_status", status, now
                )
            )
            upload = await self._upload_for(uow, ref.id, request_id)
            if upload is not None and status != "Idle":
                apply_station_status(upload, status, now)
            await uow.commit()
        self.bus.publish(DiagnosticsStatusReported(ref.ocpp_id, status))

    @staticmethod
    async def _upload_for(
        uow: UnitOfWork, station_id: int, request_id: int | None
    ) -> DiagnosticsUpload | None:
        if request_id is None:
            return await uow.diagnostics.latest(station_id)
        command = await uow.commands.get(request_id)
        if (
            command is None
            or command.station_id != station_id
            or not isinstance(command.params, GetDiagnostics)
            or command.params.upload_id is None
        ):
            return None
        return await uow.diagnostics.get(command.params.upload_id)

    # Reading ------------------------------------------------------------------------------

    async def search(
        self, principal: Principal, ocpp_id: str, page: PageRequest
    ) -> Page[DiagnosticsUpload]:
        async with self.uow(readonly=True) as uow:
            station = await station_in_scope(uow, principal.scope, ocpp_id)
            return await uow.diagnostics.search(key_of(station), page)

    async def get(self, principal: Principal, ocpp_id: str, upload_id: int) -> DiagnosticsUpload:
        async with self.uow(readonly=True) as uow:
            station = await station_in_scope(uow, principal.scope, ocpp_id)
            upload = await uow.diagnostics.get(upload_id)
        if upload is None or upload.station_id != station.id:
            raise NotFound("diagnostics upload", upload_id)
        return upload

    async def file(
        self, principal: Principal, ocpp_id: str, upload_id: int
    ) -> tuple[DiagnosticsUpload, Path]:
        upload = await self.get(principal, ocpp_id, upload_id)
        if upload.status is not UploadStatus.UPLOADED or not upload.storage_key:
            raise NotFound("diagnostics file", upload_id)
        return upload, self.store.local_path(upload.storage_key)
