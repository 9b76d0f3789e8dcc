"""A site's meter over OCPP, and its silence: pure functions over the standard library.

A site can name one of its stations as its *site meter*: the readings of that station's main
meter (OCPP 1.6 connectorId 0, 2.0.1 evseId 0, which Kilowatt keeps as EVSE 0) of
``Power.Active.Import`` are the transformer's load, as an API or MQTT reading would be. The
readings arrive already normalised to W (domain/metering.py ``normalise``), keyed by measurand
and, when per phase, ``.phase``.

A meter is *silent* once its last reading is older than the site's ``reading_max_age_s``:
the fallback load is then assumed (``SiteLoad.load_now``), and an alert is raised once per
silence, cleared when a reading comes again.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from kilowatt.domain.loads import SiteLoad

MAIN_METER_EVSE = 0
"""The EVSE (1.6 connector) number of a station's main meter."""
POWER = "Power.Active.Import"
_PHASES = {"L1", "L2", "L3", "L1-N", "L2-N", "L3-N"}


def site_meter_w(values: Mapping[str, float]) -> int | None:
    """The load a main meter's report says, in W: its phase-less ``Power.Active.Import``, else
    the sum of the per-phase ones (L1, L2, L3, or to neutral); None when it says neither.
    A negative figure (export) counts as 0: the transformer's import is what is managed."""
    if POWER in values:
        return max(0, round(values[POWER]))
    phases = [v for k, v in values.items() if k.startswith(POWER + ".") and _phase(k) in _PHASES]
    if not phases:
        return None
    return max(0, round(sum(phases)))


def _phase(key: str) -> str:
    return key[len(POWER) + 1 :]


def goes_silent(load: SiteLoad, now: datetime) -> bool:
    """Whether a site's meter has just gone silent: it has been heard once, its last reading is
    now stale, and no alert has been raised for this silence yet."""
    if load.load_at is None or load.meter_silent_since is not None:
        return False
    return not load.load_now(now)[1]


def heard_again(load: SiteLoad, now: datetime) -> bool:
    """Whether a silent site's meter (an alert raised) is heard again: a fresh reading."""
    return load.meter_silent_since is not None and load.load_now(now)[1]
