"""The quick jump's answers (/jump): a session by its number, places by name without accents,
a driver by name, and nothing a viewer of other sites may not see."""

from __future__ import annotations

import asyncio

import httpx

from tests.conftest import Ids, create_token, register_station
from tests.support.ocpp16 import charge_point
from tests.support.server import RunningServer
from tests.support.web import Visitor, new_operator


async def _one_session(server: RunningServer, station: str, tag: str) -> int:
    async with charge_point(server.ocpp_url, station) as cp:
        assert (await cp.boot()).status == "Accepted"
        started = await cp.start_tx(1, tag, 1_000)
        await cp.stop_tx(started.transaction_id, 1_500)
        return int(started.transaction_id)


def test_the_quick_jump_finds_sessions_places_and_drivers(
    server: RunningServer, api: httpx.Client, ids: Ids
) -> None:
    site = api.post("/sites", json={"name": f"Österlånggatan {ids.suffix}"}).json()["id"]
    station = ids.station("JUMP")
    register_station(api, station, site_id=site)
    driver = api.post(
        "/drivers",
        json={"email": f"j-{ids.suffix.lower()}@example.test", "name": f"Jörn {ids.suffix}"},
    ).json()["id"]
    tag = ids.tag("J")
    create_token(api, tag, driver_id=driver)
    session = asyncio.run(_one_session(server, station, tag))
    other = api.post("/sites", json={"name": f"Elsewhere {ids.suffix}"}).json()["id"]

    admin = new_operator(server)
    with Visitor(server) as visitor:
        visitor.sign_in(admin["email"])

        def jump(q: str) -> str:
            answer = visitor.client.get("/jump", params={"q": q}, headers={"HX-Request": "true"})
            assert answer.status_code == 200, answer.text
            assert "<html" not in answer.text  # a fragment for the dialog
            return answer.text

        assert f'href="/sessions/{session}"' in jump(str(session))
        assert f'href="/sites/{site}"' in jump(f"osterlanggatan {ids.suffix}")
        assert f'href="/stations/{station}"' in jump(station.lower())
        assert "/sessions?driver=" in jump(f"jorn {ids.suffix}")
        assert "Nothing found" in jump(f"no such place {ids.suffix}")
        page = visitor.client.get("/jump", params={"q": f"osterlanggatan {ids.suffix}"})
        assert "<html" in page.text  # without script: a page of its own

    viewer = new_operator(server, "viewer", site_ids=[other])
    with Visitor(server) as visitor:
        visitor.sign_in(viewer["email"])
        seen = visitor.client.get("/jump", params={"q": ids.suffix}, headers={"HX-Request": "true"})
        assert f'href="/sites/{other}"' in seen.text
        assert f'href="/sites/{site}"' not in seen.text
        assert (
            f'href="/sessions/{session}"'
            not in visitor.client.get(
                "/jump", params={"q": str(session)}, headers={"HX-Request": "true"}
            ).text
        )
