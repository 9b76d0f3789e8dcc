"""Links to the files Kilowatt keeps for stations, and what the stations say about moving
them (the firmware and diagnostics status every station reports)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import quote

from kilowatt.domain.events import EventKind, Severity, StationEvent
from kilowatt.domain.files import check_signature, firmware_resource, signature
from kilowatt.domain.firmware import Firmware
from kilowatt.domain.stations import Station

FIRMWARE_PATH = "/files/firmware"
UPLOAD_PATH = "/files/uploads"


class FileLinks:
    """Signed, expiring links for stations, under the public URL they reach Kilowatt at."""

    def __init__(self, secret: bytes, base_url: str) -> None:
        if not secret:
            raise ValueError("file links need a secret")
        self.secret = secret
        self.base_url = base_url.rstrip("/")

    def firmware_url(self, image: Firmware, expires: datetime) -> str:
        assert image.id is not None
        until = int(expires.timestamp())
        mac = signature(self.secret, firmware_resource(image.id, image.file_name), until)
        name = quote(image.file_name, safe="")
        return f"{self.base_url}{FIRMWARE_PATH}/{image.id}/{until}/{mac}/{name}"

    def check_firmware(
        self, firmware_id: int, file_name: str, expires: int, mac: str, now: datetime
    ) -> None:
        """Forbidden unless the link was made here (by any node) and has not expired."""
        check_signature(
            self.secret, firmware_resource(firmware_id, file_name), expires, mac, now.timestamp()
        )

    def upload_url(self, token: str) -> str:
        return f"{self.base_url}{UPLOAD_PATH}/{token}"


def transfer_status(
    station: Station, kind: EventKind, attribute: str, status: str, now: datetime
) -> StationEvent:
    """Note a firmware or diagnostics status on the station, and the event that tells it."""
    assert station.id is not None
    setattr(station, attribute, status)
    station.updated_at = now
    data: dict[str, Any] = {"status": status}
    failed = "Fail" in status or status in ("InvalidSignature", "BadMessage", "PermissionDenied")
    return StationEvent(
        organization_id=station.organization_id,
        station_id=station.id,
        kind=kind.value,
        timestamp=now,
        severity=Severity.WARNING if failed else Severity.INFO,
        message=f"{attribute.replace('_', ' ')}: {status}",
        data=data,
    )
