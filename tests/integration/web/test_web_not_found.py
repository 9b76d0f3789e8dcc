"""A page a person asks for that does not exist answers with the dashboard's 404 page;
the API, stations' file links and static files keep their own answers."""

from __future__ import annotations

import httpx

from tests.support.server import RunningServer
from tests.support.web import Visitor, new_operator


def test_an_unknown_dashboard_path_gets_the_404_page(server: RunningServer) -> None:
    operator = new_operator(server)
    with Visitor(server) as visitor:
        visitor.sign_in(operator["email"])
        for path in ("/no-such-page", "/settings/operators/xyz", "/sites/1/nothing"):
            answer = visitor.client.get(path)
            assert answer.status_code == 404, path
            assert answer.headers["content-type"].startswith("text/html"), path
            assert 'id="error" data-status="404"' in answer.text
            assert "There is no such page." in answer.text
            assert "default-src 'self'" in answer.headers["content-security-policy"]


def test_machines_keep_their_own_not_found(server: RunningServer) -> None:
    with httpx.Client(base_url=server.base_url) as client:
        api = client.get("/api/v1/no-such-thing", headers={"Authorization": "Bearer x"})
        assert api.status_code == 404
        assert api.json()["error"] == "not_found"
        assert client.get("/static/no-such-file.css").status_code == 404
        assert (
            not client.get("/static/no-such-file.css")
            .headers["content-type"]
            .startswith("text/html")
        )
