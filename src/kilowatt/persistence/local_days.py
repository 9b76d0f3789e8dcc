"""SQL for ``domain.local_days.LocalDays``: a record's time within the local days of its
station's site."""

from __future__ import annotations

from sqlalchemy import false, or_, select
from sqlalchemy.sql.elements import ColumnElement

from kilowatt.domain.local_days import LocalDays
from kilowatt.persistence.models.stations import stations


def within_local_days(
    moment: ColumnElement[object], station_id: ColumnElement[int], days: LocalDays
) -> ColumnElement[bool]:
    """``moment`` (of a record at station ``station_id``) falls in ``days`` as read in the zone
    of the station's site; for a station at no site listed, in the fallback zone."""
    listed = sorted(days.site_ids)
    alternatives: list[ColumnElement[bool]] = []
    for window in days.windows():
        site: ColumnElement[bool]
        if window.site_ids is None:
            site = stations.c.site_id.is_(None)
            if listed:
                site = site | stations.c.site_id.not_in(listed)
        else:
            site = stations.c.site_id.in_(sorted(window.site_ids))
        condition: ColumnElement[bool] = station_id.in_(select(stations.c.id).where(site))
        if window.since is not None:
            condition = condition & (moment >= window.since)
        if window.until is not None:
            condition = condition & (moment < window.until)
        alternatives.append(condition)
    return or_(*alternatives) if alternatives else false()
