"""Firmware campaigns advance in steps, so that one a stopped node left half done goes on."""

from __future__ import annotations

from kilowatt.config import Settings
from kilowatt.domain.jobs import Every, JobSpec
from kilowatt.jobs.job import Job
from kilowatt.services.container import Services


def jobs(services: Services, settings: Settings) -> list[Job]:
    return [
        Job(
            JobSpec(
                name="firmware-campaigns",
                description="Takes each running firmware campaign's next step: halts it, sends "
                "the rest the update, or completes it, as its stations reported, and sends the "
                "update to the stations due for it.",
                schedule=Every(settings.firmware_campaign_interval),
            ),
            services.firmware.advance_campaigns,
        )
    ]
