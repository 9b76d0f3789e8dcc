"""Id tokens (RFID cards, app tokens, key fobs...), their groups, and the authorization
decision."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from kilowatt.domain.access import AccessDecision, AccessStatus
from kilowatt.domain.errors import InvalidInput


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
    NOT_AT_THIS_LOCATION = "NotAtThisLocation"
    """Valid, but no access rule lets it charge at this station (2.0.1; 1.6 says Invalid)."""
    NOT_AT_THIS_TIME = "NotAtThisTime"
    """Valid and allowed at this station, but not now (2.0.1; 1.6 says Invalid)."""
    NO_CREDIT = "NoCredit"
    """Prepaid, and its wallet is below the minimum balance (2.0.1; 1.6 says Blocked)."""


class GroupKind(StrEnum):
    FLEET = "fleet"
    COMPANY = "company"
    LOYALTY = "loyalty"
    TENANTS = "tenants"
    OTHER = "other"


@dataclass(eq=False)
class TokenGroup:
    """Tokens charged together: a fleet, a company's employees, a loyalty program, a
    building's tenants. ``parent_id_tag`` is the group's own token value, told to stations as
    the OCPP 1.6 parentIdTag / 2.0.1 groupIdToken of each member: a station lets any card of
    the group stop a session another card of the group started."""

    organization_id: int
    name: str
    kind: GroupKind
    created_at: datetime
    updated_at: datetime
    description: str = ""
    parent_id_tag: str | None = None
    load_priority: int = 0
    """Under a site's priority load strategy (domain/load_allocation.py), its members' sessions are
    served before those of lower groups (0 to MAX_LOAD_PRIORITY; 0: none)."""
    id: int | None = None


MAX_PARENT_ID_TAG = 255
MAX_LOAD_PRIORITY = 9


def check_parent_id_tag(value: str | None) -> str | None:
    if value is None:
        return None
    if not value or len(value) > MAX_PARENT_ID_TAG or value != value.strip():
        raise InvalidInput(
            "parent_id_tag", f"1 to {MAX_PARENT_ID_TAG} characters without surrounding spaces"
        )
    return value


@dataclass(eq=False)
class IdToken:
    organization_id: int
    value: str
    type: IdTokenType
    status: TokenStatus
    created_at: datetime
    updated_at: datetime
    expires_at: datetime | None = None
    group_id: int | None = None
    """The TokenGroup it belongs to, if any."""
    driver_id: int | None = None
    label: str = ""
    wallet_id: int | None = None
    """A prepaid token: its sessions are paid from this wallet (domain/wallets.py), and it
    may start only while the wallet has credit."""
    id: int | None = None


@dataclass(frozen=True, slots=True)
class AuthorizationDecision:
    status: AuthorizationStatus
    expires_at: datetime | None = None
    group_id: str | None = None
    """The OCPP group id token (1.6 parentIdTag): the parent id tag of the token's group."""

    @property
    def accepted(self) -> bool:
        return self.status is AuthorizationStatus.ACCEPTED


_REFUSED_HERE = {
    AccessStatus.NOT_AT_THIS_LOCATION: AuthorizationStatus.NOT_AT_THIS_LOCATION,
    AccessStatus.NOT_AT_THIS_TIME: AuthorizationStatus.NOT_AT_THIS_TIME,
}


def authorize(
    token: IdToken | None,
    now: datetime,
    *,
    in_other_transaction: bool = False,
    parent_id_tag: str | None = None,
    access: AccessDecision | None = None,
) -> AuthorizationDecision:
    """Decide whether ``token`` may charge now.

    The token's own state comes first (blocked, expired, invalid), then ``access``, whether
    it may charge at this station now (None: not asked, as when a card stops a session), then
    ``in_other_transaction``, only passed when a transaction starts: OCPP 1.6 reserves
    ConcurrentTx for StartTransaction ("only relevant for a StartTransaction.req"), so
    Authorize never answers it, and a driver can always present the card that stops a session.
    An unknown token is Unknown (OCPP 1.6 has no such status and says Invalid).

    ``parent_id_tag`` is that of the token's group. The answer's expiry is the token's, or
    sooner the moment a time window of its access closes (or, when refused for the time,
    opens): a station must not keep the answer in its cache beyond that.
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
    expires_at = token.expires_at
    if status is None and access is not None:
        status = _REFUSED_HERE.get(access.status)
        if access.until is not None and (expires_at is None or access.until < expires_at):
            expires_at = access.until
    if status is None and in_other_transaction:
        status = AuthorizationStatus.CONCURRENT_TX
    return AuthorizationDecision(
        status or AuthorizationStatus.ACCEPTED,
        expires_at=expires_at,
        group_id=parent_id_tag,
    )
