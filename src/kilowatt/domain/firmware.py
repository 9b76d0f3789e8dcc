"""Firmware images, the updates that install them on stations, and campaigns that roll one
out over a group of stations in stages: a first batch, and the rest only once every station
of the first batch reports the image installed. A failure in the first batch halts it."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from kilowatt.domain.errors import InvalidInput

MAX_CERTIFICATE = 5500
"""2.0.1 FirmwareType.signingCertificate maxLength."""
MAX_SIGNATURE = 800
"""2.0.1 FirmwareType.signature maxLength."""
CLAIM_TTL = timedelta(seconds=60)
"""How long a sender's claim on a campaign target keeps other senders off it: ample time to
record its command, and short enough that a target claimed by a node that then died is sent
by another soon after."""


@dataclass(eq=False)
class Firmware:
    """An uploaded image. ``vendor``/``model`` ("" for any) restrict the stations it is for."""

    organization_id: int
    version: str
    file_name: str
    size: int
    sha256: str
    storage_key: str
    uploaded_by: str
    created_at: datetime
    vendor: str = ""
    model: str = ""
    signing_certificate: str = ""
    signature: str = ""
    description: str = ""
    id: int | None = None


class UpdateStatus(StrEnum):
    PENDING = "pending"
    """In a later batch of a campaign: not sent yet."""
    SENT = "sent"
    """UpdateFirmware is queued or sent; no answer yet."""
    ACCEPTED = "accepted"
    DOWNLOADING = "downloading"
    DOWNLOADED = "downloaded"
    INSTALLING = "installing"
    INSTALLED = "installed"
    FAILED = "failed"
    CANCELLED = "cancelled"
    """Never sent: its campaign was cancelled or halted first."""


FINAL_UPDATE = frozenset({UpdateStatus.INSTALLED, UpdateStatus.FAILED, UpdateStatus.CANCELLED})

# What a FirmwareStatusNotification says (1.6, 1.6 security extension and 2.0.1 values).
PROGRESS: dict[str, UpdateStatus] = {
    "Downloading": UpdateStatus.DOWNLOADING,
    "DownloadScheduled": UpdateStatus.DOWNLOADING,
    "DownloadPaused": UpdateStatus.DOWNLOADING,
    "Downloaded": UpdateStatus.DOWNLOADED,
    "SignatureVerified": UpdateStatus.DOWNLOADED,
    "InstallScheduled": UpdateStatus.INSTALLING,
    "Installing": UpdateStatus.INSTALLING,
    "InstallRebooting": UpdateStatus.INSTALLING,
    "Installed": UpdateStatus.INSTALLED,
    "DownloadFailed": UpdateStatus.FAILED,
    "InstallationFailed": UpdateStatus.FAILED,
    "InstallVerificationFailed": UpdateStatus.FAILED,
    "InvalidSignature": UpdateStatus.FAILED,
}


@dataclass(eq=False)
class FirmwareUpdate:
    """One station's update to one image, on its own or as a target of a campaign."""

    organization_id: int
    station_id: int
    station_ocpp_id: str
    firmware_id: int | None
    """None once the image was deleted; ``firmware_version`` keeps what it was."""
    firmware_version: str
    status: UpdateStatus
    created_at: datetime
    updated_at: datetime
    campaign_id: int | None = None
    batch: int = 1
    command_id: int | None = None
    ocpp_status: str = ""
    """The last status the station reported, as it said it."""
    detail: str = ""
    finished_at: datetime | None = None
    claimed_at: datetime | None = None
    """When a sender took this pending target to send it the update (see ``claimable``)."""
    id: int | None = None

    @property
    def done(self) -> bool:
        return self.status in FINAL_UPDATE


def claimable(update: FirmwareUpdate, now: datetime) -> bool:
    """Whether a sender may take this target now: it waits for the update and no other sender
    took it lately. Several senders (the campaigns job, a notification that released the rest,
    on one node or several) may look at a campaign at once; the one that claims a target sends
    it, so no station gets the update twice."""
    return update.status is UpdateStatus.PENDING and (
        update.claimed_at is None or update.claimed_at <= now - CLAIM_TTL
    )


def apply_outcome(update: FirmwareUpdate, accepted: bool, error: str, now: datetime) -> bool:
    """The station's answer to UpdateFirmware. A notification may have overtaken the answer:
    only an update still waiting for it changes."""
    if update.status is not UpdateStatus.SENT:
        return False
    if accepted:
        update.status = UpdateStatus.ACCEPTED
    else:
        fail(update, error or "the station refused the update", now)
    update.updated_at = now
    return True


def apply_progress(update: FirmwareUpdate, ocpp_status: str, now: datetime) -> bool:
    """A FirmwareStatusNotification about this update; False when it changed nothing (Idle,
    or an update that had already finished)."""
    status = PROGRESS.get(ocpp_status)
    if status is None or update.done or update.status is UpdateStatus.PENDING:
        return False
    update.ocpp_status = ocpp_status
    update.updated_at = now
    if status is UpdateStatus.FAILED:
        fail(update, f"station reported {ocpp_status}", now)
        return True
    update.status = status
    if status is UpdateStatus.INSTALLED:
        update.finished_at = now
    return True


def fail(update: FirmwareUpdate, reason: str, now: datetime) -> None:
    update.status = UpdateStatus.FAILED
    update.detail = reason[:500]
    update.finished_at = now
    update.updated_at = now


def cancel(update: FirmwareUpdate, reason: str, now: datetime) -> bool:
    """A target not sent yet is cancelled; one that was sent goes on (OCPP cannot call an
    update back)."""
    if update.status is not UpdateStatus.PENDING:
        return False
    update.status = UpdateStatus.CANCELLED
    update.detail = reason
    update.finished_at = now
    update.updated_at = now
    return True


# Campaigns ---------------------------------------------------------------------------------


class CampaignStatus(StrEnum):
    FIRST_BATCH = "first_batch"
    """The first batch has the update; the rest wait for it to be installed everywhere."""
    ROLLOUT = "rollout"
    """The rest have it too."""
    COMPLETED = "completed"
    """Every target finished (installed or failed)."""
    HALTED = "halted"
    """A station of the first batch failed: the rest never got the update."""
    CANCELLED = "cancelled"


ACTIVE_CAMPAIGN = frozenset({CampaignStatus.FIRST_BATCH, CampaignStatus.ROLLOUT})


@dataclass(eq=False)
class FirmwareCampaign:
    organization_id: int
    firmware_id: int | None
    firmware_version: str
    name: str
    status: CampaignStatus
    first_batch_size: int
    requested_by: str
    created_at: datetime
    updated_at: datetime
    selection: dict[str, Any] = field(default_factory=dict)
    """How the stations were chosen: station_ids, site_id, vendor, model."""
    retrieve_at: datetime | None = None
    retries: int | None = None
    retry_interval: int | None = None
    reason: str = ""
    """Why it halted or was cancelled."""
    finished_at: datetime | None = None
    id: int | None = None

    @property
    def active(self) -> bool:
        return self.status in ACTIVE_CAMPAIGN


def batch_size(total: int, size: int | None = None, percent: float | None = None) -> int:
    """How many of ``total`` stations get the update first: ``size`` of them, or ``percent``
    rounded up, at least one and at most all; one when neither is given."""
    if size is not None and percent is not None:
        raise InvalidInput("first_batch_size", "give a size or a percentage, not both")
    if total <= 0:
        return 0
    if size is not None:
        if size < 1:
            raise InvalidInput("first_batch_size", "must be at least 1")
        return min(size, total)
    if percent is not None:
        if not 0 < percent <= 100:
            raise InvalidInput("first_batch_percent", "must be more than 0 and at most 100")
        return min(total, max(1, math.ceil(total * percent / 100)))
    return 1


class Step(StrEnum):
    WAIT = "wait"
    RELEASE = "release"
    """Send the update to the rest."""
    HALT = "halt"
    COMPLETE = "complete"


def next_step(status: CampaignStatus, updates: Sequence[FirmwareUpdate]) -> Step:
    """What a campaign does next, given where its targets are."""
    if status is CampaignStatus.FIRST_BATCH:
        first = [u for u in updates if u.batch == 1]
        if any(u.status is UpdateStatus.FAILED for u in first):
            return Step.HALT
        if first and all(u.status is UpdateStatus.INSTALLED for u in first):
            rest = any(u.batch > 1 and not u.done for u in updates)
            return Step.RELEASE if rest else Step.COMPLETE
        return Step.WAIT
    if status is CampaignStatus.ROLLOUT:
        return Step.COMPLETE if all(u.done for u in updates) else Step.WAIT
    return Step.WAIT


def waits_for_station(
    online: bool, last_seen_at: datetime | None, now: datetime, grace: timedelta
) -> bool:
    """A target whose station is offline but was seen within ``grace`` waits for it to come back
    (a restart of Kilowatt, a network blip) rather than failing at once as offline; one never
    seen, or gone for longer, fails as before."""
    return not online and last_seen_at is not None and now - last_seen_at < grace


def due_targets(
    campaign: FirmwareCampaign, updates: Sequence[FirmwareUpdate], now: datetime
) -> list[FirmwareUpdate]:
    """The targets to send the update to now, in order: those of the first batch while it
    runs, all that wait once the campaign rolls out; none of a finished campaign."""
    if campaign.status is CampaignStatus.FIRST_BATCH:
        return [u for u in updates if u.batch == 1 and claimable(u, now)]
    if campaign.status is CampaignStatus.ROLLOUT:
        return [u for u in updates if claimable(u, now)]
    return []


def finish_campaign(
    campaign: FirmwareCampaign,
    status: CampaignStatus,
    updates: Sequence[FirmwareUpdate],
    now: datetime,
    reason: str = "",
) -> None:
    """Close a campaign: halted or cancelled ones cancel every target not sent yet."""
    campaign.status = status
    campaign.reason = reason[:500] or campaign.reason
    campaign.updated_at = now
    campaign.finished_at = now
    if status in (CampaignStatus.HALTED, CampaignStatus.CANCELLED):
        for update in updates:
            cancel(update, f"campaign {status.value}", now)


def progress(updates: Sequence[FirmwareUpdate]) -> dict[str, int]:
    """How many targets are at each status."""
    counts = {status.value: 0 for status in UpdateStatus}
    for update in updates:
        counts[update.status.value] += 1
    return counts
