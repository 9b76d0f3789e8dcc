"""Reservations: a connector kept for one token until a deadline."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class ReservationStatus(StrEnum):
    PENDING = "pending"
    """Asked of the station, no answer yet."""
    ACTIVE = "active"
    REJECTED = "rejected"
    """The station refused it (Occupied, Faulted, Unavailable, Rejected)."""
    CANCELLED = "cancelled"
    USED = "used"
    """A transaction started on it."""
    EXPIRED = "expired"


OPEN = frozenset({ReservationStatus.PENDING, ReservationStatus.ACTIVE})


@dataclass(eq=False)
class Reservation:
    """``id`` is the reservationId the station receives."""

    organization_id: int
    station_id: int
    evse_id: int
    id_tag: str
    expires_at: datetime
    status: ReservationStatus
    created_at: datetime
    updated_at: datetime
    connector_id: int = 0
    """0: any connector of the EVSE (or of the station, with EVSE 0)."""
    reason: str = ""
    transaction_id: int | None = None
    id: int | None = None


def effective_status(reservation: Reservation, now: datetime) -> ReservationStatus:
    """An open reservation past its expiry is expired, whether or not a station said so."""
    if reservation.status in OPEN and reservation.expires_at <= now:
        return ReservationStatus.EXPIRED
    return reservation.status


def settle(
    reservation: Reservation, status: ReservationStatus, now: datetime, reason: str = ""
) -> bool:
    """Move an open reservation to ``status``; a closed one stays as it is."""
    if reservation.status not in OPEN:
        return False
    reservation.status = status
    reservation.reason = reason or reservation.reason
    reservation.updated_at = now
    return True
