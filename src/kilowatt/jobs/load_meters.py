"""A silent site meter sends nothing, and a time-of-use window opens without a message: a job
looks for the sites whose meter went silent (and those heard again) and raises (clears) the
alert, and for the sites whose cap in force changed, and works their limits out again."""

from __future__ import annotations

from kilowatt.config import Settings
from kilowatt.domain.jobs import Every, JobSpec
from kilowatt.jobs.job import Job
from kilowatt.services.container import Services


def jobs(services: Services, settings: Settings) -> list[Job]:
    return [
        Job(
            JobSpec(
                name="site-load-watch",
                description="Raises an alert for each load-managed site whose meter has gone "
                "silent (its last reading older than the site's reading fresh for: the "
                "fallback load is assumed), once per silence, and clears it when readings "
                "come again; makes a pass at each site whose time-of-use cap in force changed.",
                schedule=Every(settings.site_load_watch_interval),
            ),
            services.load_meters.watch,
        )
    ]
