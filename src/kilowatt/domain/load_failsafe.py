"""Load management at the stations: the failsafe default profile every station of a managed
site holds, and what is known of a station that refuses the profiles Kilowatt sends.

The failsafe is a transaction default profile (``TX_DEFAULT``) on the whole station (EVSE /
connector 0) at stack level 0: each session the station runs gets at most the site's
``failsafe_current_a`` per phase unless a profile above it says otherwise. While Kilowatt is
connected, each session's own transaction profile (stack level 2, domain/load_profiles.py)
overrides it; an operator's power limit (stack level 1, domain/power_limits.py) sits between
the two and is never replaced by it.

A station that answers a load management profile with a refusal (Rejected, or a CALLERROR
such as NotSupported) is flagged: it gets no profile for ``RETRY_AFTER`` (its sessions are
left out of the sharing, their draw counted with the rest of the site's load), then one more
try; a boot or a reconnect allows one try at once. An accepted profile clears the flag.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from kilowatt.domain.charging_profiles import (
    ChargingProfile,
    ChargingSchedule,
    ChargingSchedulePeriod,
    ProfileKind,
    ProfilePurpose,
    RateUnit,
)

FAILSAFE_PROFILE_ID = 7300
"""Load management's failsafe default profile (one per station, on EVSE 0); the session
profiles use 7200 + EVSE id, the dashboard's power limits 7100 + EVSE id."""
FAILSAFE_STACK_LEVEL = 0
"""Below the operator's power limits (1) and the sessions' profiles (2)."""
RETRY_AFTER = timedelta(hours=1)
"""How long a station that refused a profile is left alone before one more try."""
MAX_FAILSAFE_A = 63.0


def failsafe_profile(limit_a: float) -> ChargingProfile:
    """The station's default profile: every session at most ``limit_a`` per phase from its
    start (relative, one period, whatever the number of phases)."""
    return ChargingProfile(
        id=FAILSAFE_PROFILE_ID,
        stack_level=FAILSAFE_STACK_LEVEL,
        purpose=ProfilePurpose.TX_DEFAULT,
        kind=ProfileKind.RELATIVE,
        schedules=(
            ChargingSchedule(
                id=FAILSAFE_PROFILE_ID,
                rate_unit=RateUnit.AMPERES,
                periods=(ChargingSchedulePeriod(start_period=0, limit=limit_a),),
            ),
        ),
    )


def is_failsafe(profile: ChargingProfile) -> bool:
    return profile.id == FAILSAFE_PROFILE_ID and profile.purpose is ProfilePurpose.TX_DEFAULT


def failsafe_limit(profile: ChargingProfile) -> float:
    return profile.schedule.periods[0].limit


FAILSAFE_DRAW_SLACK_A = 0.5


def believed_draw(drawn_a: float | None, limit_a: float | None, failsafe_a: float) -> float | None:
    """What the sharing takes a car to draw. A car drawing the failsafe current (within half
    an ampere) while its limit is higher is held back by the failsafe, its own profile not yet
    applied (a session's first meter values): not a car that draws less, which would be given
    only what it draws plus 1 A and climb back an ampere at a time. None: not believed."""
    if drawn_a is None or limit_a is None or failsafe_a <= 0:
        return drawn_a
    if abs(drawn_a - failsafe_a) <= FAILSAFE_DRAW_SLACK_A and limit_a > failsafe_a + 1:
        return None
    return drawn_a


def refusal(
    status: str, response: Mapping[str, Any] | None, error: str, *, session_gone: bool
) -> str | None:
    """What a station's answer to a load management profile says, when it is a refusal: its
    status (and 2.0.1 reason code), or the CALLERROR's code; None when it is not a refusal (an
    acceptance, no answer at all, or a transaction profile for a session that has ended
    meanwhile, which a sound station rejects)."""
    if status == "rejected":
        if session_gone:
            return None
        answer = dict(response or {})
        text = str(answer.get("status") or "Rejected")
        info = answer.get("statusInfo") or {}
        if isinstance(info, Mapping) and info.get("reasonCode"):
            if info["reasonCode"] == "TxNotFound":
                return None
            text += f" ({info['reasonCode']})"
        return text[:100]
    if status == "failed" and response and response.get("errorCode"):
        return f"CALLERROR {response['errorCode']}"[:100]
    return None


@dataclass(eq=False, kw_only=True)
class StationProfiles:
    """What load management knows of the profiles it sends one station."""

    station_id: int
    ocpp_id: str = ""
    default_limit_a: float | None = None
    """The failsafe the station accepted and holds (None: none known to be in force)."""
    default_at: datetime | None = None
    refused_at: datetime | None = None
    """When it last refused a profile (None: it takes them)."""
    refused_answer: str = ""
    """What it answered: Rejected (with a reason code), CALLERROR NotSupported..."""
    retry_at: datetime | None = None
    """From then on it is sent a profile once more."""
    updated_at: datetime

    @property
    def refusing(self) -> bool:
        return self.refused_at is not None

    def blocks(self, now: datetime) -> bool:
        """Whether it is left alone now (flagged, and the retry not yet due)."""
        return self.refused_at is not None and (self.retry_at is None or now < self.retry_at)

    def refused(self, answer: str, now: datetime) -> bool:
        """It refused a profile: flagged, left alone until ``RETRY_AFTER`` from now. True when
        this is news (it was not being left alone already)."""
        news = not self.blocks(now)
        self.refused_at = now
        self.refused_answer = answer
        self.retry_at = now + RETRY_AFTER
        self.updated_at = now
        return news

    def accepted(self, now: datetime, failsafe_a: float | None = None) -> None:
        """It accepted a profile (the failsafe, when ``failsafe_a`` is given): the flag goes."""
        self.refused_at = None
        self.refused_answer = ""
        self.retry_at = None
        if failsafe_a is not None:
            self.default_limit_a = failsafe_a
            self.default_at = now
        self.updated_at = now

    def retry_now(self, now: datetime) -> None:
        """It booted or reconnected: one more try at once, the flag shown until it accepts."""
        if self.refused_at is not None:
            self.retry_at = now
            self.updated_at = now
