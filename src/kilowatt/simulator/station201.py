"""A simulated OCPP 2.0.1 charging station built on the ``ocpp`` library's ChargePoint."""

from __future__ import annotations

import asyncio
import contextlib
import random
import uuid
from dataclasses import dataclass, field
from typing import Any

import structlog
from ocpp.routing import after, on
from ocpp.v201 import ChargePoint, call, call_result

from kilowatt.simulator.physics import ChargingSession
from kilowatt.simulator.station16 import StationProfile, now_iso

log = structlog.get_logger("kilowatt.simulator")


@dataclass
class EvseSim:
    evse_id: int
    max_power_w: float
    register_wh: float = 0.0
    status: str = "Available"
    transaction_id: str | None = None
    id_token: dict[str, str] | None = None
    seq_no: int = 0
    remote_start_id: int | None = None
    session: ChargingSession | None = None
    task: asyncio.Task[None] | None = None
    stop_requested: asyncio.Event = field(default_factory=asyncio.Event)
    stop_reason: str = "Local"
    stop_trigger: str = "StopAuthorized"


class SimulatedStation201(ChargePoint):  # type: ignore[misc]
    def __init__(self, station_id: str, connection: Any, profile: StationProfile) -> None:
        super().__init__(station_id, connection, response_timeout=30)
        self.profile = profile
        self.rng = random.Random(station_id)
        self.evses = {
            n: EvseSim(n, profile.max_power_w, register_wh=self.rng.uniform(1e5, 5e6))
            for n in range(1, profile.connectors + 1)
        }
        self.heartbeat_interval = 300
        self.variables: dict[tuple[str, str], str] = {
            ("OCPPCommCtrlr", "HeartbeatInterval"): "300",
            ("SampledDataCtrlr", "TxUpdatedInterval"): str(int(profile.meter_interval)),
            ("AuthCtrlr", "AuthorizeRemoteStart"): "false",
            ("DeviceDataCtrlr", "ItemsPerMessage"): "100",
        }
        self.accepted = asyncio.Event()
        self._tasks: set[asyncio.Task[Any]] = set()

    # Main loop -----------------------------------------------------------------------------

    async def run(self) -> None:
        reader = asyncio.create_task(self.start())
        try:
            await self.boot("PowerUp")
            await self.report_all_status()
            self._spawn(self._heartbeats())
            if self.profile.autonomous:
                for evse in self.evses.values():
                    self._spawn(self._autonomous(evse))
            await reader
        finally:
            reader.cancel()
            for task in list(self._tasks):
                task.cancel()
            for evse in self.evses.values():
                if evse.task:
                    evse.task.cancel()

    async def boot(self, reason: str) -> None:
        while True:
            response = await self.call(
                call.BootNotification(
                    charging_station={
                        "model": self.profile.model,
                        "vendor_name": self.profile.vendor,
                        "serial_number": f"SN-{self.id}",
                        "firmware_version": self.profile.firmware,
                    },
                    reason=reason,
                )
            )
            if response.status == "Accepted":
                self.heartbeat_interval = max(10, int(response.interval))
                self.accepted.set()
                return
            await asyncio.sleep(max(1, min(int(response.interval), 60)))

    async def report_all_status(self) -> None:
        for evse in self.evses.values():
            await self.send_status(evse.evse_id, evse.status)

    async def send_status(self, evse_id: int, status: str) -> None:
        self.evses[evse_id].status = status
        await self.call(
            call.StatusNotification(
                timestamp=now_iso(), connector_status=status, evse_id=evse_id, connector_id=1
            )
        )

    async def _heartbeats(self) -> None:
        while True:
            await asyncio.sleep(self.heartbeat_interval)
            await self.call(call.Heartbeat())

    async def _autonomous(self, evse: EvseSim) -> None:
        while True:
            await asyncio.sleep(self.rng.expovariate(1.0 / self.profile.idle_seconds))
            if evse.status != "Available" or evse.task:
                continue
            tags = self.profile.id_tags
            tag = (
                tags[(evse.evse_id - 1) % len(tags)]
                if len(tags) == len(self.evses)
                else self.rng.choice(tags)
            )
            token = {"id_token": tag, "type": "ISO14443"}
            await self.charge(evse.evse_id, token, authorize=True)
            if evse.task is not None:
                await evse.task

    # Sessions ------------------------------------------------------------------------------

    async def _event(
        self,
        evse: EvseSim,
        event_type: str,
        trigger: str,
        *,
        charging_state: str | None = None,
        stopped_reason: str | None = None,
        id_token: dict[str, str] | None = None,
        context: str = "Sample.Periodic",
    ) -> Any:
        info: dict[str, Any] = {"transaction_id": evse.transaction_id}
        if charging_state:
            info["charging_state"] = charging_state
        if stopped_reason:
            info["stopped_reason"] = stopped_reason
        if evse.remote_start_id is not None and event_type == "Started":
            info["remote_start_id"] = evse.remote_start_id
        request = call.TransactionEvent(
            event_type=event_type,
            timestamp=now_iso(),
            trigger_reason=trigger,
            seq_no=evse.seq_no,
            transaction_info=info,
            meter_value=[self._meter_value(evse, context)],
            evse={"id": evse.evse_id, "connector_id": 1},
            id_token=id_token,
            number_of_phases_used=3 if evse.session else None,
        )
        evse.seq_no += 1
        return await self.call(request)

    def _meter_value(self, evse: EvseSim, context: str) -> dict[str, Any]:
        sampled: list[dict[str, Any]] = [
            {
                "value": round(evse.register_wh),
                "measurand": "Energy.Active.Import.Register",
                "unit_of_measure": {"unit": "Wh"},
                "context": context,
            }
        ]
        session = evse.session
        if session is not None:
            sampled += [
                {
                    "value": round(session.power_w),
                    "measurand": "Power.Active.Import",
                    "unit_of_measure": {"unit": "W"},
                    "context": context,
                },
                {"value": round(session.voltage, 1), "measurand": "Voltage", "context": context},
                {
                    "value": round(session.current_a, 1),
                    "measurand": "Current.Import",
                    "context": context,
                },
                {"value": round(session.soc), "measurand": "SoC", "context": context},
            ]
        return {"timestamp": now_iso(), "sampled_value": sampled}

    async def charge(
        self,
        evse_id: int,
        id_token: dict[str, str],
        *,
        authorize: bool,
        remote_start_id: int | None = None,
        seconds: float | None = None,
    ) -> bool:
        evse = self.evses[evse_id]
        evse.transaction_id = str(uuid.uuid4())
        evse.seq_no = 0
        evse.remote_start_id = remote_start_id
        await self._event(
            evse,
            "Started",
            "RemoteStart" if remote_start_id is not None else "CablePluggedIn",
            charging_state="EVConnected",
            context="Transaction.Begin",
        )
        await self.send_status(evse_id, "Occupied")
        if authorize:
            answer = await self.call(call.Authorize(id_token=id_token))
            if answer.id_token_info["status"] != "Accepted":
                await self._event(
                    evse,
                    "Ended",
                    "Deauthorized",
                    stopped_reason="DeAuthorized",
                    context="Transaction.End",
                )
                evse.transaction_id = None
                await self.send_status(evse_id, "Available")
                return False
        evse.id_token = id_token
        evse.stop_requested = asyncio.Event()
        evse.stop_reason = "Local"
        evse.stop_trigger = "StopAuthorized"
        evse.session = ChargingSession(
            max_power_w=evse.max_power_w * self.rng.uniform(0.5, 1.0),
            soc=self.rng.uniform(10, 60),
            rng=self.rng,
        )
        answer = await self._event(
            evse, "Updated", "Authorized", charging_state="Charging", id_token=id_token
        )
        info = answer.id_token_info if answer is not None else None
        if info and info.get("status") != "Accepted":
            # StopTxOnInvalidId: the CSMS refused the token, so the session ends here.
            evse.session = None
            await self._event(
                evse,
                "Ended",
                "Deauthorized",
                stopped_reason="DeAuthorized",
                context="Transaction.End",
            )
            evse.transaction_id = None
            await self.send_status(evse_id, "Available")
            return False
        duration = seconds or self.rng.uniform(0.5, 1.5) * self.profile.session_seconds
        evse.task = asyncio.create_task(self._session(evse, duration))
        return True

    async def _session(self, evse: EvseSim, duration: float) -> None:
        try:
            loop = asyncio.get_running_loop()
            deadline = loop.time() + duration
            while loop.time() < deadline and not evse.stop_requested.is_set():
                step = min(self.profile.meter_interval, max(0.0, deadline - loop.time()))
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(evse.stop_requested.wait(), step)
                assert evse.session is not None
                evse.register_wh += evse.session.step(step)
                await self._event(evse, "Updated", "MeterValuePeriodic", charging_state="Charging")
            evse.session = None
            await self._event(
                evse,
                "Ended",
                evse.stop_trigger,
                stopped_reason=evse.stop_reason,
                context="Transaction.End",
            )
            await self.send_status(evse.evse_id, "Available")
        finally:
            evse.transaction_id = None
            evse.session = None
            evse.task = None

    def _spawn(self, coroutine: Any) -> None:
        task = asyncio.create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # Commands from the CSMS ---------------------------------------------------------------

    @on("RequestStartTransaction")
    async def on_request_start(
        self, id_token: dict[str, str], remote_start_id: int, evse_id: int | None = None, **_: Any
    ) -> Any:
        number = evse_id or next((n for n, e in self.evses.items() if e.task is None), None)
        if number is None or number not in self.evses or self.evses[number].task:
            return call_result.RequestStartTransaction(status="Rejected")
        token = {"id_token": id_token["id_token"], "type": id_token["type"]}
        self._spawn(self.charge(number, token, authorize=False, remote_start_id=remote_start_id))
        return call_result.RequestStartTransaction(status="Accepted")

    @on("RequestStopTransaction")
    async def on_request_stop(self, transaction_id: str, **_: Any) -> Any:
        for evse in self.evses.values():
            if evse.transaction_id == transaction_id and evse.task:
                evse.stop_reason = "Remote"
                evse.stop_trigger = "RemoteStop"
                evse.stop_requested.set()
                return call_result.RequestStopTransaction(status="Accepted")
        return call_result.RequestStopTransaction(status="Rejected")

    @on("Reset")
    async def on_reset(self, type: str, **_: Any) -> Any:
        for evse in self.evses.values():
            evse.stop_reason = "ImmediateReset" if type == "Immediate" else "Local"
            evse.stop_trigger = "ResetCommand"
            evse.stop_requested.set()
        return call_result.Reset(status="Accepted")

    @on("ChangeAvailability")
    async def on_change_availability(
        self, operational_status: str, evse: dict[str, int] | None = None, **_: Any
    ) -> Any:
        targets = [evse["id"]] if evse else list(self.evses)
        if any(self.evses[n].task for n in targets if n in self.evses):
            return call_result.ChangeAvailability(status="Scheduled")
        status = "Available" if operational_status == "Operative" else "Unavailable"
        for number in targets:
            if number in self.evses:
                self._spawn(self.send_status(number, status))
        return call_result.ChangeAvailability(status="Accepted")

    @on("UnlockConnector")
    async def on_unlock(self, evse_id: int, connector_id: int, **_: Any) -> Any:
        if evse_id not in self.evses:
            return call_result.UnlockConnector(status="UnknownConnector")
        return call_result.UnlockConnector(status="Unlocked")

    @on("GetVariables")
    async def on_get_variables(self, get_variable_data: list[dict[str, Any]], **_: Any) -> Any:
        results = []
        for item in get_variable_data:
            key = (item["component"]["name"], item["variable"]["name"])
            value = self.variables.get(key)
            result: dict[str, Any] = {
                "attribute_status": "Accepted" if value is not None else "UnknownVariable",
                "component": item["component"],
                "variable": item["variable"],
            }
            if value is not None:
                result["attribute_value"] = value
            results.append(result)
        return call_result.GetVariables(get_variable_result=results)

    @on("SetVariables")
    async def on_set_variables(self, set_variable_data: list[dict[str, Any]], **_: Any) -> Any:
        results = []
        for item in set_variable_data:
            key = (item["component"]["name"], item["variable"]["name"])
            known = key in self.variables
            if known:
                self.variables[key] = str(item["attribute_value"])
                if key == ("OCPPCommCtrlr", "HeartbeatInterval"):
                    self.heartbeat_interval = max(10, int(item["attribute_value"]))
            results.append(
                {
                    "attribute_status": "Accepted" if known else "UnknownVariable",
                    "component": item["component"],
                    "variable": item["variable"],
                }
            )
        return call_result.SetVariables(set_variable_result=results)

    @on("GetBaseReport")
    async def on_get_base_report(self, request_id: int, report_base: str, **_: Any) -> Any:
        return call_result.GetBaseReport(status="Accepted")

    @after("GetBaseReport")
    async def after_get_base_report(self, request_id: int, **_: Any) -> None:
        self._spawn(self.notify_report(request_id))

    async def notify_report(self, request_id: int) -> None:
        data = [
            {
                "component": {"name": component},
                "variable": {"name": variable},
                "variable_attribute": [
                    {"type": "Actual", "value": value, "mutability": "ReadWrite"}
                ],
                "variable_characteristics": {"data_type": "integer", "supports_monitoring": False},
            }
            for (component, variable), value in self.variables.items()
        ]
        await self.call(
            call.NotifyReport(
                request_id=request_id, generated_at=now_iso(), seq_no=0, report_data=data
            )
        )

    @on("ClearCache")
    async def on_clear_cache(self, **_: Any) -> Any:
        return call_result.ClearCache(status="Accepted")

    @on("DataTransfer")
    async def on_data_transfer(self, vendor_id: str, **_: Any) -> Any:
        return call_result.DataTransfer(status="UnknownVendorId")

    @on("TriggerMessage")
    async def on_trigger(self, requested_message: str, **_: Any) -> Any:
        supported = {"BootNotification", "Heartbeat", "StatusNotification"}
        status = "Accepted" if requested_message in supported else "NotImplemented"
        return call_result.TriggerMessage(status=status)

    @after("TriggerMessage")
    async def after_trigger(self, requested_message: str, **_: Any) -> None:
        if requested_message == "BootNotification":
            self._spawn(self.boot("Triggered"))
        elif requested_message == "Heartbeat":
            self._spawn(self.call(call.Heartbeat()))
        elif requested_message == "StatusNotification":
            self._spawn(self.report_all_status())
