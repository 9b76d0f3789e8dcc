"""Kilowatt without the internet: the API docs come from Kilowatt's own copy of Swagger UI
(npm swagger-ui-dist), and the site map is drawn without tiles, quietly, when the tile server
cannot be reached."""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.server import RunningServer, start_server, stop_server
from tests.support.web import Visitor, new_operator


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


DEAD_TILES = f"http://127.0.0.1:{_closed_port()}/{{z}}/{{x}}/{{y}}.png"


@pytest.fixture(scope="module")
def offline(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """Kilowatt whose map tile server does not answer."""
    data_dir = Path(tmp_path_factory.mktemp("kilowatt-offline"))
    server = start_server("sqlite", data_dir, map_tile_url=DEAD_TILES)
    try:
        yield server
    finally:
        stop_server(server)


def test_the_api_docs_use_only_kilowatt_s_own_files(offline: RunningServer) -> None:
    with httpx.Client(base_url=offline.base_url, timeout=10) as client:
        docs = client.get("/api/docs")
        assert docs.status_code == 200
        assert "default-src 'self'" in docs.headers["content-security-policy"]
        sources = re.findall(r'(?:src|href)="([^"]+)"', docs.text)
        assert sources, docs.text
        assert all(source.startswith("/") for source in sources), sources
        assert "<script>" not in docs.text  # nothing inline: the policy would refuse it
        for source in sources:
            answer = client.get(source)
            assert answer.status_code == 200, source
        bundle = client.get("/static/vendor/swagger-ui-bundle.js")
        assert "SwaggerUIBundle" in bundle.text[:200_000]
        assert client.get("/api/openapi.json").json()["info"]["title"] == "Kilowatt"


def test_the_map_is_drawn_without_tiles_when_the_tile_server_is_unreachable(
    offline: RunningServer,
) -> None:
    operator = new_operator(offline)
    with Visitor(offline) as visitor:
        visitor.sign_in(operator["email"])
        home = visitor.client.get("/")
    assert home.status_code == 200
    assert 'data-tile-url=""' in home.text
    assert 'id="no-tiles"' in home.text
    # no image source beyond Kilowatt itself is allowed for a map that shows none
    assert "127.0.0.1:" not in home.headers["content-security-policy"]
