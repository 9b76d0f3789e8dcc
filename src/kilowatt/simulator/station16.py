"""A simulated OCPP 1.6J charge point built on the ``ocpp`` library's ChargePoint."""

from __future__ import annotations

import asyncio
import contextlib
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import structlog
from ocpp.routing import after, on
from ocpp.v16 import ChargePoint, call, call_result
from ocpp.v16.enums import (
    Action,
    AuthorizationStatus,
    AvailabilityStatus,
    ChargePointErrorCode,
    ChargePointStatus,
    ClearCacheStatus,
    ConfigurationStatus,
    DataTransferStatus,
    Reason,
    RegistrationStatus,
    RemoteStartStopStatus,
    ResetStatus,
    TriggerMessageStatus,
    UnlockStatus,
)

from kilowatt.simulator.physics import ChargingSession

log = structlog.get_logger("kilowatt.simulator")


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


@dataclass
class ConnectorSim:
    number: int
    max_power_w: float
    register_wh: float = 0.0
    status: ChargePointStatus = ChargePointStatus.available
    transaction_id: int | None = None
    id_tag: str | None = None
    session: ChargingSession | None = None
    task: asyncio.Task[None] | None = None
    stop_requested: asyncio.Event = field(default_factory=asyncio.Event)
    stop_reason: Reason = Reason.local


@dataclass
class StationProfile:
    vendor: str = "Kilowatt"
    model: str = "SimCharger"
    firmware: str = "1.0.0"
    connectors: int = 2
    max_power_w: float = 22_000.0
    id_tags: list[str] = field(default_factory=lambda: ["SIMTAG"])
    meter_interval: float = 5.0
    session_seconds: float = 60.0
    idle_seconds: float = 20.0
    autonomous: bool = True
    """Start and stop sessions by itself; otherwise only on remote commands."""


class SimulatedStation16(ChargePoint):  # type: ignore[misc]
    def __init__(self, station_id: str, connection: Any, profile: StationProfile) -> None:
        super().__init__(station_id, connection, response_timeout=30)
        self.profile = profile
        self.rng = random.Random(station_id)
        self.connectors = {
            n: ConnectorSim(n, profile.max_power_w, register_wh=self.rng.uniform(1e5, 5e6))
            for n in range(1, profile.connectors + 1)
        }
        self.heartbeat_interval = 300
        self.configuration: dict[str, str] = {
            "HeartbeatInterval": "300",
            "MeterValueSampleInterval": str(int(profile.meter_interval)),
            "NumberOfConnectors": str(profile.connectors),
            "AuthorizeRemoteTxRequests": "false",
            "StopTransactionOnInvalidId": "true",
        }
        self.accepted = asyncio.Event()
        self._tasks: set[asyncio.Task[Any]] = set()

    # Main loop -----------------------------------------------------------------------------

    async def run(self) -> None:
        """Boot until accepted, report status, then charge until the socket closes."""
        reader = asyncio.create_task(self.start())
        try:
            await self.boot()
            await self.report_all_status()
            self._spawn(self._heartbeats())
            if self.profile.autonomous:
                for connector in self.connectors.values():
                    self._spawn(self._autonomous(connector))
            await reader
        finally:
            reader.cancel()
            for task in list(self._tasks):
                task.cancel()
            for connector in self.connectors.values():
                if connector.task:
                    connector.task.cancel()

    async def boot(self) -> None:
        while True:
            response = await self.call(
                call.BootNotification(
                    charge_point_model=self.profile.model,
                    charge_point_vendor=self.profile.vendor,
                    charge_point_serial_number=f"SN-{self.id}",
                    firmware_version=self.profile.firmware,
                    meter_type="SimMeter",
                )
            )
            if response.status == RegistrationStatus.accepted:
                self.heartbeat_interval = max(10, int(response.interval))
                self.accepted.set()
                return
            await asyncio.sleep(max(1, min(int(response.interval), 60)))

    async def report_all_status(self) -> None:
        await self.send_status(0, ChargePointStatus.available)
        for connector in self.connectors.values():
            await self.send_status(connector.number, connector.status)

    async def send_status(
        self,
        number: int,
        status: ChargePointStatus,
        error: ChargePointErrorCode = ChargePointErrorCode.no_error,
    ) -> None:
        if number in self.connectors:
            self.connectors[number].status = status
        await self.call(
            call.StatusNotification(
                connector_id=number, error_code=error, status=status, timestamp=now_iso()
            )
        )

    async def _heartbeats(self) -> None:
        while True:
            await asyncio.sleep(self.heartbeat_interval)
            await self.call(call.Heartbeat())

    async def _autonomous(self, connector: ConnectorSim) -> None:
        while True:
            await asyncio.sleep(self.rng.expovariate(1.0 / self.profile.idle_seconds))
            if connector.status != ChargePointStatus.available or connector.task:
                continue
            tags = self.profile.id_tags
            tag = (
                tags[(connector.number - 1) % len(tags)]
                if len(tags) == len(self.connectors)
                else self.rng.choice(tags)
            )
            await self.charge(connector.number, tag, authorize=True)
            if connector.task is not None:
                await connector.task

    # Sessions ------------------------------------------------------------------------------

    async def charge(
        self,
        number: int,
        id_tag: str,
        *,
        authorize: bool,
        seconds: float | None = None,
    ) -> bool:
        """Plug in and start a session in the background; False when it was refused."""
        connector = self.connectors[number]
        await self.send_status(number, ChargePointStatus.preparing)
        if authorize:
            answer = await self.call(call.Authorize(id_tag=id_tag))
            if answer.id_tag_info["status"] != AuthorizationStatus.accepted:
                await self.send_status(number, ChargePointStatus.available)
                return False
        started = await self.call(
            call.StartTransaction(
                connector_id=number,
                id_tag=id_tag,
                meter_start=round(connector.register_wh),
                timestamp=now_iso(),
            )
        )
        if started.id_tag_info["status"] != AuthorizationStatus.accepted:
            await self._stop(connector, started.transaction_id, Reason.de_authorized, id_tag)
            await self.send_status(number, ChargePointStatus.available)
            return False
        connector.transaction_id = started.transaction_id
        connector.id_tag = id_tag
        connector.stop_requested = asyncio.Event()
        connector.stop_reason = Reason.local
        connector.session = ChargingSession(
            max_power_w=connector.max_power_w * self.rng.uniform(0.5, 1.0),
            soc=self.rng.uniform(10, 60),
            rng=self.rng,
        )
        await self.send_status(number, ChargePointStatus.charging)
        duration = seconds or self.rng.uniform(0.5, 1.5) * self.profile.session_seconds
        connector.task = asyncio.create_task(self._session(connector, duration))
        return True

    async def _session(self, connector: ConnectorSim, duration: float) -> None:
        try:
            loop = asyncio.get_running_loop()
            deadline = loop.time() + duration
            while loop.time() < deadline and not connector.stop_requested.is_set():
                step = min(self.profile.meter_interval, max(0.0, deadline - loop.time()))
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(connector.stop_requested.wait(), step)
                assert connector.session is not None
                connector.register_wh += connector.session.step(step)
                await self.send_meter_values(connector)
            await self.send_status(connector.number, ChargePointStatus.finishing)
            assert connector.transaction_id is not None
            await self._stop(
                connector, connector.transaction_id, connector.stop_reason, connector.id_tag
            )
            await self.send_status(connector.number, ChargePointStatus.available)
        finally:
            connector.transaction_id = None
            connector.session = None
            connector.task = None

    async def _stop(
        self, connector: ConnectorSim, transaction_id: int, reason: Reason, id_tag: str | None
    ) -> None:
        await self.call(
            call.StopTransaction(
                meter_stop=round(connector.register_wh),
                timestamp=now_iso(),
                transaction_id=transaction_id,
                reason=reason,
                id_tag=id_tag,
            )
        )

    async def send_meter_values(self, connector: ConnectorSim) -> None:
        session = connector.session
        sampled: list[dict[str, Any]] = [
            {
                "value": f"{connector.register_wh:.0f}",
                "measurand": "Energy.Active.Import.Register",
                "unit": "Wh",
                "context": "Sample.Periodic",
            }
        ]
        if session is not None:
            sampled += [
                {
                    "value": f"{session.power_w:.0f}",
                    "measurand": "Power.Active.Import",
                    "unit": "W",
                },
                {"value": f"{session.voltage:.1f}", "measurand": "Voltage", "unit": "V"},
                {"value": f"{session.current_a:.1f}", "measurand": "Current.Import", "unit": "A"},
                {"value": f"{session.soc:.0f}", "measurand": "SoC", "unit": "Percent"},
                {
                    "value": f"{session.temperature:.1f}",
                    "measurand": "Temperature",
                    "unit": "Celsius",
                },
            ]
        await self.call(
            call.MeterValues(
                connector_id=connector.number,
                transaction_id=connector.transaction_id,
                meter_value=[{"timestamp": now_iso(), "sampledValue": sampled}],
            )
        )

    def _spawn(self, coroutine: Any) -> None:
        task = asyncio.create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # Commands from the CSMS ---------------------------------------------------------------

    @on(Action.remote_start_transaction)
    async def on_remote_start(
        self, id_tag: str, connector_id: int | None = None, **_: Any
    ) -> call_result.RemoteStartTransaction:
        number = connector_id or next(
            (n for n, c in self.connectors.items() if c.task is None), None
        )
        if number is None or number not in self.connectors or self.connectors[number].task:
            return call_result.RemoteStartTransaction(status=RemoteStartStopStatus.rejected)
        self._spawn(self.charge(number, id_tag, authorize=False))
        return call_result.RemoteStartTransaction(status=RemoteStartStopStatus.accepted)

    @on(Action.remote_stop_transaction)
    async def on_remote_stop(
        self, transaction_id: int, **_: Any
    ) -> call_result.RemoteStopTransaction:
        for connector in self.connectors.values():
            if connector.transaction_id == transaction_id:
                connector.stop_reason = Reason.remote
                connector.stop_requested.set()
                return call_result.RemoteStopTransaction(status=RemoteStartStopStatus.accepted)
        return call_result.RemoteStopTransaction(status=RemoteStartStopStatus.rejected)

    @on(Action.reset)
    async def on_reset(self, type: str, **_: Any) -> call_result.Reset:
        for connector in self.connectors.values():
            connector.stop_reason = Reason.hard_reset if type == "Hard" else Reason.soft_reset
            connector.stop_requested.set()
        return call_result.Reset(status=ResetStatus.accepted)

    @on(Action.change_availability)
    async def on_change_availability(
        self, connector_id: int, type: str, **_: Any
    ) -> call_result.ChangeAvailability:
        busy = any(c.task for n, c in self.connectors.items() if connector_id in (0, n))
        if busy:
            return call_result.ChangeAvailability(status=AvailabilityStatus.scheduled)
        status = (
            ChargePointStatus.available if type == "Operative" else ChargePointStatus.unavailable
        )
        for number in [connector_id] if connector_id else list(self.connectors):
            self._spawn(self.send_status(number, status))
        return call_result.ChangeAvailability(status=AvailabilityStatus.accepted)

    @on(Action.unlock_connector)
    async def on_unlock(self, connector_id: int, **_: Any) -> call_result.UnlockConnector:
        if connector_id not in self.connectors:
            return call_result.UnlockConnector(status=UnlockStatus.not_supported)
        return call_result.UnlockConnector(status=UnlockStatus.unlocked)

    @on(Action.get_configuration)
    async def on_get_configuration(
        self, key: list[str] | None = None, **_: Any
    ) -> call_result.GetConfiguration:
        wanted = key or list(self.configuration)
        known = [
            {"key": k, "readonly": k == "NumberOfConnectors", "value": self.configuration[k]}
            for k in wanted
            if k in self.configuration
        ]
        unknown = [k for k in wanted if k not in self.configuration]
        return call_result.GetConfiguration(configuration_key=known, unknown_key=unknown or None)

    @on(Action.change_configuration)
    async def on_change_configuration(
        self, key: str, value: str, **_: Any
    ) -> call_result.ChangeConfiguration:
        if key not in self.configuration:
            return call_result.ChangeConfiguration(status=ConfigurationStatus.not_supported)
        if key == "NumberOfConnectors":
            return call_result.ChangeConfiguration(status=ConfigurationStatus.rejected)
        self.configuration[key] = value
        if key == "HeartbeatInterval":
            self.heartbeat_interval = max(10, int(value))
        return call_result.ChangeConfiguration(status=ConfigurationStatus.accepted)

    @on(Action.clear_cache)
    async def on_clear_cache(self, **_: Any) -> call_result.ClearCache:
        return call_result.ClearCache(status=ClearCacheStatus.accepted)

    @on(Action.data_transfer)
    async def on_data_transfer(self, vendor_id: str, **_: Any) -> call_result.DataTransfer:
        return call_result.DataTransfer(status=DataTransferStatus.unknown_vendor_id)

    @on(Action.trigger_message)
    async def on_trigger(
        self, requested_message: str, connector_id: int | None = None, **_: Any
    ) -> call_result.TriggerMessage:
        supported = {"BootNotification", "Heartbeat", "StatusNotification", "MeterValues"}
        if requested_message not in supported:
            return call_result.TriggerMessage(status=TriggerMessageStatus.not_implemented)
        return call_result.TriggerMessage(status=TriggerMessageStatus.accepted)

    @after(Action.trigger_message)
    async def after_trigger(
        self, requested_message: str, connector_id: int | None = None, **_: Any
    ) -> None:
        if requested_message == "BootNotification":
            self._spawn(self.boot())
        elif requested_message == "Heartbeat":
            self._spawn(self.call(call.Heartbeat()))
        elif requested_message == "StatusNotification":
            if connector_id:
                status = self.connectors[connector_id].status
                self._spawn(self.send_status(connector_id, status))
            else:
                self._spawn(self.report_all_status())
        elif requested_message == "MeterValues":
            for number, connector in self.connectors.items():
                if connector_id in (None, 0, number):
                    self._spawn(self.send_meter_values(connector))
