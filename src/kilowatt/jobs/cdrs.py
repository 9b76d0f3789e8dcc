"""Billing: sessions left unbilled (a node stopped between a session's end and its bill)."""

from __future__ import annotations

from kilowatt.config import Settings
from kilowatt.domain.jobs import Every, JobSpec
from kilowatt.jobs.job import Job
from kilowatt.services.container import Services


def jobs(services: Services, settings: Settings) -> list[Job]:
    return [
        Job(
            JobSpec(
                name="unbilled-sessions",
                description="Prices and bills the sessions that ended without a charge detail "
                "record (each is billed once, whatever replays or retries).",
                schedule=Every(settings.billing_interval),
            ),
            services.cdrs.bill_unbilled,
        )
    ]
