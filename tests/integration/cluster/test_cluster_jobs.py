"""Jobs on two real nodes sharing one PostgreSQL database: a job runs on one node at a time,
and a run whose node is killed is recorded as failed, after which another node runs the job and
finishes the work."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from tests.support.server import RunningCluster, RunningServer, start_cluster

pytestmark = pytest.mark.integration

LEASE_TTL = 5
OLD_MESSAGES = 60_000
JOB = "message-log-retention"


@pytest.fixture
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningCluster]:
    # Small batches: pruning the old messages takes long enough to be caught running.
    running = start_cluster(
        2,
        Path(tmp_path_factory.mktemp("kilowatt-cluster-jobs")),
        jobs_lease_ttl=LEASE_TTL,
        retention_batch=100,
    )
    try:
        yield running
    finally:
        running.stop()


def sql(cluster: RunningCluster, statement: str, **values: Any) -> Any:
    async def execute() -> Any:
        engine = create_async_engine(cluster.database_url)
        try:
            async with engine.begin() as connection:
                result = await connection.execute(text(statement), values)
                return result.scalar() if result.returns_rows else result.rowcount
        finally:
            await engine.dispose()

    return asyncio.run(execute())


def old_messages(cluster: RunningCluster) -> int:
    return int(
        sql(
            cluster,
            "SELECT count(*) FROM ocpp_messages WHERE created_at < now() - interval '30 days'",
        )
    )


def job(node: RunningServer) -> dict[str, Any]:
    with node.api() as api:
        [found] = [j for j in api.get("/jobs").json() if j["name"] == JOB]
    return found


def runs(node: RunningServer) -> list[dict[str, Any]]:
    with node.api() as api:
        items: list[dict[str, Any]] = api.get(f"/jobs/{JOB}/runs").json()["items"]
    return items


def test_a_job_runs_on_one_node_and_a_killed_nodes_run_is_failed_and_finished_by_another(
    cluster: RunningCluster,
) -> None:
    sql(
        cluster,
        "INSERT INTO ocpp_messages "
        "(station_ocpp_id, direction, message_type, unique_id, action, payload, created_at) "
        "SELECT 'CP-OLD', 'in', 2, 'u' || g, 'Heartbeat', '[2, \"u\", \"Heartbeat\", {}]', "
        "now() - interval '40 days' FROM generate_series(1, :count) AS g",
        count=OLD_MESSAGES,
    )
    first, second = cluster[0], cluster[1]
    with first.api() as api:
        started = api.post(f"/jobs/{JOB}/run")
    assert started.status_code == 202, started.text
    run = started.json()
    assert run["status"] == "running"

    # The other node refuses to run it too, and shows where it runs.
    with second.api() as api:
        refused = api.post(f"/jobs/{JOB}/run")
    assert refused.status_code == 409, refused.text
    assert refused.json() == {"error": "conflict", "detail": f"job {JOB} is running already"}
    seen = job(second)
    assert (seen["status"], seen["running_on"]) == ("running", run["node"])

    first.process.kill()
    first.process.wait(timeout=10)
    left = old_messages(cluster)
    assert 0 < left < OLD_MESSAGES  # killed halfway

    # Once the dead node's lease has run out, the other records its run as failed...
    deadline = time.monotonic() + LEASE_TTL + 10
    while runs(second)[0]["status"] == "running":
        assert time.monotonic() < deadline, runs(second)
        time.sleep(0.2)
    [dead] = runs(second)
    assert dead["id"] == run["id"]
    assert dead["status"] == "failed"
    assert f"node {run['node']} stopped before the run finished" in dead["detail"]
    assert job(second)["status"] == "scheduled"

    # ...and runs it itself: it removes what the dead node left.
    with second.api() as api:
        again = api.post(f"/jobs/{JOB}/run")
    assert again.status_code == 202, again.text
    deadline = time.monotonic() + 120
    while (finished := runs(second)[0])["status"] == "running":
        assert time.monotonic() < deadline, finished
        time.sleep(0.5)
    assert finished["id"] == again.json()["id"]
    assert finished["status"] == "succeeded", finished
    assert finished["node"] != run["node"]
    assert finished["items"] == left
    assert old_messages(cluster) == 0
