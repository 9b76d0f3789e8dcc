"""An independent OCPP 2.0.1 charging station for tests: the ``ocpp`` library's
``ocpp.v201.ChargePoint`` over a real WebSocket (not Kilowatt's own simulator), plus raw-frame
access for the cases a well-behaved client would not send.

Every convenience call is made with ``suppress=False``: a CALLERROR raises, and the library
validates each answer against the official 2.0.1 response schema, so a call that returns got
a schema-valid CALLRESULT.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterable
from datetime import UTC, datetime
from typing import Any

from ocpp.charge_point import camel_to_snake_case
from ocpp.routing import on
from ocpp.v201 import ChargePoint, call
from websockets.asyncio.client import ClientConnection, connect

from tests.support import ocpp16
from tests.support.station_answers import Answers201

SUBPROTOCOL = "ocpp2.0.1"
ENERGY = "Energy.Active.Import.Register"

# The reading context a station attaches to the register in each kind of event.
DEFAULT_CONTEXT = {
    "Started": "Transaction.Begin",
    "Updated": "Sample.Periodic",
    "Ended": "Transaction.End",
}


def iso(moment: datetime | None = None) -> str:
    moment = moment or datetime.now(UTC)
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def register(wh: float, context: str | None = None, **extra: Any) -> dict[str, Any]:
    """One energy-register sampled value in Wh."""
    sampled: dict[str, Any] = {
        "value": wh,
        "measurand": ENERGY,
        "unitOfMeasure": {"unit": "Wh"},
        **extra,
    }
    if context is not None:
        sampled["context"] = context
    return sampled


class TestChargePoint201(Answers201, ChargePoint):  # type: ignore[misc]
    """Records every CALL the CSMS sends it, and answers the common ones.

    Every other CSMS-initiated action (request start/stop, reset, variables, reports, local
    list, reservations, charging profiles, display messages...) and the test's choice of
    answers come from ``Answers201`` (tests/support/station_answers.py): ``answers``,
    ``delays``, ``calls``, ``next_call``.
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

    # What the CSMS may ask -----------------------------------------------------------------

    # TriggerMessage, Reset and GetBaseReport: answered by Answers201.on_trigger, .on_reset
    # and .on_get_base_report (status chosen by ``answers``).

    # Firmware, logs and vendor data (answers chosen by ``answers`` as above) ---------------

    @on("UpdateFirmware")
    async def on_update_firmware(self, call_unique_id: str, **_: Any) -> Any:
        return await self.respond("UpdateFirmware", call_unique_id)

    @on("GetLog")
    async def on_get_log(self, call_unique_id: str, **_: Any) -> Any:
        return await self.respond(
            "GetLog", call_unique_id, lambda _: {"status": "Accepted", "filename": "log.zip"}
        )

    @on("DataTransfer")
    async def on_data_transfer(self, call_unique_id: str, **_: Any) -> Any:
        return await self.respond("DataTransfer", call_unique_id)

    # Convenience calls -------------------------------------------------------------------

    async def send(self, payload: Any) -> Any:
        """Any CALL; a CALLERROR raises, a schema-invalid answer raises."""
        return await self.call(payload, suppress=False)

    async def send_action(self, action: str, payload: dict[str, Any]) -> Any:
        """A CALL given as the spec writes it: an action name and a camelCase payload."""
        fields = {camel_to_snake_case({key: None}).popitem()[0]: v for key, v in payload.items()}
        return await self.send(getattr(call, action)(**fields))

    async def boot(
        self,
        reason: str = "PowerUp",
        *,
        vendor: str = "TestVendor",
        model: str = "TestModel",
        serial_number: str = "SN-201",
        firmware_version: str = "2.0.1-test",
        modem: dict[str, str] | None = None,
    ) -> Any:
        station: dict[str, Any] = {
            "vendorName": vendor,
            "model": model,
            "serialNumber": serial_number,
            "firmwareVersion": firmware_version,
        }
        if modem is not None:
            station["modem"] = modem
        return await self.send(call.BootNotification(charging_station=station, reason=reason))

    async def heartbeat(self) -> Any:
        return await self.send(call.Heartbeat())

    async def status(
        self, evse: int, connector: int, status: str, timestamp: str | None = None
    ) -> Any:
        return await self.send(
            call.StatusNotification(
                timestamp=timestamp or iso(),
                connector_status=status,
                evse_id=evse,
                connector_id=connector,
            )
        )

    async def authorize(self, token: str, type: str = "ISO14443") -> Any:
        return await self.send(call.Authorize(id_token={"idToken": token, "type": type}))

    async def transaction_event(
        self,
        event_type: str,
        tx_id: str,
        seq_no: int,
        trigger: str,
        meter_wh: float | None = None,
        context: str | None = "default",
        id_token: str | None = None,
        timestamp: str | None = None,
        offline: bool = False,
        charging_state: str | None = None,
        stopped_reason: str | None = None,
        evse: int | None = 1,
        connector: int | None = 1,
        remote_start_id: int | None = None,
        samples: Iterable[dict[str, Any]] = (),
        token_type: str = "ISO14443",  # noqa: S107 (an IdTokenEnumType, not a secret)
        number_of_phases: int | None = None,
        reservation_id: int | None = None,
        meter_at: str | None = None,
    ) -> Any:
        """One TransactionEvent. ``meter_wh`` adds an energy register reading (with the
        event type's usual context unless ``context`` says otherwise); ``samples`` are more
        sampled values of the same meter value."""
        at = timestamp or iso()
        info: dict[str, Any] = {"transactionId": tx_id}
        if charging_state is not None:
            info["chargingState"] = charging_state
        if stopped_reason is not None:
            info["stoppedReason"] = stopped_reason
        if remote_start_id is not None:
            info["remoteStartId"] = remote_start_id
        sampled = list(samples)
        if meter_wh is not None:
            ctx = DEFAULT_CONTEXT[event_type] if context == "default" else context
            sampled.insert(0, register(meter_wh, ctx))
        evse_field: dict[str, Any] | None = None
        if evse is not None:
            evse_field = {"id": evse}
            if connector is not None:
                evse_field["connectorId"] = connector
        return await self.send(
            call.TransactionEvent(
                event_type=event_type,
                timestamp=at,
                trigger_reason=trigger,
                seq_no=seq_no,
                transaction_info=info,
                meter_value=[{"timestamp": meter_at or at, "sampledValue": sampled}]
                if sampled
                else None,
                offline=offline or None,
                number_of_phases_used=number_of_phases,
                reservation_id=reservation_id,
                evse=evse_field,
                id_token={"idToken": id_token, "type": token_type} if id_token else None,
            )
        )

    async def meter_values(self, evse: int, meter_value: list[dict[str, Any]]) -> Any:
        return await self.send(call.MeterValues(evse_id=evse, meter_value=meter_value))

    async def notify_report(
        self,
        request_id: int,
        report_data: list[dict[str, Any]],
        seq_no: int = 0,
        tbc: bool = False,
        generated_at: str | None = None,
    ) -> Any:
        return await self.send(
            call.NotifyReport(
                request_id=request_id,
                generated_at=generated_at or iso(),
                seq_no=seq_no,
                report_data=report_data,
                tbc=tbc or None,
            )
        )


@contextlib.asynccontextmanager
async def charge_point201(
    ocpp_url: str, station_id: str, subprotocols: tuple[str, ...] = (SUBPROTOCOL,)
) -> AsyncIterator[TestChargePoint201]:
    async with connect(
        f"{ocpp_url}/{station_id}",
        subprotocols=list(subprotocols),  # type: ignore[arg-type]
        open_timeout=10,
    ) as websocket:
        assert websocket.subprotocol == SUBPROTOCOL, websocket.subprotocol
        point = TestChargePoint201(station_id, websocket)
        reader = asyncio.create_task(point.start())
        try:
            yield point
        finally:
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await reader


def raw_socket201(
    ocpp_url: str, station_id: str, **kwargs: Any
) -> contextlib.AbstractAsyncContextManager[ClientConnection]:
    """A bare WebSocket speaking ocpp2.0.1, for frames no proper client would send."""
    return ocpp16.raw_socket(ocpp_url, station_id, subprotocols=(SUBPROTOCOL,), **kwargs)


exchange = ocpp16.exchange
