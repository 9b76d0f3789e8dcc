"""The scheduled jobs over the REST API: what runs when, how runs went, and a run now."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from tests.support.server import RunningServer

Json = dict[str, Any]
JOBS = {
    "firmware-campaigns",
    "site-load-watch",
    "message-log-retention",
    "meter-values-retention",
    "unbilled-sessions",
}


def jobs(api: httpx.Client) -> dict[str, Json]:
    response = api.get("/jobs")
    assert response.status_code == 200, response.text
    return {job["name"]: job for job in response.json()}


def when(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def test_every_job_with_its_schedule_status_and_runs(api: httpx.Client) -> None:
    listed = jobs(api)
    assert set(listed) == JOBS
    campaigns = listed["firmware-campaigns"]
    assert campaigns["schedule"] == {
        "text": "every 10 s",
        "every_seconds": 10.0,
        "daily_at": None,
        "time_zone": None,
    }
    assert campaigns["status"] in ("scheduled", "running")
    retention = listed["message-log-retention"]
    assert retention["schedule"]["daily_at"] == "03:30"
    assert retention["schedule"]["time_zone"] == "UTC"
    assert retention["status"] in ("scheduled", "running")
    next_run = when(retention["next_run_at"])
    now = datetime.now(UTC)
    assert (next_run.hour, next_run.minute) == (3, 30)
    assert now < next_run <= now + timedelta(days=1)
    readings = listed["meter-values-retention"]
    assert readings["status"] == "disabled"
    assert "KILOWATT_METER_VALUES_RETENTION_DAYS is 0" in readings["disabled_reason"]
    assert readings["next_run_at"] is None

    # The campaigns job ran as the server started, and runs every 10 s.
    deadline = time.monotonic() + 20
    while jobs(api)["firmware-campaigns"]["last_run"] is None:
        assert time.monotonic() < deadline
        time.sleep(0.2)
    last = jobs(api)["firmware-campaigns"]["last_run"]
    assert last["job"] == "firmware-campaigns"
    assert last["trigger"] == "schedule"
    assert last["node"]
    runs = api.get("/jobs/firmware-campaigns/runs", params={"limit": 1}).json()
    assert runs["items"][0]["id"] >= last["id"]
    assert set(runs["items"][0]) == {
        "id",
        "job",
        "node",
        "trigger",
        "requested_by",
        "status",
        "started_at",
        "finished_at",
        "items",
        "detail",
    }


def test_a_run_asked_for_runs_now_is_recorded_and_audited(
    server: RunningServer, api: httpx.Client
) -> None:
    before = jobs(api)["message-log-retention"]
    response = api.post("/jobs/message-log-retention/run", params={"wait": 30})
    assert response.status_code == 200, response.text
    run = response.json()
    assert run["status"] == "succeeded"
    assert run["trigger"] == "manual"
    assert run["requested_by"].startswith("api:")
    assert run["finished_at"] is not None
    assert run["items"] == 0  # nothing is 30 days old on a new server
    after = jobs(api)["message-log-retention"]
    assert after["next_run_at"] == before["next_run_at"]  # the schedule is left as it was
    assert after["last_run"] == run
    [newest] = api.get("/jobs/message-log-retention/runs", params={"limit": 1}).json()["items"]
    assert newest == run
    audit = api.get("/audit", params={"action": "job.run", "object_id": "message-log-retention"})
    assert audit.status_code == 200, audit.text
    assert any(entry["changes"].get("run_id") == run["id"] for entry in audit.json()["items"])

    # Without waiting: 202 while it runs, or 200 if it was done already.
    quick = api.post("/jobs/message-log-retention/run")
    assert quick.status_code in (200, 202), quick.text
    assert (quick.status_code == 202) == (quick.json()["status"] == "running")


def test_a_disabled_jobs_run_is_skipped_and_says_why(api: httpx.Client) -> None:
    response = api.post("/jobs/meter-values-retention/run", params={"wait": 30})
    assert response.status_code == 200, response.text
    run = response.json()
    assert run["status"] == "skipped"
    assert "KILOWATT_METER_VALUES_RETENTION_DAYS is 0" in run["detail"]
    assert jobs(api)["meter-values-retention"]["status"] == "disabled"


def test_an_unknown_job_or_a_bad_wait_is_refused(api: httpx.Client) -> None:
    for response in (
        api.post("/jobs/no-such-job/run"),
        api.get("/jobs/no-such-job/runs"),
    ):
        assert response.status_code == 404, response.text
        assert response.json() == {"error": "not_found", "detail": "job no-such-job not found"}
    for wait in (-1, 301):
        bad = api.post("/jobs/message-log-retention/run", params={"wait": wait})
        assert bad.status_code == 422, bad.text
        assert bad.json()["fields"][0]["field"] == "query.wait"
    long = api.get(f"/jobs/{'x' * 65}/runs")
    assert long.status_code == 422
