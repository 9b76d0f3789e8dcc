"""An independent OCPP 1.6 charge point for tests: the ``ocpp`` library's ChargePoint over a
real WebSocket, plus raw-frame access for the cases a well-behaved client would not send."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

from ocpp.routing import on
from ocpp.v16 import ChargePoint, call
from websockets.asyncio.client import ClientConnection, connect

from tests.support.station_answers import Answers16


def iso(moment: datetime | None = None) -> str:
    moment = moment or datetime.now(UTC)
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


class TestChargePoint(Answers16, ChargePoint):  # type: ignore[misc]
    """Records every CALL the CSMS sends it, and answers the common ones.

    Every other CSMS-initiated action (remote start/stop, reset, configuration, local list,
    reservations, charging profiles...) and the test's choice of answers come from
    ``Answers16`` (tests/support/station_answers.py): ``answers``, ``delays``, ``calls``,
    ``next_call``.
    """

    __test__ = False

    def __init__(self, station_id: str, connection: ClientConnection) -> None:
        super().__init__(station_id, connection, response_timeout=15)
        self.received: list[tuple[str, dict[str, Any]]] = []
        self.received_event = asyncio.Event()

    def _note(self, action: str, payload: dict[str, Any]) -> None:
        self.received.append((action, payload))
        self.received_event.set()

    async def wait_for_call(self, action: str, timeout: float = 10) -> dict[str, Any]:
        async with asyncio.timeout(timeout):
            while True:
                for name, payload in self.received:
                    if name == action:
                        return payload
                self.received_event.clear()
                await self.received_event.wait()

    # TriggerMessage: answered by Answers16.on_trigger (status chosen by ``answers``).

    # Firmware, diagnostics and vendor data (answers chosen by ``answers`` as above) --------

    @on("UpdateFirmware")
    async def on_update_firmware(self, call_unique_id: str, **_: Any) -> Any:
        """1.6 UpdateFirmware.conf is empty: the station just takes the request."""
        return await self.respond("UpdateFirmware", call_unique_id, lambda _: {})

    @on("GetDiagnostics")
    async def on_get_diagnostics(self, call_unique_id: str, **_: Any) -> Any:
        return await self.respond(
            "GetDiagnostics", call_unique_id, lambda _: {"fileName": "diagnostics.tar.gz"}
        )

    @on("DataTransfer")
    async def on_data_transfer(self, call_unique_id: str, **_: Any) -> Any:
        return await self.respond("DataTransfer", call_unique_id)

    # Security extension: logs and signed firmware (answers chosen by ``answers``) ----------

    @on("GetLog")
    async def on_get_log(self, call_unique_id: str, **_: Any) -> Any:
        return await self.respond(
            "GetLog", call_unique_id, lambda _: {"status": "Accepted", "filename": "log.zip"}
        )

    @on("SignedUpdateFirmware")
    async def on_signed_update_firmware(self, call_unique_id: str, **_: Any) -> Any:
        return await self.respond("SignedUpdateFirmware", call_unique_id)

    # Convenience calls -------------------------------------------------------------------

    async def boot(self) -> Any:
        return await self.call(
            call.BootNotification(
                charge_point_model="TestModel",
                charge_point_vendor="TestVendor",
                charge_point_serial_number="SN-1",
                firmware_version="1.2.3",
            )
        )

    async def authorize(self, id_tag: str) -> Any:
        return await self.call(call.Authorize(id_tag=id_tag))

    async def status(
        self, connector: int, status: str, error: str = "NoError", **extra: Any
    ) -> Any:
        return await self.call(
            call.StatusNotification(
                connector_id=connector, error_code=error, status=status, **extra
            )
        )

    async def start_tx(
        self, connector: int, id_tag: str, meter_start: int, timestamp: str | None = None
    ) -> Any:
        return await self.call(
            call.StartTransaction(
                connector_id=connector,
                id_tag=id_tag,
                meter_start=meter_start,
                timestamp=timestamp or iso(),
            )
        )

    async def stop_tx(
        self,
        transaction_id: int,
        meter_stop: int,
        timestamp: str | None = None,
        **extra: Any,
    ) -> Any:
        return await self.call(
            call.StopTransaction(
                meter_stop=meter_stop,
                timestamp=timestamp or iso(),
                transaction_id=transaction_id,
                **extra,
            )
        )

    async def send_meter_values(
        self, connector: int, transaction_id: int | None, meter_value: list[dict[str, Any]]
    ) -> Any:
        return await self.call(
            call.MeterValues(
                connector_id=connector, transaction_id=transaction_id, meter_value=meter_value
            )
        )

    async def meter(
        self, connector: int, transaction_id: int | None, wh: int, timestamp: str | None = None
    ) -> Any:
        return await self.call(
            call.MeterValues(
                connector_id=connector,
                transaction_id=transaction_id,
                meter_value=[
                    {
                        "timestamp": timestamp or iso(),
                        "sampledValue": [
                            {
                                "value": str(wh),
                                "measurand": "Energy.Active.Import.Register",
                                "unit": "Wh",
                            },
                            {"value": "7.4", "measurand": "Power.Active.Import", "unit": "kW"},
                            {"value": "231.5", "measurand": "Voltage", "unit": "V", "phase": "L1"},
                            {"value": "55", "measurand": "SoC", "unit": "Percent"},
                        ],
                    }
                ],
            )
        )


@contextlib.asynccontextmanager
async def charge_point(
    ocpp_url: str, station_id: str, subprotocols: tuple[str, ...] = ("ocpp1.6",)
) -> AsyncIterator[TestChargePoint]:
    async with connect(
        f"{ocpp_url}/{station_id}",
        subprotocols=list(subprotocols),  # type: ignore[arg-type]
        open_timeout=10,
    ) as websocket:
        point = TestChargePoint(station_id, websocket)
        reader = asyncio.create_task(point.start())
        try:
            yield point
        finally:
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await reader


@contextlib.asynccontextmanager
async def raw_socket(
    ocpp_url: str, station_id: str, subprotocols: tuple[str, ...] = ("ocpp1.6",), **kwargs: Any
) -> AsyncIterator[ClientConnection]:
    """A bare WebSocket for sending frames no proper client would."""
    async with connect(
        f"{ocpp_url}/{station_id}",
        subprotocols=list(subprotocols),  # type: ignore[arg-type]
        open_timeout=10,
        **kwargs,
    ) as websocket:
        yield websocket


async def exchange(websocket: ClientConnection, frame: str | bytes) -> list[Any]:
    """Send one frame and return the decoded reply."""
    await websocket.send(frame)
    reply = await asyncio.wait_for(websocket.recv(), 10)
    return list(json.loads(reply))
