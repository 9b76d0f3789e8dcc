"""Stations connecting with credentials: HTTP Basic, TLS, client certificates, and a source
address of the test's choosing (X-Forwarded-For, believed from 127.0.0.1 by servers started
with ``trusted_proxies="127.0.0.1"``), so that tests sharing a server keep their failed
attempts apart."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import ssl
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import InvalidStatus

from tests.support.ocpp16 import TestChargePoint
from tests.support.ocpp201 import SUBPROTOCOL, TestChargePoint201


def basic(username: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()


def new_source() -> str:
    """A source address of its own (from 10.0.0.0/8)."""
    raw = uuid.uuid4().bytes
    return f"10.{raw[0]}.{raw[1]}.{max(raw[2], 1)}"


@dataclass
class Client:
    """How a client connects: where, as whom, with what."""

    url: str
    station: str
    password: str | None = None
    username: str | None = None
    ssl: ssl.SSLContext | None = None
    source: str = field(default_factory=new_source)
    version: str = "1.6"
    authorization: str | None = None
    """A raw Authorization header (overrides username/password)."""

    def headers(self) -> dict[str, str]:
        headers = {"X-Forwarded-For": self.source}
        if self.authorization is not None:
            headers["Authorization"] = self.authorization
        elif self.password is not None:
            headers["Authorization"] = basic(self.username or self.station, self.password)
        return headers

    def connect(self) -> Any:
        return connect(
            f"{self.url}/{self.station}",
            subprotocols=["ocpp1.6" if self.version == "1.6" else SUBPROTOCOL],  # type: ignore[list-item]
            additional_headers=self.headers(),
            ssl=self.ssl,
            open_timeout=10,
            close_timeout=2,
        )


@dataclass
class Refusal:
    status: int
    headers: dict[str, str]
    body: dict[str, Any]


async def refused(client: Client) -> Refusal:
    """The handshake must be refused with an HTTP status; that answer."""
    try:
        async with client.connect():
            pass
    except InvalidStatus as error:
        import json

        response = error.response
        body = json.loads(response.body or b"{}")
        return Refusal(
            response.status_code, {k.lower(): v for k, v in response.headers.raw_items()}, body
        )
    raise AssertionError(f"{client.station} was let in")


@contextlib.asynccontextmanager
async def station(client: Client) -> AsyncIterator[Any]:
    """A charge point of the client's version, connected and reading."""
    async with client.connect() as websocket:
        point: TestChargePoint | TestChargePoint201 = (
            TestChargePoint(client.station, websocket)
            if client.version == "1.6"
            else TestChargePoint201(client.station, websocket)
        )
        reader = asyncio.create_task(point.start())
        try:
            yield point
        finally:
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await reader


async def closed(websocket: ClientConnection, timeout: float = 10) -> int | None:
    """Wait for the server to close the socket; its close code."""
    with contextlib.suppress(Exception):
        await asyncio.wait_for(websocket.wait_closed(), timeout)
    return websocket.close_code
