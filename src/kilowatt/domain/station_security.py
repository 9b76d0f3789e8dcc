"""How a charging station proves who it is: OCPP security profiles, station passwords and
station certificates.

Profiles (OCPP 1.6 security whitepaper, OCPP 2.0.1 part 2 A00):

- 0: no authentication (an unsecured network; any client may claim any identity);
- 1: HTTP Basic authentication, user name = station identity, over plain WebSocket;
- 2: TLS served by the CSMS + HTTP Basic authentication;
- 3: TLS with a client certificate whose subject CN is the station identity.

A station has one profile; a connection that shows more than it (valid credentials over TLS,
a valid client certificate) raises it, and none can lower it: a station at profile 2 is refused
over plain WebSocket from then on. Only an operator lowers a profile.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from datetime import datetime
from enum import IntEnum, StrEnum

from kilowatt.domain.errors import InvalidInput


class SecurityProfile(IntEnum):
    NONE = 0
    BASIC = 1
    TLS_BASIC = 2
    MUTUAL_TLS = 3


PASSWORD_LENGTH = 20
"""Characters of a generated station password: 20 letters and digits (119 bits). Within the
1.6 AuthorizationKey limit (20 bytes, sent as 40 hex digits) and the 2.0.1 BasicAuthPassword
limits (16 to 40 characters)."""
PASSWORD_ALPHABET = string.ascii_letters + string.digits
MIN_PASSWORD_LENGTH = 16
MAX_PASSWORD_LENGTH = 40


def check_profile(value: int) -> SecurityProfile:
    try:
        return SecurityProfile(value)
    except ValueError:
        raise InvalidInput("security_profile", "0, 1, 2 or 3") from None


def authorization_key(password: str) -> str:
    """The 1.6 AuthorizationKey value for ``password``: its bytes as hexadecimal digits (the
    security whitepaper's representation); the station sends the bytes themselves."""
    return password.encode("utf-8").hex()


def from_authorization_key(presented: str) -> str | None:
    """``presented`` read as an AuthorizationKey (hex digits) when it is one, for stations that
    send the hexadecimal form itself as their Basic password; None otherwise."""
    if len(presented) < 2 * MIN_PASSWORD_LENGTH or len(presented) % 2:
        return None
    try:
        decoded = bytes.fromhex(presented).decode("ascii")
    except ValueError:
        return None
    return decoded if decoded.isprintable() else None


APPLIED = "applied"
"""Key of a password rotation's outcome data: ``now`` (the station uses the new password from
its next connection) or ``after_reboot`` (once it has rebooted)."""


class PasswordCheck(StrEnum):
    """What the password a connection presented turned out to be."""

    NOT_PRESENTED = "not_presented"
    NOT_SET = "not_set"
    """The station has no password (profile 0): nothing to check against."""
    CURRENT = "current"
    PENDING = "pending"
    """The new password of a rotation the station had not confirmed yet: it has taken it."""
    WRONG = "wrong"
    WRONG_USER = "wrong_user"
    """The Basic user name is not the station identity of the URL."""


@dataclass(frozen=True, slots=True)
class Presented:
    """What a connecting client showed: its transport and its credentials. Never logged."""

    tls: bool
    username: str | None = None
    password: str | None = None
    certificate_cn: str | None = None
    """Subject CN of a client certificate that the TLS handshake verified; None without one."""
    remote: str = ""
    malformed: str = ""
    """Why the Authorization header could not be read (it is then treated as wrong)."""

    @property
    def basic(self) -> bool:
        return self.password is not None or bool(self.malformed)

    def __repr__(self) -> str:  # a password must not leak through a traceback or a log line
        return (
            f"Presented(tls={self.tls}, username={self.username!r}, "
            f"password={'***' if self.password is not None else None}, "
            f"certificate_cn={self.certificate_cn!r}, remote={self.remote!r})"
        )


class Refusal(StrEnum):
    """Why a handshake was refused; each is answered with its own HTTP status."""

    CREDENTIALS_MISSING = "credentials_required"
    CREDENTIALS_WRONG = "invalid_credentials"
    CERTIFICATE_WRONG = "invalid_certificate"
    TLS_REQUIRED = "tls_required"


REFUSAL_STATUS = {
    Refusal.CREDENTIALS_MISSING: 401,
    Refusal.CREDENTIALS_WRONG: 401,
    Refusal.CERTIFICATE_WRONG: 401,
    Refusal.TLS_REQUIRED: 403,
}


@dataclass(frozen=True, slots=True)
class Admission:
    """The answer to a handshake: let it in (at which profile) or refuse it (and why)."""

    before: SecurityProfile
    """The station's profile when the connection came."""
    profile: SecurityProfile
    """The station's profile once this connection is in (raised, never lowered)."""
    refusal: Refusal | None = None
    detail: str = ""
    shown: SecurityProfile = SecurityProfile.NONE
    """The profile this connection demonstrated."""
    promote_pending: bool = False
    """The station used the new password of an unconfirmed rotation: it becomes its only one."""

    @property
    def accepted(self) -> bool:
        return self.refusal is None

    @property
    def status(self) -> int:
        return 101 if self.refusal is None else REFUSAL_STATUS[self.refusal]

    @property
    def failure(self) -> bool:
        """Counts as a failed attempt (throttled): credentials missing or wrong. An insecure
        transport does not (no credential is checked for it)."""
        return self.refusal in (
            Refusal.CREDENTIALS_MISSING,
            Refusal.CREDENTIALS_WRONG,
            Refusal.CERTIFICATE_WRONG,
        )

    @property
    def wrong(self) -> bool:
        """Something wrong was presented: a guess, or another station's certificate."""
        return self.refusal in (Refusal.CREDENTIALS_WRONG, Refusal.CERTIFICATE_WRONG)

    @property
    def raised(self) -> bool:
        return self.accepted and self.profile > self.before


def _refuse(
    profile: SecurityProfile, refusal: Refusal, detail: str, shown: SecurityProfile
) -> Admission:
    return Admission(profile, profile, refusal, detail, shown)


def admit(
    ocpp_id: str, profile: SecurityProfile, presented: Presented, password: PasswordCheck
) -> Admission:
    """Whether a connection of station ``ocpp_id`` at ``profile`` gets in, given what it
    presented and how its password checked out.

    Anything wrong that is presented refuses the connection, whatever the profile: a wrong
    password, a Basic user name other than the identity, a client certificate for another
    identity. A station without a password (profile 0) ignores a Basic header.
    """
    if presented.certificate_cn is not None and presented.certificate_cn != ocpp_id:
        return _refuse(
            profile,
            Refusal.CERTIFICATE_WRONG,
            "the client certificate was issued to another station",
            SecurityProfile.NONE,
        )
    if password is PasswordCheck.WRONG_USER:
        return _refuse(
            profile,
            Refusal.CREDENTIALS_WRONG,
            "the user name must be the station identity",
            SecurityProfile.NONE,
        )
    if password is PasswordCheck.WRONG:
        return _refuse(
            profile, Refusal.CREDENTIALS_WRONG, "wrong user name or password", SecurityProfile.NONE
        )
    password_ok = password in (PasswordCheck.CURRENT, PasswordCheck.PENDING)
    if presented.certificate_cn is not None:
        shown = SecurityProfile.MUTUAL_TLS
    elif password_ok:
        shown = SecurityProfile.TLS_BASIC if presented.tls else SecurityProfile.BASIC
    else:
        shown = SecurityProfile.NONE
    if profile >= SecurityProfile.TLS_BASIC and not presented.tls:
        return _refuse(
            profile,
            Refusal.TLS_REQUIRED,
            f"this station uses security profile {int(profile)}: connect over TLS (wss://)",
            shown,
        )
    if shown < profile:
        needs = (
            "a client certificate issued to it"
            if profile is SecurityProfile.MUTUAL_TLS
            else "HTTP Basic credentials (user name: the station identity)"
        )
        return _refuse(
            profile,
            Refusal.CREDENTIALS_MISSING,
            f"this station uses security profile {int(profile)}: it must present {needs}",
            shown,
        )
    return Admission(
        profile,
        max(profile, shown),
        shown=shown,
        promote_pending=password is PasswordCheck.PENDING,
    )


# Certificates --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SigningRequest:
    """What a certificate signing request (PKCS#10) asks for."""

    common_name: str
    key_type: str
    """``RSA`` or ``EC``."""
    key_bits: int


@dataclass(frozen=True, slots=True)
class IssuedCertificate:
    chain_pem: str
    """The certificate, then the CA certificate that signed it (PEM)."""
    serial_number: str
    """Hexadecimal."""
    not_after: datetime
    fingerprint: str
    """SHA-256 of the DER certificate, hexadecimal."""


MIN_RSA_BITS = 2048
MIN_EC_BITS = 256


def check_signing_request(ocpp_id: str, request: SigningRequest) -> None:
    """A station may only have a certificate for its own identity, with a strong enough key."""
    if request.common_name != ocpp_id:
        raise InvalidInput(
            "csr", f"the subject CN is {request.common_name!r}, not the station identity"
        )
    if request.key_type == "RSA" and request.key_bits < MIN_RSA_BITS:
        raise InvalidInput("csr", f"RSA keys need at least {MIN_RSA_BITS} bits")
    if request.key_type == "EC" and request.key_bits < MIN_EC_BITS:
        raise InvalidInput("csr", f"EC keys need at least {MIN_EC_BITS} bits")
    if request.key_type not in ("RSA", "EC"):
        raise InvalidInput("csr", f"{request.key_type} keys are not accepted (RSA or EC)")
