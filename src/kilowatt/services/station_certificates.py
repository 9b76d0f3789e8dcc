"""Station certificates signed by Kilowatt's CA (SignCertificate, CertificateSigned): the
part of StationSecurityService (services/station_security.py) that deals with them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import structlog

from kilowatt.domain.errors import InvalidInput, NotFound
from kilowatt.domain.events import EventKind, Severity
from kilowatt.domain.station_security import (
    IssuedCertificate,
    SecurityProfile,
    check_signing_request,
)
from kilowatt.domain.stations import StationRef
from kilowatt.services.ports import CertificateAuthority, Clock, UnitOfWorkFactory
from kilowatt.services.station_reports import station_event

log = structlog.get_logger("kilowatt.services.station_security")


@dataclass(frozen=True, slots=True)
class SigningDecision:
    issued: IssuedCertificate | None
    reason_code: str = ""
    """Why it was refused, as a 2.0.1 StatusInfo reasonCode (at most 20 characters)."""
    detail: str = ""

    @property
    def accepted(self) -> bool:
        return self.issued is not None


class StationCertificates:
    """Signing and delivering station certificates; mixed into StationSecurityService."""

    uow: UnitOfWorkFactory
    clock: Clock
    ca: CertificateAuthority | None
    certificate_days: int

    # Certificates --------------------------------------------------------------------------

    def ca_certificate(self) -> str:
        if self.ca is None:
            raise NotFound("certificate authority", "kilowatt")
        return self.ca.certificate_pem()

    async def sign_request(
        self,
        ref: StationRef,
        csr: str,
        certificate_type: str | None,
        authenticated: SecurityProfile,
    ) -> SigningDecision:
        """A station's SignCertificate: a certificate for its own identity, signed by
        Kilowatt's CA, or a refusal (recorded as an event). Only a connection that proved who
        it is (profile 1 or more) gets one: at profile 0 anyone may claim an identity."""
        now = self.clock.now()
        decision = self._decide_signing(ref, csr, certificate_type, authenticated, now)
        if decision.accepted:
            assert decision.issued is not None
            issued = decision.issued
            event = station_event(
                ref,
                EventKind.CERTIFICATE,
                now,
                f"certificate signed for {ref.ocpp_id}, serial {issued.serial_number}, valid "
                f"until {issued.not_after.date().isoformat()}",
                {
                    "certificate_type": certificate_type,
                    "serial_number": issued.serial_number,
                    "not_after": issued.not_after.isoformat(),
                    "fingerprint": issued.fingerprint,
                },
            )
        else:
            event = station_event(
                ref,
                EventKind.SECURITY
                if decision.reason_code in ("InvalidCommonName", "NotAuthenticated")
                else EventKind.CERTIFICATE,
                now,
                f"certificate signing request refused: {decision.detail}",
                {"certificate_type": certificate_type, "reason": decision.reason_code},
                Severity.WARNING,
            )
        async with self.uow() as uow:
            await uow.events.add(event)
            await uow.commit()
        return decision

    def _decide_signing(
        self,
        ref: StationRef,
        csr: str,
        certificate_type: str | None,
        authenticated: SecurityProfile,
        now: datetime,
    ) -> SigningDecision:
        if certificate_type == "V2GCertificate":
            return SigningDecision(
                None, "NotSupported", "V2G certificates come from the V2G PKI, not Kilowatt's CA"
            )
        if self.ca is None:
            return SigningDecision(None, "NotSupported", "no certificate authority configured")
        if authenticated < SecurityProfile.BASIC:
            return SigningDecision(
                None,
                "NotAuthenticated",
                "the connection did not authenticate (security profile 0)",
            )
        try:
            request = self.ca.inspect(csr)
        except InvalidInput as error:
            return SigningDecision(None, "InvalidCSR", error.message)
        try:
            check_signing_request(ref.ocpp_id, request)
        except InvalidInput as error:
            code = "InvalidCommonName" if request.common_name != ref.ocpp_id else "InvalidCSR"
            return SigningDecision(None, code, error.message)
        try:
            return SigningDecision(self.ca.sign(csr, self.certificate_days, now))
        except (RuntimeError, OSError) as error:  # the CA's files are missing or unreadable
            log.error("certificate authority unavailable", error=str(error))
            return SigningDecision(None, "CAUnavailable", "the certificate authority failed")

    async def certificate_delivered(
        self, ref: StationRef, issued: IssuedCertificate, status: str, error: str = ""
    ) -> None:
        """The station's answer to the CertificateSigned that carried ``issued``."""
        accepted = status == "Accepted"
        message = (
            f"the station installed certificate {issued.serial_number}"
            if accepted
            else f"the station did not install certificate {issued.serial_number}: "
            f"{error or status}"
        )
        async with self.uow() as uow:
            await uow.events.add(
                station_event(
                    ref,
                    EventKind.CERTIFICATE,
                    self.clock.now(),
                    message,
                    {"serial_number": issued.serial_number, "status": status, "error": error},
                    Severity.INFO if accepted else Severity.WARNING,
                )
            )
            await uow.commit()
