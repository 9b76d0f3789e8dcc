"""Station credentials: the security profile and the HTTP Basic password an operator sets."""

from __future__ import annotations

from pydantic import Field

from kilowatt.api.schemas.common import Schema


class CredentialsIn(Schema):
    security_profile: int | None = Field(
        default=None,
        ge=0,
        le=3,
        description="0 none, 1 HTTP Basic, 2 TLS + HTTP Basic, 3 TLS client certificate; "
        "omitted: unchanged. An operator may lower it; a connection only raises it.",
    )
    new_password: bool | None = Field(
        default=None,
        description="Issue a new random password (replacing the old one at once); omitted: "
        "yes, unless the profile is 3. To change the password of a station in service, send "
        "it the rotate_password command instead: the old one then works until it accepts.",
    )


class CredentialsOut(Schema):
    station_id: str
    security_profile: int
    username: str = Field(description="The HTTP Basic user name: the station identity.")
    password: str | None = Field(
        description="The new password, shown this once (Kilowatt keeps only a hash); null when "
        "none was issued."
    )
    authorization_key: str | None = Field(
        description="The same password as an OCPP 1.6 AuthorizationKey (hexadecimal), for "
        "stations configured through that key."
    )
    has_password: bool


class CertificateAuthorityOut(Schema):
    certificate: str = Field(
        description="PEM certificate of the CA that signs station certificates (and, unless "
        "another is configured, that client certificates must chain to)."
    )
