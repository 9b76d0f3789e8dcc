"""Scheduled and background work: the runner (runner.py) and the jobs, one module per domain
area named as the area is in every other layer (retention.py, firmware.py, cdrs.py).

A job is a service call on a schedule: jobs never touch storage, they call services like every
other edge. To add one, write in the area's module a function that returns its ``Job``s and add
it to ``registered`` below.
"""

from __future__ import annotations

from kilowatt.config import Settings
from kilowatt.jobs import cdrs, firmware, load_meters, retention
from kilowatt.jobs.job import Job
from kilowatt.services.container import Services


def registered(services: Services, settings: Settings) -> list[Job]:
    """Every job of the installation."""
    return [
        *retention.jobs(services, settings),
        *firmware.jobs(services, settings),
        *cdrs.jobs(services, settings),
        *load_meters.jobs(services, settings),
    ]


__all__ = ["Job", "registered"]
