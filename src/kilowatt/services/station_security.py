"""Station security: profiles and passwords (set by operators, rotated through the protocol,
checked at every handshake) and station certificates signed by Kilowatt's CA.

A station password exists in clear only twice: in the API answer that issues it (shown once)
and in the CALL that hands a rotated one to the station. It is stored as an argon2 hash, and
neither the password nor the hash reaches a log line, an event or the OCPP message log.
Password checks run on a small thread pool of their own, off the event loop, so that a flood
of handshakes cannot stall the stations that are connected, nor take more memory than a few
argon2 computations at a time.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import secrets
from collections import OrderedDict
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime

import structlog
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from kilowatt.domain.command_params import RotatePassword
from kilowatt.domain.commands import Command, CommandStatus, Operation, Outcome
from kilowatt.domain.errors import Conflict, InvalidInput, NotFound
from kilowatt.domain.events import EventKind, Severity
from kilowatt.domain.station_security import (
    APPLIED,
    PASSWORD_ALPHABET,
    PASSWORD_LENGTH,
    Admission,
    PasswordCheck,
    Presented,
    SecurityProfile,
    admit,
    check_profile,
    from_authorization_key,
)
from kilowatt.domain.stations import Station, StationRef
from kilowatt.domain.throttling import Sampler
from kilowatt.domain.users import Principal
from kilowatt.services.audit import record
from kilowatt.services.base import Service, station_in_scope
from kilowatt.services.commands import CommandService, Hook
from kilowatt.services.ports import (
    CertificateAuthority,
    Clock,
    EventPublisher,
    UnitOfWork,
    UnitOfWorkFactory,
)
from kilowatt.services.station_certificates import StationCertificates
from kilowatt.services.station_reports import station_event

log = structlog.get_logger(__name__)

VERIFIED_CACHE = 100_000
REFUSAL_INTERVAL = 60.0


def new_password() -> str:
    return "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(PASSWORD_LENGTH))


@dataclass(frozen=True, slots=True)
class IssuedCredentials:
    station: Station
    password: str | None
    """The new password, in clear, for the operator to configure in the station (shown once);
    None when none was issued."""


@dataclass(frozen=True, slots=True)
class NewCredentials:
    password: str | None
    """In clear, to be shown once; None when the profile takes no password."""
    password_hash: str = field(default="", repr=False)


class StationSecurityService(StationCertificates, Service):
    # OWASP's minimum for argon2id (19 MiB, 2 passes). Station passwords are random (119 bits),
    # so a costlier hash would buy nothing against guessing and cost memory per handshake.
    hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        bus: EventPublisher,
        *,
        ca: CertificateAuthority | None = None,
        certificate_days: int = 365,
        hash_workers: int = 4,
    ) -> None:
        super().__init__(uow, clock, bus)
        self.ca = ca
        self.certificate_days = certificate_days
        self._executor = ThreadPoolExecutor(
            max_workers=hash_workers, thread_name_prefix="station-password"
        )
        # Passwords that verified, as keyed digests (never the passwords), with the hash they
        # matched: a station reconnecting with the same password skips argon2. A changed hash
        # no longer matches, so rotation needs no invalidation.
        self._cache_key = secrets.token_bytes(32)
        self._verified: OrderedDict[bytes, str] = OrderedDict()
        self._refusals = Sampler(interval=REFUSAL_INTERVAL)
        """Refusals that are not an attack in themselves, recorded at most once a minute."""

    def install(self, remote: CommandService) -> None:
        remote.register(Hook(RotatePassword, self._prepare_rotation, self._rotation_answered))

    async def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)

    # New stations ----------------------------------------------------------------------------

    async def new_credentials(self, profile: SecurityProfile) -> NewCredentials:
        """What a new station of ``profile`` starts with: a random password and its hash for
        profiles 1 and 2; nothing for 0 (no authentication) and 3 (a client certificate)."""
        if profile not in (SecurityProfile.BASIC, SecurityProfile.TLS_BASIC):
            return NewCredentials(None, "")
        password = new_password()
        return NewCredentials(password, await self._hash(password))

    async def new_credentials_for(
        self, profiles: Sequence[SecurityProfile]
    ) -> list[NewCredentials]:
        """``new_credentials`` for many stations at once (an import), hashed on every worker."""
        return list(await asyncio.gather(*(self.new_credentials(p) for p in profiles)))

    # Hashing, off the event loop -----------------------------------------------------------

    async def _hash(self, password: str) -> str:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, self.hasher.hash, password)

    def _verify_now(self, password_hash: str, password: str) -> bool:
        try:
            return self.hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    def _digest(self, station_id: int, password: str) -> bytes:
        message = f"{station_id}\0{password}".encode()
        return hmac.new(self._cache_key, message, hashlib.sha256).digest()

    async def _verify(self, station_id: int, password_hash: str, password: str) -> bool:
        digest = self._digest(station_id, password)
        if self._verified.get(digest) == password_hash:
            self._verified.move_to_end(digest)
            return True
        loop = asyncio.get_running_loop()
        if not await loop.run_in_executor(
            self._executor, self._verify_now, password_hash, password
        ):
            return False
        self._verified[digest] = password_hash
        while len(self._verified) > VERIFIED_CACHE:
            self._verified.popitem(last=False)
        return True

    async def _check_password(self, station: Station, presented: Presented) -> PasswordCheck:
        if not presented.basic:
            return PasswordCheck.NOT_PRESENTED
        if not station.has_password:
            return PasswordCheck.NOT_SET  # profile 0 without a password ignores a Basic header
        if presented.malformed or presented.password is None:
            return PasswordCheck.WRONG
        if presented.username != station.ocpp_id:
            return PasswordCheck.WRONG_USER
        assert station.id is not None
        candidates = [presented.password]
        decoded = from_authorization_key(presented.password)
        if decoded is not None:  # a 1.6 station sending its AuthorizationKey as hex digits
            candidates.append(decoded)
        for candidate in candidates:
            if station.password_hash and await self._verify(
                station.id, station.password_hash, candidate
            ):
                return PasswordCheck.CURRENT
            if station.pending_password_hash and await self._verify(
                station.id, station.pending_password_hash, candidate
            ):
                return PasswordCheck.PENDING
        return PasswordCheck.WRONG

    # The handshake -------------------------------------------------------------------------

    async def authenticate(
        self, ref: StationRef, presented: Presented, *, connected: bool = False
    ) -> Admission:
        """Let a connection of ``ref`` in, or refuse it. A connection that shows more than the
        station's profile raises it; the new password of an unconfirmed rotation, once used,
        becomes the only one. A wrong credential is reported as a security event, and so is a
        connection without credentials while the station is online (someone else taking its
        identity). Other refusals (no credentials while the station is offline, plain
        WebSocket for a TLS profile) are reported too, at most once a minute per station,
        address and reason: a station retrying in a loop must not flood its events.
        ``connected``: this node holds a connection of the station (the database may not say
        so yet)."""
        async with self.uow(readonly=True) as uow:
            station = await uow.stations.get_by_id(ref.id)
        if station is None:
            raise NotFound("station", ref.ocpp_id)
        check = await self._check_password(station, presented)
        admission = admit(
            station.ocpp_id, check_profile(station.security_profile), presented, check
        )
        online = connected or station.online
        if self._to_record(station, admission, presented, online):
            await self._refused(station, admission, presented, online)
        elif admission.accepted and (admission.raised or admission.promote_pending):
            await self._admitted(station, admission, presented)
        return admission

    def _to_record(
        self, station: Station, admission: Admission, presented: Presented, online: bool
    ) -> bool:
        """Whether a refusal becomes a security event: always for something wrong shown, or
        for missing credentials while the station is online (an impostor); sampled for the
        rest (a station not configured for its profile yet, someone probing)."""
        if admission.accepted:
            return False
        if admission.wrong or (admission.failure and online):
            return True
        key = (station.id, presented.remote, admission.refusal)
        return self._refusals.take(key, self.clock.now().timestamp()) is not None

    async def _refused(
        self, station: Station, admission: Admission, presented: Presented, online: bool
    ) -> None:
        now = self.clock.now()
        async with self.uow() as uow:
            await uow.events.add(
                station_event(
                    station,
                    EventKind.SECURITY,
                    now,
                    f"connection refused: {admission.detail}",
                    {
                        "reason": admission.refusal.value if admission.refusal else "",
                        "remote": presented.remote,
                        "tls": presented.tls,
                        "security_profile": int(admission.before),
                        "online": online,
                    },
                    Severity.WARNING,
                )
            )
            await uow.commit()

    async def _admitted(self, station: Station, admission: Admission, presented: Presented) -> None:
        now = self.clock.now()
        async with self.uow() as uow:
            current = await uow.stations.get_by_id(station.id or 0)
            if current is None:
                return
            if admission.raised and current.security_profile < admission.profile:
                before = current.security_profile
                current.security_profile = int(admission.profile)
                await uow.events.add(
                    station_event(
                        current,
                        EventKind.SECURITY,
                        now,
                        f"security profile raised from {before} to {int(admission.profile)} "
                        "by a connection that showed it",
                        {
                            "from": before,
                            "to": int(admission.profile),
                            "remote": presented.remote,
                            "tls": presented.tls,
                            "client_certificate": presented.certificate_cn is not None,
                        },
                    )
                )
            # Only the hash this check matched: a rotation since then is left alone.
            if (
                admission.promote_pending
                and current.pending_password_hash == station.pending_password_hash
            ):
                current.password_hash = current.pending_password_hash
                current.pending_password_hash = ""
                current.password_updated_at = now
                await uow.events.add(
                    station_event(
                        current,
                        EventKind.SECURITY,
                        now,
                        "the station connected with its new password: the old one no longer works",
                        {"remote": presented.remote},
                    )
                )
            current.updated_at = now
            await uow.commit()

    async def throttled(
        self, ref: StationRef | None, key: str, failures: int, retry_after: float, remote: str
    ) -> None:
        """Failed attempts reached the limit: ``key`` (a station or a source address) is
        refused without checking for ``retry_after`` seconds."""
        if ref is None:
            return
        async with self.uow() as uow:
            await uow.events.add(
                station_event(
                    ref,
                    EventKind.SECURITY,
                    self.clock.now(),
                    f"{failures} failed connection attempts: {key} refused for {retry_after:.0f} s",
                    {
                        "throttled": key,
                        "failures": failures,
                        "retry_after": round(retry_after),
                        "remote": remote,
                    },
                    Severity.ERROR,
                )
            )
            await uow.commit()

    async def flapping(
        self, ref: StationRef, connections: int, window: float, retry_after: float, remote: str
    ) -> None:
        """The station connected ``connections`` times within ``window`` seconds: its
        connections are refused for ``retry_after`` seconds (reported once per block)."""
        async with self.uow() as uow:
            await uow.events.add(
                station_event(
                    ref,
                    EventKind.SECURITY,
                    self.clock.now(),
                    f"{connections} connections within {window:.0f} s: the station is refused "
                    f"for {retry_after:.0f} s",
                    {
                        "throttled": f"station {ref.ocpp_id}",
                        "reason": "too_many_connections",
                        "connections": connections,
                        "window": round(window),
                        "retry_after": round(retry_after),
                        "remote": remote,
                    },
                    Severity.WARNING,
                )
            )
            await uow.commit()

    # Operators -----------------------------------------------------------------------------

    async def set_credentials(
        self,
        principal: Principal,
        ocpp_id: str,
        *,
        security_profile: int | None = None,
        password: bool | None = None,
    ) -> IssuedCredentials:
        """Set a station's profile (an operator may lower it) and, unless it is to use a client
        certificate (profile 3), give it a new random password, which replaces the old one at
        once. ``password`` None: a new one unless the profile is 3."""
        async with self.uow(readonly=True) as uow:
            found = await station_in_scope(uow, principal.scope, ocpp_id)
        target = check_profile(
            found.security_profile if security_profile is None else security_profile
        )
        issue = target is not SecurityProfile.MUTUAL_TLS if password is None else password
        if (
            not issue
            and target in (SecurityProfile.BASIC, SecurityProfile.TLS_BASIC)
            and not found.has_password
        ):
            raise InvalidInput("password", f"security profile {int(target)} needs a password")
        secret = new_password() if issue else None
        hashed = await self._hash(secret) if secret is not None else None
        now = self.clock.now()
        async with self.uow() as uow:
            station = await station_in_scope(uow, principal.scope, ocpp_id)
            before = station.security_profile
            station.security_profile = int(target)
            if hashed is not None:
                station.password_hash = hashed
                station.pending_password_hash = ""
                station.password_updated_at = now
            station.updated_at = now
            what = f"security profile {before} → {int(target)}" if before != target else ""
            if hashed is not None:
                what = f"{what}, new password" if what else "new password"
            await uow.events.add(
                station_event(
                    station,
                    EventKind.SECURITY,
                    now,
                    f"credentials set by {principal.name}: {what or 'unchanged'}",
                    {"from": before, "to": int(target), "new_password": hashed is not None},
                )
            )
            await record(
                uow,
                principal,
                "station.credentials",
                "station",
                ocpp_id,
                {"security_profile": [before, int(target)], "password_issued": secret is not None},
                at=now,
            )
            await uow.commit()
        log.info(
            "station credentials set",
            station=ocpp_id,
            security_profile=int(target),
            new_password=secret is not None,
            by=principal.name,
        )
        return IssuedCredentials(station, secret)

    # Rotation through the protocol ---------------------------------------------------------

    async def _prepare_rotation(
        self, uow: UnitOfWork, command: Command, params: RotatePassword, now: datetime
    ) -> RotatePassword:
        station = await uow.stations.get_by_id(command.station_id)
        if station is None:
            raise NotFound("station", command.station_ocpp_id)
        if station.security_profile == SecurityProfile.MUTUAL_TLS:
            raise InvalidInput(
                "operation", "this station authenticates with a client certificate (profile 3)"
            )
        if station.pending_password_hash:
            raise Conflict(
                "the station has not confirmed the previous password rotation yet: it will, by "
                "connecting with the new password; or set new credentials"
            )
        return params

    async def begin_rotation(self, command_id: int) -> str:
        """On the node holding the station's socket, just before the CALL goes out: a new
        password, kept as the station's pending one (the current one keeps working)."""
        password = new_password()
        hashed = await self._hash(password)
        async with self.uow() as uow:
            command = await uow.commands.get(command_id)
            if command is None or command.operation != Operation.ROTATE_PASSWORD.value:
                raise NotFound("password rotation", command_id)
            station = await uow.stations.get_by_id(command.station_id)
            if station is None:
                raise NotFound("station", command.station_ocpp_id)
            if station.pending_password_hash:
                raise Conflict("another password rotation is waiting for the station")
            station.pending_password_hash = hashed
            station.updated_at = self.clock.now()
            await uow.commit()
        return password

    async def _rotation_answered(
        self,
        uow: UnitOfWork,
        command: Command,
        params: RotatePassword,
        outcome: Outcome,
        now: datetime,
    ) -> None:
        station = await uow.stations.get_by_id(command.station_id)
        if station is None or not station.pending_password_hash:
            return
        if outcome.status is CommandStatus.ACCEPTED and outcome.data.get(APPLIED) == "now":
            station.password_hash = station.pending_password_hash
            station.pending_password_hash = ""
            station.password_updated_at = now
            message = "password rotated: the station took the new one; the old one no longer works"
        elif outcome.status is CommandStatus.ACCEPTED:
            message = (
                "password rotation accepted, to apply after a reboot: both passwords work until "
                "the station connects with the new one"
            )
        elif command.sent_at is None or outcome.response is not None:
            # Never sent, or the station answered no: it still has the old password.
            station.pending_password_hash = ""
            message = f"password rotation not taken ({outcome.error or outcome.status.value}): "
            message += "the old password stays"
        else:
            message = (
                f"password rotation unconfirmed ({outcome.error or outcome.status.value}): both "
                "passwords work until the station connects with the new one"
            )
        station.updated_at = now
        await uow.events.add(
            station_event(
                station,
                EventKind.SECURITY,
                now,
                message,
                {"command_id": command.id, "status": outcome.status.value},
            )
        )
