"""TLS served by Kilowatt itself (OCPP security profiles 2 and 3), and the peer certificate in
the ASGI scope.

uvicorn terminates TLS but does not tell the application which client certificate the
handshake verified. ``TlsWebSocketProtocol`` (uvicorn's own WebSocket protocol, plus a few
lines) fills in the ASGI TLS extension, ``scope["extensions"]["tls"]``, from the socket: the
OCPP edge reads the certificate there (docs/adr/0005-tls-client-certificates.md).

With ``KILOWATT_TLS_PORT`` Kilowatt listens twice, in plain on ``KILOWATT_PORT`` and in TLS on
the TLS port, for a network whose stations use profiles 0-1 and 2-3 side by side.
"""

from __future__ import annotations

import asyncio
import ssl
from asyncio import BaseTransport
from pathlib import Path
from typing import Any

import uvicorn
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol

from kilowatt.config import Settings
from kilowatt.persistence.certificates import certificate_authority

TLS_VERSIONS = {"TLSv1.2": 0x0303, "TLSv1.3": 0x0304}
"""ASGI's tls_version values (the TLS protocol numbers)."""

_SHORT_NAMES = {
    "commonName": "CN",
    "organizationName": "O",
    "organizationalUnitName": "OU",
    "countryName": "C",
    "localityName": "L",
    "stateOrProvinceName": "ST",
}


def _subject_name(certificate: dict[str, Any]) -> str | None:
    """An RFC 4514-style name of the decoded peer certificate's subject (for information)."""
    parts = []
    for rdn in reversed(certificate.get("subject") or ()):
        for name, value in rdn:
            parts.append(f"{_SHORT_NAMES.get(name, name)}={value}")
    return ",".join(parts) or None


def tls_extension(transport: BaseTransport) -> dict[object, object] | None:
    """The ASGI TLS extension of a connection, None when it is not over TLS.

    The server asks for a client certificate (CERT_OPTIONAL) and OpenSSL aborts a handshake
    whose certificate does not verify against the client CA: a certificate here is a verified
    one, hence ``client_cert_error`` None.
    """
    ssl_object = transport.get_extra_info("ssl_object")
    if not isinstance(ssl_object, ssl.SSLObject | ssl.SSLSocket):
        return None
    der = ssl_object.getpeercert(binary_form=True)
    chain = [ssl.DER_cert_to_PEM_cert(der)] if der else []
    decoded = ssl_object.getpeercert() if der else None
    return {
        "server_cert": None,
        "client_cert_chain": chain,
        "client_cert_name": _subject_name(decoded) if decoded else None,
        "client_cert_error": None,
        "tls_version": TLS_VERSIONS.get(ssl_object.version() or ""),
        "cipher_suite": None,
    }


class TlsWebSocketProtocol(WebSocketsSansIOProtocol):
    """uvicorn's default WebSocket protocol, with the ASGI TLS extension in the scope."""

    async def run_asgi(self) -> None:
        tls = tls_extension(self.transport)
        if tls is not None:
            extensions = self.scope.setdefault("extensions", {})
            extensions["tls"] = tls
        await super().run_asgi()


def client_ca_file(settings: Settings) -> str:
    """What station client certificates must chain to: the configured CA file, else the
    certificate of Kilowatt's own CA (created now if it has to be)."""
    if settings.tls_client_ca_file:
        return settings.tls_client_ca_file
    ca = certificate_authority(settings.ca_cert_file, settings.ca_key_file, settings.data_dir)
    return str(ca.ensure())


def tls_options(settings: Settings) -> dict[str, Any]:
    """uvicorn.Config's ssl options (empty without a certificate)."""
    if not settings.tls_cert_file:
        return {}
    for name in ("tls_cert_file", "tls_key_file", "tls_client_ca_file"):
        value = getattr(settings, name)
        if value and not Path(value).is_file():
            raise FileNotFoundError(f"KILOWATT_{name.upper()}: no file {value}")
    return {
        "ssl_certfile": settings.tls_cert_file,
        "ssl_keyfile": settings.tls_key_file or None,
        "ssl_cert_reqs": ssl.CERT_OPTIONAL,
        "ssl_ca_certs": client_ca_file(settings),
    }


def harden(config: uvicorn.Config) -> None:
    """TLS 1.2 at least (OCPP asks for 1.2 or newer)."""
    if not config.loaded:
        config.load()
    if config.ssl is not None:
        config.ssl.minimum_version = ssl.TLSVersion.TLSv1_2


async def serve(main: uvicorn.Config, tls: uvicorn.Config | None = None) -> None:
    """Run the server (and its TLS twin on the TLS port). The twin starts once the main server
    has started the application; a signal stops the twin first, then the main server (uvicorn
    hands a signal on to the handler it replaced)."""
    harden(main)
    server = uvicorn.Server(main)
    if tls is None:
        await server.serve()
        return
    harden(tls)
    running = asyncio.create_task(server.serve())
    while not server.started and not running.done():  # noqa: ASYNC110 (uvicorn has no event)
        await asyncio.sleep(0.05)
    if running.done():
        await running
        return
    twin = uvicorn.Server(tls)
    try:
        await twin.serve()
    finally:
        server.should_exit = True
        await running
