"""Shared fixtures: real Kilowatt servers on SQLite and on PostgreSQL.

Servers are started once per test session (per xdist worker) and shared; tests keep out of
each other's way by using unique station identities and tokens (see ``ids``).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from hypothesis import settings

from tests.support.server import RunningServer, start_server, stop_server

# `make test` runs the "ci" profile: the same examples every run, so that CI is reproducible.
# Run pytest without it to let hypothesis search new ground.
settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
settings.register_profile("dev", deadline=None, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))

BACKENDS = ("sqlite", "postgresql")


def _server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, **settings: object
) -> Iterator[RunningServer]:
    backend = str(request.param)
    data_dir = Path(tmp_path_factory.mktemp(f"kilowatt-{backend}"))
    server = start_server(backend, data_dir, **settings)
    try:
        yield server
    finally:
        stop_server(server)


@pytest.fixture(scope="session", params=BACKENDS)
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningServer]:
    """Kilowatt refusing unknown stations (the default policy), on each database."""
    yield from _server(request, tmp_path_factory)


@pytest.fixture(scope="session", params=BACKENDS)
def pending_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningServer]:
    """Kilowatt registering unknown stations as Pending."""
    yield from _server(request, tmp_path_factory, unknown_station_policy="pending")


@pytest.fixture(scope="session", params=BACKENDS)
def accepting_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningServer]:
    """Kilowatt accepting unknown stations at once."""
    yield from _server(request, tmp_path_factory, unknown_station_policy="accept")


@pytest.fixture
def api(server: RunningServer) -> Iterator[httpx.Client]:
    with server.api() as client:
        yield client


class Ids:
    """Unique names for one test."""

    def __init__(self) -> None:
        self.suffix = uuid.uuid4().hex[:8].upper()

    def station(self, name: str = "CP") -> str:
        return f"{name}-{self.suffix}"

    def tag(self, name: str = "TAG") -> str:
        return f"{name}{self.suffix}"[:20]


@pytest.fixture
def ids() -> Ids:
    return Ids()


def register_station(
    api: httpx.Client, ocpp_id: str, connectors: int = 2, **fields: object
) -> dict[str, object]:
    response = api.post(
        "/stations",
        json={
            "ocpp_id": ocpp_id,
            "connectors": [{"evse_id": n} for n in range(1, connectors + 1)],
            # Profile 0 explicitly (new stations get profile 1 and a password): the tests'
            # stations connect without credentials unless they ask for a profile.
            "security_profile": 0,
            **fields,
        },
    )
    assert response.status_code == 201, response.text
    body: dict[str, object] = response.json()
    for shown_once in ("username", "password", "authorization_key"):
        body.pop(shown_once, None)  # as GET /stations/{id} shows it
    return body


def create_token(api: httpx.Client, value: str, **fields: object) -> dict[str, object]:
    response = api.post("/id-tokens", json={"value": value, **fields})
    assert response.status_code == 201, response.text
    body: dict[str, object] = response.json()
    return body
