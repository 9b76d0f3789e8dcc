"""Vendor operations: DataTransfer templates kept through the REST API and run with the
`vendor` command on independent 1.6 and 2.0.1 stations."""

from __future__ import annotations

import json
from typing import Any

import httpx

from tests.conftest import Ids
from tests.support.commands import async_api, command, online16, online201
from tests.support.server import RunningServer

Json = dict[str, Any]


async def create(aapi: httpx.AsyncClient, **fields: Any) -> Json:
    response = await aapi.post("/vendor-templates", json=fields)
    assert response.status_code == 201, response.text
    body: Json = response.json()
    return body


async def test_templates_can_be_created_read_changed_and_deleted(
    server: RunningServer, ids: Ids
) -> None:
    async with async_api(server) as aapi:
        name = f"rcd-self-test-{ids.suffix}"
        made = await create(
            aapi,
            name=name,
            vendor_id="com.example.evse",
            message_id="RcdSelfTest",
            data={"mode": "full", "currents_ma": [6, 30]},
            station_vendor="TestVendor",
            description="Trips the protective device and measures it.",
        )
        assert made["station_model"] == ""
        assert made["data"] == {"mode": "full", "currents_ma": [6, 30]}
        assert (await aapi.get(f"/vendor-templates/{made['id']}")).json() == made
        listed = (await aapi.get("/vendor-templates", params={"limit": 500})).json()["items"]
        assert made in listed

        duplicate = await aapi.post(
            "/vendor-templates", json={"name": name, "vendor_id": "com.example.evse"}
        )
        assert duplicate.status_code == 409
        assert duplicate.json()["error"] == "conflict"
        invalid = await aapi.post(
            "/vendor-templates", json={"name": "", "vendor_id": "x", "unknown": 1}
        )
        assert invalid.status_code == 422
        assert {f["field"] for f in invalid.json()["fields"]} == {"name", "unknown"}
        too_long = await aapi.post(
            "/vendor-templates", json={"name": "m", "vendor_id": "x", "message_id": "m" * 51}
        )
        assert too_long.status_code == 422

        changed = await aapi.patch(
            f"/vendor-templates/{made['id']}",
            json={"data": "quick", "station_model": "TestModel", "description": None},
        )
        assert changed.status_code == 200, changed.text
        body = changed.json()
        assert (body["data"], body["station_model"], body["description"]) == (
            "quick",
            "TestModel",
            "",
        )
        assert body["name"] == name
        no_name = await aapi.patch(f"/vendor-templates/{made['id']}", json={"name": None})
        assert no_name.status_code == 422
        other = await create(aapi, name=f"other-{ids.suffix}", vendor_id="x")
        taken = await aapi.patch(f"/vendor-templates/{other['id']}", json={"name": name})
        assert taken.status_code == 409

        assert (await aapi.delete(f"/vendor-templates/{made['id']}")).status_code == 204
        assert (await aapi.get(f"/vendor-templates/{made['id']}")).status_code == 404
        assert (await aapi.delete(f"/vendor-templates/{made['id']}")).status_code == 404
        assert (await aapi.patch(f"/vendor-templates/{made['id']}", json={})).status_code == 404


async def test_a_template_runs_on_a_16_station(server: RunningServer, ids: Ids) -> None:
    station = ids.station("VND16")
    async with async_api(server) as aapi, online16(server, aapi, station) as cp:
        template = await create(
            aapi,
            name=f"rcd-{ids.suffix}",
            vendor_id="com.example.evse",
            message_id="RcdSelfTest",
            data={"mode": "full"},
            station_vendor="testvendor",
            station_model="TestModel",
        )
        cp.answers["DataTransfer"] = {"status": "Accepted", "data": '{"result":"Passed"}'}
        done = await command(aapi, station, "vendor", {"template": template["name"]})
        request = await cp.next_call("DataTransfer")
        assert request["vendorId"] == "com.example.evse"
        assert request["messageId"] == "RcdSelfTest"
        # 1.6 data is a string: the template's object travels as its JSON text.
        assert json.loads(request["data"]) == {"mode": "full"}
        assert done["params"]["template_id"] == template["id"]
        assert done["response"] == {"status": "Accepted", "data": '{"result":"Passed"}'}

        cp.answers["DataTransfer"] = "UnknownMessageId"
        refused = await command(
            aapi, station, "vendor", {"template": template["name"]}, status="rejected"
        )
        assert "UnknownMessageId" in refused["error"]


async def test_a_template_runs_on_a_201_station(server: RunningServer, ids: Ids) -> None:
    station = ids.station("VND201")
    async with async_api(server) as aapi, online201(server, aapi, station) as cp:
        template = await create(
            aapi,
            name=f"rcd-{ids.suffix}",
            vendor_id="com.example.evse",
            message_id="RcdSelfTest",
            data={"mode": "full", "repeat": 2},
            station_model="TestModel",
        )
        bare = await create(aapi, name=f"ping-{ids.suffix}", vendor_id="com.example.ping")
        cp.answers["DataTransfer"] = {"status": "Accepted", "data": {"result": "Passed"}}
        done = await command(aapi, station, "vendor", {"template": template["name"]})
        request = await cp.next_call("DataTransfer")
        assert request == {
            "vendorId": "com.example.evse",
            "messageId": "RcdSelfTest",
            "data": {"mode": "full", "repeat": 2},
        }
        assert done["response"]["data"] == {"result": "Passed"}

        await command(aapi, station, "vendor", {"template": bare["name"]})
        assert await cp.next_call("DataTransfer") == {"vendorId": "com.example.ping"}


async def test_a_template_for_another_model_is_refused(server: RunningServer, ids: Ids) -> None:
    station = ids.station("VNDNO")
    async with async_api(server) as aapi, online201(server, aapi, station) as cp:
        other = await create(
            aapi, name=f"other-{ids.suffix}", vendor_id="x", station_model="Wallbox 3000"
        )
        response = await aapi.post(
            f"/stations/{station}/commands/vendor", json={"template": other["name"]}
        )
        assert response.status_code == 422, response.text
        body = response.json()
        assert body["error"] == "invalid_input"
        assert body["fields"][0]["field"] == "template"
        assert "Wallbox 3000" in body["detail"]
        assert "TestModel" in body["detail"]

        missing = await aapi.post(
            f"/stations/{station}/commands/vendor", json={"template": f"none-{ids.suffix}"}
        )
        assert missing.status_code == 404
        assert "DataTransfer" not in cp.actions()
        # Nothing was recorded for the refused commands.
        listed = (await aapi.get(f"/stations/{station}/commands")).json()["items"]
        assert listed == []
