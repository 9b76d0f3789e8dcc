"""Storage ports of the station security area."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from kilowatt.domain.station_security import IssuedCertificate, SigningRequest


class CertificateAuthority(Protocol):
    """Kilowatt's CA for station certificates (persistence/certificates.py)."""

    def certificate_pem(self) -> str: ...

    def inspect(self, csr_pem: str) -> SigningRequest:
        """What a PEM signing request asks for; InvalidInput when it is not a valid one."""
        ...

    def sign(self, csr_pem: str, days: int, now: datetime) -> IssuedCertificate:
        """A certificate for the request, valid ``days`` days, and its chain."""
        ...
