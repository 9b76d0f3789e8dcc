"""Firmware as the dashboard shows it: images, campaigns and each station's update, their
states in words and their times in the given zone."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from kilowatt.domain.exports import format_local
from kilowatt.domain.firmware import (
    CampaignStatus,
    Firmware,
    FirmwareCampaign,
    FirmwareUpdate,
    UpdateStatus,
)
from kilowatt.web.operator.rows.stations import station_url

Gettext = Callable[[str], str]


def update_words(gettext: Gettext) -> dict[str, str]:
    """Where a station's update stands (UpdateStatus values)."""
    _ = gettext
    return {
        UpdateStatus.PENDING.value: _("Waiting for the first batch"),
        UpdateStatus.SENT.value: _("Sent to the station"),
        UpdateStatus.ACCEPTED.value: _("Accepted by the station"),
        UpdateStatus.DOWNLOADING.value: _("Downloading"),
        UpdateStatus.DOWNLOADED.value: _("Downloaded"),
        UpdateStatus.INSTALLING.value: _("Installing"),
        UpdateStatus.INSTALLED.value: _("Installed"),
        UpdateStatus.FAILED.value: _("Failed"),
        UpdateStatus.CANCELLED.value: _("Not sent (cancelled)"),
    }


def campaign_words(gettext: Gettext) -> dict[str, str]:
    """Where a campaign stands (CampaignStatus values)."""
    _ = gettext
    return {
        CampaignStatus.FIRST_BATCH.value: _("First batch updating"),
        CampaignStatus.ROLLOUT.value: _("Rolling out to the rest"),
        CampaignStatus.COMPLETED.value: _("Completed"),
        CampaignStatus.HALTED.value: _("Halted"),
        CampaignStatus.CANCELLED.value: _("Cancelled"),
    }


TONES = {
    UpdateStatus.INSTALLED.value: "available",
    UpdateStatus.FAILED.value: "faulted",
    UpdateStatus.CANCELLED.value: "unavailable",
    CampaignStatus.COMPLETED.value: "available",
    CampaignStatus.HALTED.value: "faulted",
    CampaignStatus.CANCELLED.value: "unavailable",
}
"""The badge colour of a state (a connector state's: done, failed, never sent); the others
are under way ("charging")."""


def size_words(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MB"
    if size >= 1024:
        return f"{size / 1024:.1f} kB"
    return f"{size} B"


@dataclass(frozen=True, slots=True)
class ImageRow:
    id: int
    version: str
    file_name: str
    size: str
    sha256: str
    suits: str
    """The vendor and model it is for, "" for any."""
    uploaded: str
    uploaded_by: str
    description: str

    @classmethod
    def of(cls, image: Firmware, zone: ZoneInfo) -> ImageRow:
        assert image.id is not None
        return cls(
            id=image.id,
            version=image.version,
            file_name=image.file_name,
            size=size_words(image.size),
            sha256=image.sha256,
            suits=" ".join(p for p in (image.vendor, image.model) if p),
            uploaded=format_local(image.created_at, zone),
            uploaded_by=image.uploaded_by.removeprefix("web:").removeprefix("api:"),
            description=image.description,
        )


@dataclass(frozen=True, slots=True)
class UpdateRow:
    """One station's update (a campaign's target, or on its own)."""

    id: int
    station: str
    station_url: str
    version: str
    batch: int
    status: str
    status_text: str
    tone: str
    reported: str
    """The last status the station reported, as it said it."""
    detail: str
    updated: str

    @classmethod
    def of(cls, update: FirmwareUpdate, zone: ZoneInfo, gettext: Gettext) -> UpdateRow:
        assert update.id is not None
        status = update.status.value
        return cls(
            id=update.id,
            station=update.station_ocpp_id,
            station_url=station_url(update.station_ocpp_id),
            version=update.firmware_version,
            batch=update.batch,
            status=status,
            status_text=update_words(gettext)[status],
            tone=TONES.get(status, "charging"),
            reported=update.ocpp_status,
            detail=update.detail,
            updated=format_local(update.updated_at, zone),
        )


@dataclass(frozen=True, slots=True)
class CampaignRow:
    id: int
    url: str
    name: str
    version: str
    status: str
    status_text: str
    tone: str
    active: bool
    first_batch: int
    total: int
    installed: int
    failed: int
    reason: str
    created: str
    finished: str

    @classmethod
    def of(
        cls, campaign: FirmwareCampaign, counts: dict[str, int], zone: ZoneInfo, gettext: Gettext
    ) -> CampaignRow:
        assert campaign.id is not None
        status = campaign.status.value
        return cls(
            id=campaign.id,
            url=f"/firmware/campaigns/{campaign.id}",
            name=campaign.name,
            version=campaign.firmware_version,
            status=status,
            status_text=campaign_words(gettext)[status],
            tone=TONES.get(status, "charging"),
            active=campaign.active,
            first_batch=campaign.first_batch_size,
            total=sum(counts.values()),
            installed=counts.get(UpdateStatus.INSTALLED.value, 0),
            failed=counts.get(UpdateStatus.FAILED.value, 0),
            reason=campaign.reason,
            created=format_local(campaign.created_at, zone),
            finished=format_local(campaign.finished_at, zone),
        )
