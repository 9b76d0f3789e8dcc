"""Retention: the message log and meter readings pruned once a day (domain/retention.py)."""

from __future__ import annotations

from kilowatt.config import Settings
from kilowatt.domain.jobs import Daily, JobSpec, parse_time_of_day
from kilowatt.jobs.job import Job
from kilowatt.services.container import Services


def jobs(services: Services, settings: Settings) -> list[Job]:
    daily = Daily(parse_time_of_day(settings.retention_at), settings.jobs_time_zone)
    retention = services.retention
    return [
        Job(
            JobSpec(
                name="message-log-retention",
                description="Removes raw OCPP messages older than "
                "KILOWATT_MESSAGE_LOG_RETENTION_DAYS days "
                f"({settings.message_log_retention_days}; 0 keeps them forever).",
                schedule=daily,
                disabled=""
                if settings.message_log_retention_days
                else "KILOWATT_MESSAGE_LOG_RETENTION_DAYS is 0: the message log is kept forever",
            ),
            retention.prune_message_log,
        ),
        Job(
            JobSpec(
                name="meter-values-retention",
                description="Removes meter readings of sessions that ended, and were last "
                "changed, more than KILOWATT_METER_VALUES_RETENTION_DAYS days ago, and readings "
                "of no session as old "
                f"({settings.meter_values_retention_days}; 0 keeps them forever).",
                schedule=daily,
                disabled=""
                if settings.meter_values_retention_days
                else "KILOWATT_METER_VALUES_RETENTION_DAYS is 0: meter readings are kept forever",
            ),
            retention.prune_meter_values,
        ),
    ]
