"""Firmware updates and staged campaigns, diagnostics uploads and vendor templates: the pure
rules (progress, rollout decisions, upload slots, which stations a template or image suits)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kilowatt.domain.diagnostics import (
    DiagnosticsUpload,
    UploadStatus,
    apply_station_status,
    check_open,
    received,
    refused,
)
from kilowatt.domain.errors import Forbidden, InvalidInput
from kilowatt.domain.firmware import (
    CLAIM_TTL,
    PROGRESS,
    CampaignStatus,
    FirmwareCampaign,
    FirmwareUpdate,
    Step,
    UpdateStatus,
    apply_outcome,
    apply_progress,
    batch_size,
    cancel,
    claimable,
    due_targets,
    finish_campaign,
    next_step,
    progress,
    waits_for_station,
)
from kilowatt.domain.vendor import applies, check_applies

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
S = UpdateStatus


def update(status: UpdateStatus = S.SENT, batch: int = 1) -> FirmwareUpdate:
    return FirmwareUpdate(1, 1, "CP", 1, "2.0", status, NOW, NOW, campaign_id=1, batch=batch)


def campaign(status: CampaignStatus = CampaignStatus.FIRST_BATCH) -> FirmwareCampaign:
    return FirmwareCampaign(1, 1, "2.0", "c", status, 1, "me", NOW, NOW, id=1)


# --- one update -----------------------------------------------------------------------------


def test_an_update_follows_what_the_station_reports() -> None:
    one = update()
    assert apply_outcome(one, True, "", NOW)
    assert one.status is S.ACCEPTED
    for reported, expected in [
        ("DownloadScheduled", S.DOWNLOADING),
        ("Downloading", S.DOWNLOADING),
        ("Downloaded", S.DOWNLOADED),
        ("SignatureVerified", S.DOWNLOADED),
        ("InstallScheduled", S.INSTALLING),
        ("InstallRebooting", S.INSTALLING),
        ("Installed", S.INSTALLED),
    ]:
        assert apply_progress(one, reported, NOW)
        assert (one.status, one.ocpp_status) == (expected, reported)
    assert one.finished_at == NOW
    assert not apply_progress(one, "InstallationFailed", NOW)  # finished: stays installed
    assert one.status is S.INSTALLED


@pytest.mark.parametrize(
    "reported",
    ["DownloadFailed", "InstallationFailed", "InstallVerificationFailed", "InvalidSignature"],
)
def test_failures_finish_an_update(reported: str) -> None:
    one = update(S.DOWNLOADING)
    assert apply_progress(one, reported, NOW)
    assert one.status is S.FAILED
    assert reported in one.detail
    assert one.finished_at == NOW


def test_idle_and_unknown_statuses_change_nothing() -> None:
    one = update(S.DOWNLOADING)
    assert not apply_progress(one, "Idle", NOW)
    assert not apply_progress(one, "Whatever", NOW)
    assert (one.status, one.ocpp_status) == (S.DOWNLOADING, "")


def test_a_notification_may_overtake_the_answer() -> None:
    one = update(S.SENT)
    apply_progress(one, "Downloading", NOW)
    assert not apply_outcome(one, True, "", NOW)
    assert one.status is S.DOWNLOADING


def test_a_refusal_fails_an_update_and_a_pending_one_cannot_progress() -> None:
    one = update(S.SENT)
    assert apply_outcome(one, False, "station answered Rejected", NOW)
    assert (one.status, one.detail) == (S.FAILED, "station answered Rejected")
    waiting = update(S.PENDING)
    assert not apply_progress(waiting, "Installed", NOW)
    assert waiting.status is S.PENDING


def test_only_targets_not_sent_yet_are_cancelled() -> None:
    waiting, running = update(S.PENDING), update(S.DOWNLOADING)
    assert cancel(waiting, "campaign cancelled", NOW)
    assert not cancel(running, "campaign cancelled", NOW)
    assert (waiting.status, running.status) == (S.CANCELLED, S.DOWNLOADING)


def test_every_reported_status_maps_to_a_progress_step() -> None:
    assert set(PROGRESS.values()) <= set(UpdateStatus) - {S.PENDING, S.SENT, S.CANCELLED}


# --- batches and the rollout ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("total", "size", "percent", "expected"),
    [
        (10, None, None, 1),
        (10, 3, None, 3),
        (2, 5, None, 2),
        (10, None, 25, 3),
        (3, None, 10, 1),
        (4, None, 100, 4),
        (0, None, None, 0),
    ],
)
def test_the_first_batch_size(
    total: int, size: int | None, percent: float | None, expected: int
) -> None:
    assert batch_size(total, size, percent) == expected


@pytest.mark.parametrize(("size", "percent"), [(1, 10.0), (0, None), (None, 0.0), (None, 101.0)])
def test_a_first_batch_must_make_sense(size: int | None, percent: float | None) -> None:
    with pytest.raises(InvalidInput):
        batch_size(5, size, percent)


@given(st.integers(1, 10_000), st.floats(0.01, 100))
def test_a_share_of_the_stations_is_at_least_one_and_at_most_all(
    total: int, percent: float
) -> None:
    assert 1 <= batch_size(total, percent=percent) <= total


def test_the_rest_wait_until_the_whole_first_batch_installed() -> None:
    first = [update(S.INSTALLED), update(S.INSTALLING)]
    rest = [update(S.PENDING, batch=2), update(S.PENDING, batch=2)]
    assert next_step(CampaignStatus.FIRST_BATCH, first + rest) is Step.WAIT
    first[1].status = S.INSTALLED
    assert next_step(CampaignStatus.FIRST_BATCH, first + rest) is Step.RELEASE


def test_one_failure_in_the_first_batch_halts() -> None:
    targets = [update(S.INSTALLED), update(S.FAILED), update(S.PENDING, batch=2)]
    assert next_step(CampaignStatus.FIRST_BATCH, targets) is Step.HALT
    # Failures in the rest do not halt a rollout; it completes when every target finished.
    rollout = [update(S.INSTALLED), update(S.FAILED, batch=2), update(S.INSTALLING, batch=2)]
    assert next_step(CampaignStatus.ROLLOUT, rollout) is Step.WAIT
    rollout[2].status = S.INSTALLED
    assert next_step(CampaignStatus.ROLLOUT, rollout) is Step.COMPLETE


def test_a_campaign_of_one_batch_completes_at_once() -> None:
    assert next_step(CampaignStatus.FIRST_BATCH, [update(S.INSTALLED)]) is Step.COMPLETE


@pytest.mark.parametrize(
    "status", [CampaignStatus.COMPLETED, CampaignStatus.HALTED, CampaignStatus.CANCELLED]
)
def test_a_finished_campaign_takes_no_step(status: CampaignStatus) -> None:
    assert next_step(status, [update(S.INSTALLED), update(S.PENDING, batch=2)]) is Step.WAIT


@given(st.lists(st.sampled_from(list(UpdateStatus)), min_size=1, max_size=8), st.integers(1, 8))
def test_the_rest_are_never_released_past_a_first_batch_that_is_not_all_installed(
    statuses: list[UpdateStatus], first: int
) -> None:
    targets = [update(s, batch=1 if i < first else 2) for i, s in enumerate(statuses)]
    step = next_step(CampaignStatus.FIRST_BATCH, targets)
    batch1 = [t.status for t in targets if t.batch == 1]
    if step is Step.RELEASE:
        assert all(s is S.INSTALLED for s in batch1)
    if S.FAILED in batch1:
        assert step is Step.HALT


def test_halting_cancels_the_targets_not_sent_and_keeps_the_rest() -> None:
    one = campaign()
    targets = [update(S.FAILED), update(S.PENDING, batch=2), update(S.DOWNLOADING, batch=2)]
    finish_campaign(one, CampaignStatus.HALTED, targets, NOW, "CP failed")
    assert (one.status, one.reason, one.finished_at) == (CampaignStatus.HALTED, "CP failed", NOW)
    assert [t.status for t in targets] == [S.FAILED, S.CANCELLED, S.DOWNLOADING]
    counts = progress(targets)
    assert (counts["failed"], counts["cancelled"], counts["downloading"]) == (1, 1, 1)
    assert sum(counts.values()) == 3


def test_completing_leaves_the_targets_alone() -> None:
    one = campaign(CampaignStatus.ROLLOUT)
    targets = [update(S.INSTALLED)]
    finish_campaign(one, CampaignStatus.COMPLETED, targets, NOW)
    assert one.status is CampaignStatus.COMPLETED
    assert targets[0].status is S.INSTALLED


# --- diagnostics upload slots ---------------------------------------------------------------


def slot(expires_in: int = 60) -> DiagnosticsUpload:
    return DiagnosticsUpload(
        1, 1, "digest", NOW + timedelta(seconds=expires_in), UploadStatus.REQUESTED, NOW, NOW
    )


def test_a_slot_takes_one_file_before_it_expires() -> None:
    one = slot()
    assert check_open(one, NOW) is one
    received(
        one,
        file_name="d.zip",
        content_type="application/zip",
        size=3,
        sha256="ab",
        storage_key="k",
        now=NOW,
    )
    assert one.status is UploadStatus.UPLOADED
    with pytest.raises(Forbidden, match="used"):
        check_open(one, NOW)
    with pytest.raises(Forbidden, match="expired"):
        check_open(slot(), NOW + timedelta(seconds=60))
    with pytest.raises(Forbidden, match="unknown"):
        check_open(None, NOW)


def test_what_the_station_says_about_its_upload() -> None:
    one = slot()
    assert apply_station_status(one, "Uploading", NOW)
    assert one.status is UploadStatus.UPLOADING
    assert apply_station_status(one, "UploadFailed", NOW)
    assert (one.status, one.error) == (UploadStatus.FAILED, "station reported UploadFailed")
    # A file that arrived after all wins over what the station said.
    received(one, file_name="d", content_type="", size=1, sha256="", storage_key="k", now=NOW)
    assert not apply_station_status(one, "UploadFailure", NOW)
    assert (one.status, one.station_status, one.error) == (
        UploadStatus.UPLOADED,
        "UploadFailure",
        "",
    )
    refused(one, "station answered Rejected", NOW)
    assert one.status is UploadStatus.UPLOADED


# --- which stations a template or an image suits --------------------------------------------


@pytest.mark.parametrize(
    ("vendor", "model", "station_vendor", "station_model", "ok"),
    [
        ("", "", "", "", True),
        ("ACME", "", "acme", "anything", True),
        ("ACME", "W1", "ACME", "w1", True),
        ("ACME", "", "Other", "W1", False),
        ("", "W1", "ACME", "W2", False),
        ("ACME", "", "", "", False),
    ],
)
def test_restrictions_by_vendor_and_model(
    vendor: str, model: str, station_vendor: str, station_model: str, ok: bool
) -> None:
    assert applies(vendor, model, station_vendor, station_model) is ok
    if not ok:
        with pytest.raises(InvalidInput) as raised:
            check_applies("template", "template 'x'", vendor, model, station_vendor, station_model)
        assert raised.value.field == "template"


# --- the campaign runner: which targets are sent, by whom ------------------------------------


def test_targets_due_are_the_first_batch_then_every_waiting_one() -> None:
    first, rest, sent = update(S.PENDING, 1), update(S.PENDING, 2), update(S.SENT, 1)
    targets = [sent, first, rest]
    assert due_targets(campaign(CampaignStatus.FIRST_BATCH), targets, NOW) == [first]
    assert due_targets(campaign(CampaignStatus.ROLLOUT), targets, NOW) == [first, rest]
    for finished in (CampaignStatus.COMPLETED, CampaignStatus.HALTED, CampaignStatus.CANCELLED):
        assert due_targets(campaign(finished), targets, NOW) == []


def test_a_claimed_target_is_left_to_its_sender_until_the_claim_runs_out() -> None:
    target = update(S.PENDING, 2)
    assert claimable(target, NOW)
    target.claimed_at = NOW
    assert not claimable(target, NOW + CLAIM_TTL - timedelta(seconds=1))
    assert due_targets(campaign(CampaignStatus.ROLLOUT), [target], NOW) == []
    # Its sender died before sending it: another takes it once the claim is stale.
    assert claimable(target, NOW + CLAIM_TTL)
    target.status = S.SENT
    assert not claimable(target, NOW + CLAIM_TTL)


def test_a_station_gone_only_lately_is_waited_for_and_one_never_seen_is_not() -> None:
    grace = timedelta(minutes=5)
    assert not waits_for_station(True, NOW - timedelta(days=1), NOW, grace)
    assert waits_for_station(False, NOW - timedelta(seconds=30), NOW, grace)
    assert not waits_for_station(False, NOW - grace, NOW, grace)
    assert not waits_for_station(False, None, NOW, grace)
    assert not waits_for_station(False, NOW, NOW, timedelta(0))
