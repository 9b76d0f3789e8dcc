"""Id tokens (RFID cards, app tokens, key fobs...) and the authorization decision."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class IdTokenType(StrEnum):
    """The 2.0.1 IdTokenEnumType; a 1.6 idTag carries no type and matches any."""

    CENTRAL = "Central"
    EMAID = "eMAID"
    ISO14443 = "ISO14443"
    ISO15693 = "ISO15693"
    KEY_CODE = "KeyCode"
    LOCAL = "Local"
    MAC_ADDRESS = "MacAddress"
    NO_AUTHORIZATION = "NoAuthorization"


class TokenStatus(StrEnum):
    """What an operator sets on a token. Expiry is separate (``expires_at``)."""

    ACCEPTED = "Accepted"
    BLOCKED = "Blocked"
    EXPIRED = "Expired"
    INVALID = "Invalid"


class AuthorizationStatus(StrEnum):
    """Version-neutral answer; the edges map it onto 1.6 or 2.0.1 values."""

    ACCEPTED = "Accepted"
    BLOCKED = "Blocked"
    EXPIRED = "Expired"
    INVALID = "Invalid"
    CONCURRENT_TX = "ConcurrentTx"
    UNKNOWN = "Unknown"


@dataclass(eq=False)
class IdToken:
    organization_id: int
    value: str
    type: IdTokenType
    status: TokenStatus
    created_at: datetime
    updated_at: datetime
    expires_at: datetime | None = None
    group_id: str | None = None
    label: str = ""
    id: int | None = None


@dataclass(frozen=True, slots=True)
class AuthorizationDecision:
    status: AuthorizationStatus
    expires_at: datetime | None = None
    group_id: str | None = None

    @property
    def accepted(self) -> bool:
        return self.status is AuthorizationStatus.ACCEPTED


def authorize(
    token: IdToken | None,
    now: datetime,
    *,
    in_other_transaction: bool = False,
) -> AuthorizationDecision:
    """Decide whether ``token`` may charge now.

    ``in_other_transaction`` is only passed when a transaction starts: OCPP 1.6 reserves
    ConcurrentTx for StartTransaction ("only relevant for a StartTransaction.req"), so
    Authorize never answers it, and a driver can always present the card that stops a session.
    An unknown token is Unknown (OCPP 1.6 has no such status and says Invalid).
    """
    if token is None:
        return AuthorizationDecision(AuthorizationStatus.UNKNOWN)
    status = {
        TokenStatus.BLOCKED: AuthorizationStatus.BLOCKED,
        TokenStatus.EXPIRED: AuthorizationStatus.EXPIRED,
        TokenStatus.INVALID: AuthorizationStatus.INVALID,
    }.get(token.status)
    if status is None and token.expires_at is not None and token.expires_at <= now:
        status = AuthorizationStatus.EXPIRED
    if status is None and in_other_transaction:
        status = AuthorizationStatus.CONCURRENT_TX
    return AuthorizationDecision(
        status or AuthorizationStatus.ACCEPTED,
        expires_at=token.expires_at,
        group_id=token.group_id,
    )
