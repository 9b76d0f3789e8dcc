"""The map shows tiles only from a tile server that answers (web/kit/tiles.py)."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from kilowatt.web.kit import tiles


class _Tiles(BaseHTTPRequestHandler):
    asked: list[str] = []

    def do_GET(self) -> None:
        _Tiles.asked.append(self.path)
        self.send_response(200 if self.path == "/0/0/0.png" else 404)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def tile_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Tiles)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_the_world_tile_of_a_template() -> None:
    template = "https://{s}.tile.example/{z}/{x}/{y}{r}.png"
    assert tiles.world_tile(template) == "https://a.tile.example/0/0/0.png"


async def test_a_server_that_answers_is_reachable_and_asked_once(tile_server: str) -> None:
    _Tiles.asked.clear()
    template = tile_server + "/{z}/{x}/{y}.png"
    assert await tiles.reachable(template)
    assert await tiles.reachable(template)
    assert _Tiles.asked == ["/0/0/0.png"]


async def test_no_server_no_template_or_a_refusal_is_not_reachable(tile_server: str) -> None:
    assert not await tiles.reachable(f"http://127.0.0.1:{_closed_port()}/{{z}}/{{x}}/{{y}}.png")
    assert not await tiles.reachable("")
    assert not await tiles.reachable(tile_server + "/missing/{z}/{x}/{y}.png")
