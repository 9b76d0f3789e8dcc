"""Scheduled jobs: one row per job (its lease and next run) and one per run."""

from sqlalchemy import BigInteger, Column, ForeignKey, Index, String, Table

from kilowatt.domain.jobs import MAX_DETAIL, RunStatus, Trigger
from kilowatt.persistence.models.base import UTCDateTime, enum_of, id_column, metadata

jobs = Table(
    "jobs",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("holder", String(64)),
    Column("lease_until", UTCDateTime),
    Column("run_id", BigInteger),
    Column("next_run_at", UTCDateTime),
)

job_runs = Table(
    "job_runs",
    metadata,
    id_column(),
    Column("job", String(64), ForeignKey("jobs.name", ondelete="CASCADE"), nullable=False),
    Column("node", String(64), nullable=False),
    Column("trigger", enum_of(Trigger, 10), nullable=False),
    Column("requested_by", String(200), nullable=False, default=""),
    Column("status", enum_of(RunStatus, 10), nullable=False),
    Column("started_at", UTCDateTime, nullable=False),
    Column("finished_at", UTCDateTime),
    Column("items", BigInteger, nullable=False, default=0),
    Column("detail", String(MAX_DETAIL), nullable=False, default=""),
    Index("ix_job_runs_job_id", "job", "id"),
)
