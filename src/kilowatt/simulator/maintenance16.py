"""What a simulated OCPP 1.6 charge point does for a technician: it really downloads the
firmware image it is sent (UpdateFirmware), reports each step (Downloading, Downloaded,
Installing, Installed, or DownloadFailed), then boots again with the new version; and it
really uploads a diagnostics file to the location GetDiagnostics gives it, reporting Uploading
and Uploaded (or UploadFailed). Mixed into ``SimulatedStation16``, so that the demo's stations
take a firmware campaign and a diagnostics request to their end."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import UTC, datetime
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import httpx
import structlog
from ocpp.routing import after, on
from ocpp.v16 import call, call_result
from ocpp.v16.enums import Action

if TYPE_CHECKING:
    from kilowatt.simulator.station16 import StationProfile

log = structlog.get_logger(__name__)

TRANSFER_TIMEOUT = 60.0


def version_of(location: str) -> str:
    """The version a downloaded image installs: its file name without the extension (1.6 does
    not say; "kilowatt-sim-2.0.1.bin" installs "kilowatt-sim-2.0.1")."""
    name = PurePosixPath(urlsplit(location).path).name
    return name.rsplit(".", 1)[0] if "." in name else name or "updated"


class Maintenance16:
    step_seconds: float = 1.0
    """The pause between the steps it reports (a real station takes minutes)."""

    if TYPE_CHECKING:
        id: str
        profile: StationProfile

        async def call(self, payload: Any) -> Any: ...
        async def boot(self) -> None: ...
        def _spawn(self, coroutine: Any) -> None: ...

    # Firmware ----------------------------------------------------------------------------

    @on(Action.update_firmware)
    async def on_update_firmware(
        self, location: str, retrieve_date: str, **_: Any
    ) -> call_result.UpdateFirmware:
        return call_result.UpdateFirmware()

    @after(Action.update_firmware)
    async def after_update_firmware(self, location: str, retrieve_date: str, **_: Any) -> None:
        self._spawn(self._install(location, retrieve_date))

    async def _install(self, location: str, retrieve_date: str) -> None:
        wait = (_when(retrieve_date) - datetime.now(UTC)).total_seconds()
        if wait > 0:
            await asyncio.sleep(wait)
        await self._firmware("Downloading")
        try:
            async with httpx.AsyncClient(timeout=TRANSFER_TIMEOUT, trust_env=False) as client:
                response = await client.get(location)
            response.raise_for_status()
        except httpx.HTTPError as error:
            log.info("simulated firmware download failed", station=self.id, error=str(error))
            await self._firmware("DownloadFailed")
            return
        await asyncio.sleep(self.step_seconds)
        await self._firmware("Downloaded")
        await asyncio.sleep(self.step_seconds)
        await self._firmware("Installing")
        await asyncio.sleep(self.step_seconds)
        self.profile = dataclasses.replace(self.profile, firmware=version_of(location))
        await self._firmware("Installed")
        await self.boot()

    async def _firmware(self, status: str) -> None:
        await self.call(call.FirmwareStatusNotification(status=status))

    # Diagnostics ---------------------------------------------------------------------------

    @on(Action.get_diagnostics)
    async def on_get_diagnostics(self, location: str, **_: Any) -> call_result.GetDiagnostics:
        return call_result.GetDiagnostics(file_name=f"{self.id}-diagnostics.log")

    @after(Action.get_diagnostics)
    async def after_get_diagnostics(self, location: str, **_: Any) -> None:
        self._spawn(self._upload(location))

    async def _upload(self, location: str) -> None:
        await self._diagnostics("Uploading")
        now = datetime.now(UTC).isoformat(timespec="seconds")
        lines = [
            f"{now} station {self.id} ({self.profile.vendor} {self.profile.model})",
            f"{now} firmware {self.profile.firmware}",
            f"{now} self-test passed: contactors, RCD, meter, temperature",
        ]
        content = ("\n".join(lines) + "\n").encode()
        try:
            async with httpx.AsyncClient(timeout=TRANSFER_TIMEOUT, trust_env=False) as client:
                response = await client.put(
                    f"{location.rstrip('/')}/{self.id}-diagnostics.log",
                    content=content,
                    headers={"Content-Type": "text/plain"},
                )
            response.raise_for_status()
        except httpx.HTTPError as error:
            log.info("simulated diagnostics upload failed", station=self.id, error=str(error))
            await self._diagnostics("UploadFailed")
            return
        await asyncio.sleep(self.step_seconds)
        await self._diagnostics("Uploaded")

    async def _diagnostics(self, status: str) -> None:
        await self.call(call.DiagnosticsStatusNotification(status=status))


def _when(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return datetime.now(UTC)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
