"""Station credentials and Kilowatt's certificate authority."""

from __future__ import annotations

from fastapi import APIRouter

from kilowatt.api.deps import AssetsRead, AssetsWrite, ServicesDep
from kilowatt.api.schemas.station_security import (
    CertificateAuthorityOut,
    CredentialsIn,
    CredentialsOut,
)
from kilowatt.domain.station_security import authorization_key

router = APIRouter(tags=["station security"])


@router.post("/stations/{station_id}/credentials", response_model=CredentialsOut)
async def set_credentials(
    station_id: str, body: CredentialsIn, services: ServicesDep, principal: AssetsWrite
) -> CredentialsOut:
    """Set the station's security profile and issue it a new random password (shown once)."""
    issued = await services.station_security.set_credentials(
        principal,
        station_id,
        security_profile=body.security_profile,
        password=body.new_password,
    )
    station = issued.station
    return CredentialsOut(
        station_id=station.ocpp_id,
        security_profile=station.security_profile,
        username=station.ocpp_id,
        password=issued.password,
        authorization_key=authorization_key(issued.password) if issued.password else None,
        has_password=station.has_password,
    )


@router.get("/certificate-authority", response_model=CertificateAuthorityOut)
async def certificate_authority(
    services: ServicesDep, principal: AssetsRead
) -> CertificateAuthorityOut:
    """The certificate of the CA that signs station certificates."""
    return CertificateAuthorityOut(certificate=services.station_security.ca_certificate())
