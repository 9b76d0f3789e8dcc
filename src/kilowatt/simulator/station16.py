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
    CancelReservationStatus,
    ChargePointErrorCode,
    ChargePointStatus,
    ChargingProfileStatus,
    ClearCacheStatus,
    ClearChargingProfileStatus,
    ConfigurationStatus,
    DataTransferStatus,
    GetCompositeScheduleStatus,
    Reason,
    RegistrationStatus,
    RemoteStartStopStatus,
    ReservationStatus,
    ResetStatus,
    TriggerMessageStatus,
    UnlockStatus,
    UpdateStatus,
)

from kilowatt.simulator import vendor
from kilowatt.simulator.maintenance16 import Maintenance16
from kilowatt.simulator.physics import ChargingSession
from kilowatt.simulator.profiles import ProfileSim, SmartCharging, parse_time

log = structlog.get_logger("kilowatt.simulator")


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def iso_of(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


@dataclass
class ReservationSim:
    id: int
    connector_id: int
    """1.6 connector / 2.0.1 EVSE; 0: any."""
    id_tag: str
    expires_at: datetime
    group: str | None = None
    expiry: asyncio.Task[None] | None = None

    def admits(self, id_tag: str, group: str | None = None) -> bool:
        return id_tag == self.id_tag or (self.group is not None and group == self.group)


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
    started_at: datetime | None = None
    car_power_w: float = 0.0
    """What the car would draw; charging profiles may allow less."""


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
    speed: float = 1.0
    """How much faster than the clock a car charges (the demo's accelerated time): each
    second of a session delivers ``speed`` seconds of energy; times stay real."""


class SimulatedStation16(Maintenance16, ChargePoint):  # type: ignore[misc]
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
            "SupportedFeatureProfiles": "Core,LocalAuthListManagement,Reservation,"
            "SmartCharging,RemoteTrigger",
            "LocalAuthListEnabled": "true",
            "LocalAuthListMaxLength": "1000",
            "SendLocalListMaxLength": "1000",
            "ReserveConnectorZeroSupported": "true",
            "ChargeProfileMaxStackLevel": "10",
            "ChargingScheduleAllowedChargingRateUnit": "Current,Power",
            "ChargingScheduleMaxPeriods": "24",
            "MaxChargingProfilesInstalled": "20",
        }
        self.accepted = asyncio.Event()
        self._tasks: set[asyncio.Task[Any]] = set()
        self.local_list_version = 0
        self.local_list: dict[str, dict[str, Any]] = {}
        """idTag → idTagInfo (snake_case), as the accepted SendLocalList CALLs left it."""
        self.reservations: dict[int, ReservationSim] = {}
        self.smart_charging = SmartCharging(profile.max_power_w)

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
            if not self.free_for(connector.number, tag):
                continue
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
        reservation = self.reservation_for(number, id_tag)
        if reservation is not None:
            self.drop_reservation(reservation)
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
                reservation_id=None if reservation is None else reservation.id,
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
        connector.started_at = datetime.now(UTC)
        connector.car_power_w = connector.max_power_w * self.rng.uniform(0.5, 1.0)
        connector.session = ChargingSession(
            max_power_w=self.allowed_power_w(connector),
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
                connector.session.max_power_w = self.allowed_power_w(connector)
                # at ``speed`` the car takes that many seconds' energy in each second
                connector.register_wh += connector.session.step(step * self.profile.speed)
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
            connector.started_at = None
            self.smart_charging.clear(evse_id=connector.number, purpose="TxProfile")

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

    def allowed_power_w(self, connector: ConnectorSim) -> float:
        """What the car draws, within what the charging profiles allow now."""
        transaction = None if connector.transaction_id is None else str(connector.transaction_id)
        limit = self.smart_charging.limit_w(
            connector.number, datetime.now(UTC), connector.started_at, transaction
        )
        return min(connector.car_power_w or connector.max_power_w, limit, connector.max_power_w)

    # Reservations --------------------------------------------------------------------------

    def reservation_for(self, number: int, id_tag: str) -> ReservationSim | None:
        """The reservation a session of ``id_tag`` on connector ``number`` fulfils."""
        return next(
            (
                r
                for r in self.reservations.values()
                if r.connector_id in (0, number) and r.admits(id_tag)
            ),
            None,
        )

    def free_for(self, number: int, id_tag: str) -> bool:
        """No one else holds a reservation on connector ``number`` (or, through connector 0,
        on the last free connector)."""
        held = [r for r in self.reservations.values() if r.connector_id == number]
        if any(not r.admits(id_tag) for r in held):
            return False
        anywhere = [r for r in self.reservations.values() if r.connector_id == 0]
        others = [r for r in anywhere if not r.admits(id_tag)]
        free = [c for c in self.connectors.values() if c.task is None and c.number != number]
        return len(free) >= len(others)

    def drop_reservation(self, reservation: ReservationSim) -> None:
        self.reservations.pop(reservation.id, None)
        if reservation.expiry is not None and reservation.expiry is not asyncio.current_task():
            reservation.expiry.cancel()
        connector = self.connectors.get(reservation.connector_id)
        if connector is not None and connector.status == ChargePointStatus.reserved:
            self._spawn(self.send_status(connector.number, ChargePointStatus.available))

    async def _expire(self, reservation: ReservationSim) -> None:
        delay = (reservation.expires_at - datetime.now(UTC)).total_seconds()
        await asyncio.sleep(max(0.0, delay))
        if self.reservations.get(reservation.id) is reservation:
            self.drop_reservation(reservation)

    # Commands from the CSMS ---------------------------------------------------------------

    @on(Action.remote_start_transaction)
    async def on_remote_start(
        self,
        id_tag: str,
        connector_id: int | None = None,
        charging_profile: dict[str, Any] | None = None,
        **_: Any,
    ) -> call_result.RemoteStartTransaction:
        number = connector_id or next(
            (n for n, c in self.connectors.items() if c.task is None and self.free_for(n, id_tag)),
            None,
        )
        if (
            number is None
            or number not in self.connectors
            or self.connectors[number].task
            or not self.free_for(number, id_tag)
        ):
            return call_result.RemoteStartTransaction(status=RemoteStartStopStatus.rejected)
        if charging_profile is not None:
            if charging_profile.get("charging_profile_purpose") != "TxProfile":
                return call_result.RemoteStartTransaction(status=RemoteStartStopStatus.rejected)
            self.smart_charging.add(
                ProfileSim.of(number, charging_profile, charging_profile["charging_schedule"])
            )
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
    async def on_data_transfer(
        self, vendor_id: str, message_id: str | None = None, data: Any = None, **_: Any
    ) -> call_result.DataTransfer:
        status, answer = vendor.answer(vendor_id, message_id, data, self.rng)
        return call_result.DataTransfer(status=DataTransferStatus(status), data=answer)

    @on(Action.send_local_list)
    async def on_send_local_list(
        self,
        list_version: int,
        update_type: str,
        local_authorization_list: list[dict[str, Any]] | None = None,
        **_: Any,
    ) -> call_result.SendLocalList:
        entries = local_authorization_list or []
        if len(entries) > int(self.configuration["SendLocalListMaxLength"]):
            return call_result.SendLocalList(status=UpdateStatus.failed)
        if update_type == "Differential":
            if list_version <= self.local_list_version:
                return call_result.SendLocalList(status=UpdateStatus.version_mismatch)
            updated = dict(self.local_list)
        else:
            updated = {}
        for entry in entries:
            info = entry.get("id_tag_info")
            if info is None:
                updated.pop(entry["id_tag"], None)
            else:
                updated[entry["id_tag"]] = info
        self.local_list = updated
        self.local_list_version = list_version
        return call_result.SendLocalList(status=UpdateStatus.accepted)

    @on(Action.get_local_list_version)
    async def on_get_local_list_version(self, **_: Any) -> call_result.GetLocalListVersion:
        return call_result.GetLocalListVersion(list_version=self.local_list_version)

    @on(Action.reserve_now)
    async def on_reserve_now(
        self,
        connector_id: int,
        expiry_date: str,
        id_tag: str,
        reservation_id: int,
        parent_id_tag: str | None = None,
        **_: Any,
    ) -> call_result.ReserveNow:
        expires_at = parse_time(expiry_date)
        if expires_at <= datetime.now(UTC):
            return call_result.ReserveNow(status=ReservationStatus.rejected)
        if connector_id == 0:
            if self.configuration["ReserveConnectorZeroSupported"] != "true":
                return call_result.ReserveNow(status=ReservationStatus.rejected)
        elif connector_id not in self.connectors:
            return call_result.ReserveNow(status=ReservationStatus.rejected)
        else:
            connector = self.connectors[connector_id]
            if connector.status == ChargePointStatus.faulted:
                return call_result.ReserveNow(status=ReservationStatus.faulted)
            if connector.status == ChargePointStatus.unavailable:
                return call_result.ReserveNow(status=ReservationStatus.unavailable)
            held = any(
                r.connector_id == connector_id and r.id != reservation_id
                for r in self.reservations.values()
            )
            if (
                connector.task is not None
                or held
                or connector.status
                not in (
                    ChargePointStatus.available,
                    ChargePointStatus.reserved,
                )
            ):
                return call_result.ReserveNow(status=ReservationStatus.occupied)
        if connector_id == 0 and all(c.task for c in self.connectors.values()):
            return call_result.ReserveNow(status=ReservationStatus.occupied)
        previous = self.reservations.pop(reservation_id, None)
        if previous is not None and previous.expiry is not None:
            previous.expiry.cancel()
        reservation = ReservationSim(
            reservation_id, connector_id, id_tag, expires_at, group=parent_id_tag
        )
        reservation.expiry = asyncio.create_task(self._expire(reservation))
        self._tasks.add(reservation.expiry)
        reservation.expiry.add_done_callback(self._tasks.discard)
        self.reservations[reservation_id] = reservation
        if connector_id:
            self._spawn(self.send_status(connector_id, ChargePointStatus.reserved))
        return call_result.ReserveNow(status=ReservationStatus.accepted)

    @on(Action.cancel_reservation)
    async def on_cancel_reservation(
        self, reservation_id: int, **_: Any
    ) -> call_result.CancelReservation:
        reservation = self.reservations.get(reservation_id)
        if reservation is None:
            return call_result.CancelReservation(status=CancelReservationStatus.rejected)
        self.drop_reservation(reservation)
        return call_result.CancelReservation(status=CancelReservationStatus.accepted)

    @on(Action.set_charging_profile)
    async def on_set_charging_profile(
        self, connector_id: int, cs_charging_profiles: dict[str, Any], **_: Any
    ) -> call_result.SetChargingProfile:
        purpose = cs_charging_profiles["charging_profile_purpose"]
        connector = self.connectors.get(connector_id)
        known = connector_id == 0 or connector is not None
        fits = {
            "ChargePointMaxProfile": connector_id == 0,
            "TxDefaultProfile": True,
            # Preparing: its StartTransaction is answered, but the answer not yet read here
            # (the CSMS sends the session's profile right after it).
            "TxProfile": connector is not None
            and (
                connector.transaction_id is not None
                or connector.status == ChargePointStatus.preparing
            ),
        }
        level = int(cs_charging_profiles["stack_level"])
        if not known or not fits.get(purpose, False):
            return call_result.SetChargingProfile(status=ChargingProfileStatus.rejected)
        if level > int(self.configuration["ChargeProfileMaxStackLevel"]):
            return call_result.SetChargingProfile(status=ChargingProfileStatus.rejected)
        schedule = cs_charging_profiles["charging_schedule"]
        self.smart_charging.add(ProfileSim.of(connector_id, cs_charging_profiles, schedule))
        return call_result.SetChargingProfile(status=ChargingProfileStatus.accepted)

    @on(Action.clear_charging_profile)
    async def on_clear_charging_profile(
        self,
        id: int | None = None,
        connector_id: int | None = None,
        charging_profile_purpose: str | None = None,
        stack_level: int | None = None,
        **_: Any,
    ) -> call_result.ClearChargingProfile:
        removed = self.smart_charging.clear(id, connector_id, charging_profile_purpose, stack_level)
        status = (
            ClearChargingProfileStatus.accepted if removed else ClearChargingProfileStatus.unknown
        )
        return call_result.ClearChargingProfile(status=status)

    @on(Action.get_composite_schedule)
    async def on_get_composite_schedule(
        self,
        connector_id: int,
        duration: int,
        charging_rate_unit: str | None = None,
        **_: Any,
    ) -> call_result.GetCompositeSchedule:
        connector = self.connectors.get(connector_id)
        if connector_id != 0 and connector is None:
            return call_result.GetCompositeSchedule(status=GetCompositeScheduleStatus.rejected)
        unit = charging_rate_unit or "W"
        transaction = None
        if connector is not None and connector.transaction_id is not None:
            transaction = str(connector.transaction_id)
        start, periods = self.smart_charging.composite(
            connector_id,
            duration,
            unit,
            None if connector is None else connector.started_at,
            transaction,
        )
        return call_result.GetCompositeSchedule(
            status=GetCompositeScheduleStatus.accepted,
            connector_id=connector_id,
            schedule_start=iso_of(start),
            charging_schedule={
                "duration": duration,
                "start_schedule": iso_of(start),
                "charging_rate_unit": unit,
                "charging_schedule_period": periods,
            },
        )

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
