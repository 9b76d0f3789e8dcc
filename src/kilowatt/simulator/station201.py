"""A simulated OCPP 2.0.1 charging station built on the ``ocpp`` library's ChargePoint."""

from __future__ import annotations

import asyncio
import contextlib
import random
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import structlog
from ocpp.routing import after, on
from ocpp.v201 import ChargePoint, call, call_result

from kilowatt.simulator import vendor
from kilowatt.simulator.physics import ChargingSession
from kilowatt.simulator.profiles import ProfileSim, SmartCharging, parse_time
from kilowatt.simulator.station16 import ReservationSim, StationProfile, iso_of, now_iso

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
    reservation_id: int | None = None
    started_at: datetime | None = None
    car_power_w: float = 0.0
    """What the car would draw; charging profiles may allow less."""


def _data_type(value: str) -> str:
    if value in ("true", "false"):
        return "boolean"
    if value.lstrip("-").isdigit():
        return "integer"
    return "string"


def _status(status: str, reason: str | None = None) -> dict[str, Any]:
    """A call result's status, with a StatusInfo reason code when there is one."""
    answer: dict[str, Any] = {"status": status}
    if reason is not None:
        answer["status_info"] = {"reason_code": reason}
    return answer


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
            ("ChargingStation", "Model"): profile.model,
            ("ChargingStation", "VendorName"): profile.vendor,
            ("OCPPCommCtrlr", "HeartbeatInterval"): "300",
            ("SampledDataCtrlr", "TxUpdatedInterval"): str(int(profile.meter_interval)),
            ("AuthCtrlr", "AuthorizeRemoteStart"): "false",
            ("DeviceDataCtrlr", "ItemsPerMessage"): "100",
            ("LocalAuthListCtrlr", "Enabled"): "true",
            ("LocalAuthListCtrlr", "ItemsPerMessage"): "1000",
            ("ReservationCtrlr", "Enabled"): "true",
            ("SmartChargingCtrlr", "Enabled"): "true",
            ("SmartChargingCtrlr", "ProfileStackLevel"): "10",
            ("DisplayMessageCtrlr", "Enabled"): "true",
        }
        self.read_only = {
            ("ChargingStation", "Model"),
            ("ChargingStation", "VendorName"),
            ("DeviceDataCtrlr", "ItemsPerMessage"),
            ("LocalAuthListCtrlr", "ItemsPerMessage"),
            ("SmartChargingCtrlr", "ProfileStackLevel"),
        }
        self.accepted = asyncio.Event()
        self._tasks: set[asyncio.Task[Any]] = set()
        self.local_list_version = 0
        self.local_list: dict[str, dict[str, Any]] = {}
        """idToken → idTokenInfo (snake_case), as the accepted SendLocalList CALLs left it."""
        self.reservations: dict[int, ReservationSim] = {}
        self.smart_charging = SmartCharging(profile.max_power_w)
        self.display_messages: dict[int, dict[str, Any]] = {}

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
            if not self.free_for(evse.evse_id, tag):
                continue
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
        reservation = evse.reservation_id if event_type == "Started" else None
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
            reservation_id=reservation,
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
        reservation = self.reservation_for(evse_id, id_token["id_token"])
        evse.reservation_id = None if reservation is None else reservation.id
        if reservation is not None:
            self.drop_reservation(reservation, update=None)
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
        evse.started_at = datetime.now(UTC)
        evse.car_power_w = evse.max_power_w * self.rng.uniform(0.5, 1.0)
        evse.session = ChargingSession(
            max_power_w=self.allowed_power_w(evse),
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
                evse.session.max_power_w = self.allowed_power_w(evse)
                evse.register_wh += evse.session.step(step * self.profile.speed)
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
            evse.started_at = None
            evse.reservation_id = None
            self.smart_charging.clear(evse_id=evse.evse_id, purpose="TxProfile")

    def _spawn(self, coroutine: Any) -> None:
        task = asyncio.create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def allowed_power_w(self, evse: EvseSim) -> float:
        """What the car draws, within what the charging profiles allow now."""
        limit = self.smart_charging.limit_w(
            evse.evse_id, datetime.now(UTC), evse.started_at, evse.transaction_id
        )
        return min(evse.car_power_w or evse.max_power_w, limit, evse.max_power_w)

    # Reservations --------------------------------------------------------------------------

    def reservation_for(self, evse_id: int, token: str) -> ReservationSim | None:
        return next(
            (
                r
                for r in self.reservations.values()
                if r.connector_id in (0, evse_id) and r.admits(token)
            ),
            None,
        )

    def free_for(self, evse_id: int, token: str) -> bool:
        """No one else holds a reservation on this EVSE (or, through an unspecified EVSE, on
        the last free one)."""
        held = [r for r in self.reservations.values() if r.connector_id == evse_id]
        if any(not r.admits(token) for r in held):
            return False
        others = [
            r for r in self.reservations.values() if r.connector_id == 0 and not r.admits(token)
        ]
        free = [e for e in self.evses.values() if e.task is None and e.evse_id != evse_id]
        return len(free) >= len(others)

    def drop_reservation(self, reservation: ReservationSim, update: str | None) -> None:
        """Forget a reservation; ``update`` (Expired, Removed) is told to the CSMS."""
        self.reservations.pop(reservation.id, None)
        if reservation.expiry is not None and reservation.expiry is not asyncio.current_task():
            reservation.expiry.cancel()
        evse = self.evses.get(reservation.connector_id)
        if evse is not None and evse.status == "Reserved":
            self._spawn(self.send_status(evse.evse_id, "Available"))
        if update is not None:
            self._spawn(
                self.call(
                    call.ReservationStatusUpdate(
                        reservation_id=reservation.id, reservation_update_status=update
                    )
                )
            )

    async def _expire(self, reservation: ReservationSim) -> None:
        delay = (reservation.expires_at - datetime.now(UTC)).total_seconds()
        await asyncio.sleep(max(0.0, delay))
        if self.reservations.get(reservation.id) is reservation:
            self.drop_reservation(reservation, update="Expired")

    # Commands from the CSMS ---------------------------------------------------------------

    @on("RequestStartTransaction")
    async def on_request_start(
        self,
        id_token: dict[str, str],
        remote_start_id: int,
        evse_id: int | None = None,
        charging_profile: dict[str, Any] | None = None,
        **_: Any,
    ) -> Any:
        value = id_token["id_token"]
        number = evse_id or next(
            (n for n, e in self.evses.items() if e.task is None and self.free_for(n, value)),
            None,
        )
        if number is None or number not in self.evses or self.evses[number].task:
            return call_result.RequestStartTransaction(status="Rejected")
        if not self.free_for(number, value):
            return call_result.RequestStartTransaction(**_status("Rejected", "Reserved"))
        if charging_profile is not None:
            if charging_profile.get("charging_profile_purpose") != "TxProfile":
                return call_result.RequestStartTransaction(**_status("Rejected", "InvalidProfile"))
            self.smart_charging.add(
                ProfileSim.of(number, charging_profile, charging_profile["charging_schedule"][0])
            )
        token = {"id_token": value, "type": id_token["type"]}
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
        components = {component for component, _variable in self.variables}
        for item in get_variable_data:
            key = (item["component"]["name"], item["variable"]["name"])
            value = self.variables.get(key)
            unknown = "UnknownVariable" if key[0] in components else "UnknownComponent"
            result: dict[str, Any] = {
                "attribute_status": "Accepted" if value is not None else unknown,
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
            status = "Accepted" if known else "UnknownVariable"
            if key in self.read_only:
                status = "Rejected"
            elif known:
                self.variables[key] = str(item["attribute_value"])
                if key == ("OCPPCommCtrlr", "HeartbeatInterval"):
                    self.heartbeat_interval = max(10, int(item["attribute_value"]))
            results.append(
                {
                    "attribute_status": status,
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

    def _reported(self, wanted: list[dict[str, Any]] | None) -> list[tuple[str, str]]:
        """The variables a GetReport asks for: those of the named components (and variables)."""
        if not wanted:
            return list(self.variables)
        return [
            (component, variable)
            for component, variable in self.variables
            if any(
                w["component"]["name"] == component
                and (not w.get("variable") or w["variable"]["name"] == variable)
                for w in wanted
            )
        ]

    async def notify_report(
        self, request_id: int, keys: list[tuple[str, str]] | None = None
    ) -> None:
        data = [
            {
                "component": {"name": component},
                "variable": {"name": variable},
                "variable_attribute": [
                    {
                        "type": "Actual",
                        "value": self.variables[(component, variable)],
                        "mutability": "ReadOnly"
                        if (component, variable) in self.read_only
                        else "ReadWrite",
                    }
                ],
                "variable_characteristics": {
                    "data_type": _data_type(self.variables[(component, variable)]),
                    "supports_monitoring": False,
                },
            }
            for component, variable in (list(self.variables) if keys is None else keys)
        ]
        await self.call(
            call.NotifyReport(
                request_id=request_id, generated_at=now_iso(), seq_no=0, report_data=data
            )
        )

    @on("GetReport")
    async def on_get_report(
        self,
        request_id: int,
        component_variable: list[dict[str, Any]] | None = None,
        component_criteria: list[str] | None = None,
        **_: Any,
    ) -> Any:
        # Every component here is available and enabled, and none has a problem.
        if component_criteria and set(component_criteria) <= {"Problem"}:
            return call_result.GetReport(status="EmptyResultSet")
        found = self._reported(component_variable)
        return call_result.GetReport(status="Accepted" if found else "EmptyResultSet")

    @after("GetReport")
    async def after_get_report(
        self,
        request_id: int,
        component_variable: list[dict[str, Any]] | None = None,
        component_criteria: list[str] | None = None,
        **_: Any,
    ) -> None:
        if component_criteria and set(component_criteria) <= {"Problem"}:
            return
        found = self._reported(component_variable)
        if found:
            self._spawn(self.notify_report(request_id, found))

    # Local authorization list --------------------------------------------------------------

    @on("SendLocalList")
    async def on_send_local_list(
        self,
        version_number: int,
        update_type: str,
        local_authorization_list: list[dict[str, Any]] | None = None,
        **_: Any,
    ) -> Any:
        entries = local_authorization_list or []
        if len(entries) > int(self.variables[("LocalAuthListCtrlr", "ItemsPerMessage")]):
            return call_result.SendLocalList(**_status("Failed", "TooManyElements"))
        if update_type == "Differential":
            if version_number <= self.local_list_version:
                return call_result.SendLocalList(status="VersionMismatch")
            updated = dict(self.local_list)
        else:
            updated = {}
        for entry in entries:
            token = entry["id_token"]["id_token"]
            info = entry.get("id_token_info")
            if info is None:
                updated.pop(token, None)
            else:
                updated[token] = info
        self.local_list = updated
        self.local_list_version = version_number
        return call_result.SendLocalList(status="Accepted")

    @on("GetLocalListVersion")
    async def on_get_local_list_version(self, **_: Any) -> Any:
        return call_result.GetLocalListVersion(version_number=self.local_list_version)

    # Reservations --------------------------------------------------------------------------

    @on("ReserveNow")
    async def on_reserve_now(
        self,
        id: int,
        expiry_date_time: str,
        id_token: dict[str, str],
        evse_id: int | None = None,
        group_id_token: dict[str, str] | None = None,
        **_: Any,
    ) -> Any:
        expires_at = parse_time(expiry_date_time)
        if expires_at <= datetime.now(UTC):
            return call_result.ReserveNow(**_status("Rejected", "InvalidValue"))
        if evse_id:
            evse = self.evses.get(evse_id)
            if evse is None:
                return call_result.ReserveNow(**_status("Rejected", "UnknownEvse"))
            if evse.status == "Faulted":
                return call_result.ReserveNow(status="Faulted")
            if evse.status == "Unavailable":
                return call_result.ReserveNow(status="Unavailable")
            held = any(r.connector_id == evse_id and r.id != id for r in self.reservations.values())
            if evse.task is not None or held or evse.status not in ("Available", "Reserved"):
                return call_result.ReserveNow(status="Occupied")
        elif all(e.task for e in self.evses.values()):
            return call_result.ReserveNow(status="Occupied")
        previous = self.reservations.pop(id, None)
        if previous is not None and previous.expiry is not None:
            previous.expiry.cancel()
        reservation = ReservationSim(
            id,
            evse_id or 0,
            id_token["id_token"],
            expires_at,
            group=None if group_id_token is None else group_id_token["id_token"],
        )
        reservation.expiry = asyncio.create_task(self._expire(reservation))
        self._tasks.add(reservation.expiry)
        reservation.expiry.add_done_callback(self._tasks.discard)
        self.reservations[id] = reservation
        if evse_id:
            self._spawn(self.send_status(evse_id, "Reserved"))
        return call_result.ReserveNow(status="Accepted")

    @on("CancelReservation")
    async def on_cancel_reservation(self, reservation_id: int, **_: Any) -> Any:
        reservation = self.reservations.get(reservation_id)
        if reservation is None:
            return call_result.CancelReservation(status="Rejected")
        self.drop_reservation(reservation, update=None)
        return call_result.CancelReservation(status="Accepted")

    # Smart charging ------------------------------------------------------------------------

    @on("SetChargingProfile")
    async def on_set_charging_profile(
        self, evse_id: int, charging_profile: dict[str, Any], **_: Any
    ) -> Any:
        purpose = charging_profile["charging_profile_purpose"]
        evse = self.evses.get(evse_id)
        if evse_id != 0 and evse is None:
            return call_result.SetChargingProfile(**_status("Rejected", "UnknownEvse"))
        level = int(charging_profile["stack_level"])
        if level > int(self.variables[("SmartChargingCtrlr", "ProfileStackLevel")]):
            return call_result.SetChargingProfile(**_status("Rejected", "InvalidStackLevel"))
        if purpose == "ChargingStationMaxProfile" and evse_id != 0:
            return call_result.SetChargingProfile(**_status("Rejected", "InvalidProfile"))
        if purpose == "ChargingStationExternalConstraints":
            return call_result.SetChargingProfile(**_status("Rejected", "InvalidProfile"))
        if purpose == "TxProfile":
            wanted = charging_profile.get("transaction_id")
            if (
                evse is None
                or evse.transaction_id is None
                or (wanted is not None and wanted != evse.transaction_id)
            ):
                return call_result.SetChargingProfile(**_status("Rejected", "TxNotFound"))
        schedules = charging_profile["charging_schedule"]
        self.smart_charging.add(ProfileSim.of(evse_id, charging_profile, schedules[0]))
        return call_result.SetChargingProfile(status="Accepted")

    @on("ClearChargingProfile")
    async def on_clear_charging_profile(
        self,
        charging_profile_id: int | None = None,
        charging_profile_criteria: dict[str, Any] | None = None,
        **_: Any,
    ) -> Any:
        criteria = charging_profile_criteria or {}
        removed = self.smart_charging.clear(
            charging_profile_id,
            criteria.get("evse_id"),
            criteria.get("charging_profile_purpose"),
            criteria.get("stack_level"),
        )
        return call_result.ClearChargingProfile(status="Accepted" if removed else "Unknown")

    def _matching_profiles(self, criteria: dict[str, Any], evse_id: int | None) -> list[ProfileSim]:
        ids = criteria.get("charging_profile_id")
        sources = criteria.get("charging_limit_source")
        return [
            p
            for p in self.smart_charging.profiles.values()
            if (evse_id is None or p.evse_id == evse_id)
            and (not ids or p.id in ids)
            and (not sources or "CSO" in sources)
            and criteria.get("charging_profile_purpose") in (None, p.purpose)
            and criteria.get("stack_level") in (None, p.stack_level)
        ]

    @on("GetChargingProfiles")
    async def on_get_charging_profiles(
        self,
        request_id: int,
        charging_profile: dict[str, Any],
        evse_id: int | None = None,
        **_: Any,
    ) -> Any:
        found = self._matching_profiles(charging_profile, evse_id)
        return call_result.GetChargingProfiles(status="Accepted" if found else "NoProfiles")

    @after("GetChargingProfiles")
    async def after_get_charging_profiles(
        self,
        request_id: int,
        charging_profile: dict[str, Any],
        evse_id: int | None = None,
        **_: Any,
    ) -> None:
        found = self._matching_profiles(charging_profile, evse_id)
        if found:
            self._spawn(self.report_charging_profiles(request_id, found))

    async def report_charging_profiles(self, request_id: int, found: list[ProfileSim]) -> None:
        """One ReportChargingProfiles per EVSE, the last one not ``tbc``."""
        by_evse: dict[int, list[dict[str, Any]]] = {}
        for profile in found:
            by_evse.setdefault(profile.evse_id, []).append(profile.raw)
        for n, (evse_id, profiles) in enumerate(sorted(by_evse.items())):
            await self.call(
                call.ReportChargingProfiles(
                    request_id=request_id,
                    charging_limit_source="CSO",
                    evse_id=evse_id,
                    charging_profile=profiles,
                    tbc=n < len(by_evse) - 1,
                )
            )

    @on("GetCompositeSchedule")
    async def on_get_composite_schedule(
        self, duration: int, evse_id: int, charging_rate_unit: str | None = None, **_: Any
    ) -> Any:
        evse = self.evses.get(evse_id)
        if evse_id != 0 and evse is None:
            return call_result.GetCompositeSchedule(**_status("Rejected", "UnknownEvse"))
        unit = charging_rate_unit or "W"
        start, periods = self.smart_charging.composite(
            evse_id,
            duration,
            unit,
            None if evse is None else evse.started_at,
            None if evse is None else evse.transaction_id,
        )
        return call_result.GetCompositeSchedule(
            status="Accepted",
            schedule={
                "evse_id": evse_id,
                "duration": duration,
                "schedule_start": iso_of(start),
                "charging_rate_unit": unit,
                "charging_schedule_period": periods,
            },
        )

    # Display messages ----------------------------------------------------------------------

    @on("SetDisplayMessage")
    async def on_set_display_message(self, message: dict[str, Any], **_: Any) -> Any:
        transaction = message.get("transaction_id")
        if transaction is not None and all(
            e.transaction_id != transaction for e in self.evses.values()
        ):
            return call_result.SetDisplayMessage(status="UnknownTransaction")
        self.display_messages[int(message["id"])] = message
        return call_result.SetDisplayMessage(status="Accepted")

    def _messages(
        self, ids: list[int] | None, priority: str | None, state: str | None
    ) -> list[dict[str, Any]]:
        return [
            m
            for key, m in sorted(self.display_messages.items())
            if (not ids or key in ids)
            and priority in (None, m.get("priority"))
            and state in (None, m.get("state"))
        ]

    @on("GetDisplayMessages")
    async def on_get_display_messages(
        self,
        request_id: int,
        id: list[int] | None = None,
        priority: str | None = None,
        state: str | None = None,
        **_: Any,
    ) -> Any:
        found = self._messages(id, priority, state)
        return call_result.GetDisplayMessages(status="Accepted" if found else "Unknown")

    @after("GetDisplayMessages")
    async def after_get_display_messages(
        self,
        request_id: int,
        id: list[int] | None = None,
        priority: str | None = None,
        state: str | None = None,
        **_: Any,
    ) -> None:
        found = self._messages(id, priority, state)
        if found:
            self._spawn(
                self.call(call.NotifyDisplayMessages(request_id=request_id, message_info=found))
            )

    @on("ClearDisplayMessage")
    async def on_clear_display_message(self, id: int, **_: Any) -> Any:
        gone = self.display_messages.pop(id, None)
        return call_result.ClearDisplayMessage(status="Accepted" if gone else "Unknown")

    # Transactions and tariffs --------------------------------------------------------------

    @on("GetTransactionStatus")
    async def on_get_transaction_status(self, transaction_id: str | None = None, **_: Any) -> Any:
        if transaction_id is None:
            return call_result.GetTransactionStatus(messages_in_queue=False)
        ongoing = any(e.transaction_id == transaction_id for e in self.evses.values())
        return call_result.GetTransactionStatus(messages_in_queue=False, ongoing_indicator=ongoing)

    @on("CostUpdated")
    async def on_cost_updated(self, total_cost: float, transaction_id: str, **_: Any) -> Any:
        return call_result.CostUpdated()

    @on("ClearCache")
    async def on_clear_cache(self, **_: Any) -> Any:
        return call_result.ClearCache(status="Accepted")

    @on("DataTransfer")
    async def on_data_transfer(
        self, vendor_id: str, message_id: str | None = None, data: Any = None, **_: Any
    ) -> Any:
        status, answer = vendor.answer(vendor_id, message_id, data, self.rng)
        return call_result.DataTransfer(status=status, data=answer)

    @on("TriggerMessage")
    async def on_trigger(self, requested_message: str, **_: Any) -> Any:
        supported = {
            "BootNotification",
            "Heartbeat",
            "StatusNotification",
            "MeterValues",
            "TransactionEvent",
        }
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
        elif requested_message == "MeterValues":
            for evse in self.evses.values():
                self._spawn(
                    self.call(
                        call.MeterValues(
                            evse_id=evse.evse_id,
                            meter_value=[self._meter_value(evse, "Trigger")],
                        )
                    )
                )
        elif requested_message == "TransactionEvent":
            for evse in self.evses.values():
                if evse.task is not None:
                    self._spawn(self._event(evse, "Updated", "Trigger", context="Trigger"))
