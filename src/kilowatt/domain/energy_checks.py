"""What a connector could have delivered: the test that keeps a lifetime register reading, a
replaced meter or a bogus meterStart from being billed as a session's energy.

Some stations send meterStart 0 and then their meter's lifetime register (909,948 Wh a
minute later); some meters are swapped mid-session. An increase of the register that no
connector of that power could have delivered in the time between two readings is not
energy: the session counts from the first reading after the jump, and is flagged.
"""

from __future__ import annotations

import math
from datetime import timedelta

DEFAULT_MAX_POWER_W = 1_000_000
"""When the connector's rating is unknown: about the most any charger delivers today."""
POWER_MARGIN = 1.25
"""Rated power is a nominal figure; a little more is still plausible."""
TIME_SLACK_S = 60.0
"""Readings carry their own, coarse timestamps: a minute of slack."""
ENERGY_SLACK_WH = 100
"""And a little energy, for rounding and meters that step in large units."""


def possible_energy_wh(elapsed: timedelta, max_power_w: int | None) -> int:
    """The most energy a connector rated ``max_power_w`` could deliver in ``elapsed``."""
    power = max_power_w * POWER_MARGIN if max_power_w and max_power_w > 0 else DEFAULT_MAX_POWER_W
    seconds = max(elapsed.total_seconds(), 0.0) + TIME_SLACK_S
    return math.ceil(power * seconds / 3600.0) + ENERGY_SLACK_WH


def is_jump(increase_wh: int, elapsed: timedelta, max_power_w: int | None) -> bool:
    """True when the register rose by more than the connector could deliver in ``elapsed``."""
    return increase_wh > possible_energy_wh(elapsed, max_power_w)
