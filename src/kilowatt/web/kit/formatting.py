"""Values as people read them, in the page's language: badges (a tone and a word), spans of
time in words, times in a site's zone."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

Gettext = Callable[[str], str]


@dataclass(frozen=True, slots=True)
class Badge:
    """A value in words as a coloured badge (``ui.badge``): ``tone`` is its CSS class
    (``status-<tone>``: charging, faulted, online...; "" for plain), ``note`` its title."""

    tone: str
    text: str
    note: str = ""


def span(seconds: float | timedelta | None, gettext: Gettext) -> str:
    """A length of time in words, to the minute ("2 d 3 h", "4 h 5 min", "7 min", "12 s");
    "" when unknown or negative."""
    _ = gettext
    if isinstance(seconds, timedelta):
        seconds = seconds.total_seconds()
    if seconds is None or seconds < 0:
        return ""
    whole = int(seconds)
    days, rest = divmod(whole, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return _("%(days)s d %(hours)s h") % {"days": days, "hours": hours}
    if hours:
        return _("%(hours)s h %(minutes)s min") % {"hours": hours, "minutes": minutes}
    if minutes:
        return _("%(minutes)s min") % {"minutes": minutes}
    return _("%(seconds)s s") % {"seconds": whole}


def minute(moment: datetime | None, zone: ZoneInfo) -> str:
    """A time in ``zone`` to the minute ("2026-03-01 14:05"); "" for none."""
    if moment is None:
        return ""
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M")
