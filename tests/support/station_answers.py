"""Test stations that answer every CSMS-initiated action of their version as a test chooses.

Mixed into ``tests.support.ocpp16.TestChargePoint`` (``Answers16``) and
``tests.support.ocpp201.TestChargePoint201`` (``Answers201``):

* every CALL the CSMS sends is recorded exactly as it came over the wire (action and camelCase
  payload, before the ``ocpp`` library converts it), in arrival order: ``calls``, and
  ``next_call(action)`` waits for the next one of an action. Handlers also note it in the
  charge point's ``received`` list, so ``wait_for_call`` sees it too;
* ``answers[action]`` chooses the answer: a status (``str``) put into the default answer, a whole
  answer (``dict``, camelCase), a function of the request, a ``list`` of those (one per CALL, in
  turn), or an ``OCPPError`` instance, which the station sends back as a CALLERROR;
* ``delays[action]`` seconds before answering; ``NEVER`` for no answer at all. A delayed CALL is
  handled off the reading loop, so a second CALL arriving meanwhile is seen and counted, as a
  real station would: ``outstanding`` CALLs not yet answered, ``max_outstanding`` the most ever.

Default answers are those of a sound station: Accepted (Unlocked...), and for the reading
actions a realistic payload from a small state kept per station (configuration keys, variables,
local list version, charging profiles, display messages).

UpdateFirmware, GetDiagnostics, GetLog, SignedUpdateFirmware, PublishFirmware,
UnpublishFirmware and DataTransfer are not here: the firmware/diagnostics/vendor handlers live
with the charge points themselves.
"""

from __future__ import annotations

import asyncio
import json
import math
from collections.abc import Callable
from datetime import UTC, datetime
from types import ModuleType
from typing import Any

from ocpp.charge_point import camel_to_snake_case
from ocpp.exceptions import OCPPError
from ocpp.routing import on
from ocpp.v16 import call_result as results16
from ocpp.v201 import call_result as results201

Payload = dict[str, Any]
Default = Payload | Callable[[Payload], Payload] | None

NEVER = math.inf
"""A delay meaning: never answer (until the socket closes)."""

ACCEPTED: Payload = {"status": "Accepted"}


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _snake(key: str) -> str:
    name: str = camel_to_snake_case({key: None}).popitem()[0]
    return name


class AnswerBook:
    """The answering machinery shared by both versions."""

    call_results: ModuleType

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.answers: dict[str, Any] = {}
        self.delays: dict[str, float] = {}
        self.calls: list[tuple[str, Payload]] = []
        self.outstanding = 0
        self.max_outstanding = 0
        self._requests: dict[str, Payload] = {}
        self._taken: dict[str, int] = {}
        self._arrived = asyncio.Event()
        self._handling: set[asyncio.Task[None]] = set()
        super().__init__(*args, **kwargs)

    # The wire ---------------------------------------------------------------------------------

    async def start(self) -> None:
        """The library's reading loop, recording each CALL as it arrives; a CALL whose answer
        is delayed is handled in its own task so that reading goes on."""
        try:
            while True:
                message = await self._connection.recv()  # type: ignore[attr-defined]
                action = self._arrive(message)
                if action is not None and self.delays.get(action):
                    task = asyncio.create_task(self.route_message(message))  # type: ignore[attr-defined]
                    self._handling.add(task)
                    task.add_done_callback(self._handling.discard)
                else:
                    await self.route_message(message)  # type: ignore[attr-defined]
        finally:
            pending = list(self._handling)
            for task in pending:
                task.cancel()
            if pending:
                await asyncio.gather(*pending, return_exceptions=True)

    def _arrive(self, message: str | bytes) -> str | None:
        try:
            frame = json.loads(message)
        except ValueError:
            return None
        if not isinstance(frame, list) or len(frame) != 4 or frame[0] != 2:
            return None
        _, unique_id, action, payload = frame
        self.calls.append((str(action), payload))
        self._requests[str(unique_id)] = payload
        self.outstanding += 1
        self.max_outstanding = max(self.max_outstanding, self.outstanding)
        self._arrived.set()
        return str(action)

    async def _send(self, message: str) -> None:
        try:
            kind = json.loads(message)[0]
        except (ValueError, IndexError, KeyError):
            kind = None
        if kind in (3, 4) and self.outstanding > 0:
            self.outstanding -= 1
        await super()._send(message)  # type: ignore[misc]

    async def next_call(self, action: str, timeout: float = 10) -> Payload:
        """The next CALL of ``action`` this method has not returned yet, as it was sent."""
        async with asyncio.timeout(timeout):
            while True:
                seen = [payload for name, payload in self.calls if name == action]
                taken = self._taken.get(action, 0)
                if len(seen) > taken:
                    self._taken[action] = taken + 1
                    return seen[taken]
                self._arrived.clear()
                await self._arrived.wait()

    def actions(self) -> list[str]:
        """The actions of every CALL received, in order."""
        return [name for name, _ in self.calls]

    # Answering --------------------------------------------------------------------------------

    async def reply(
        self, action: str, call_unique_id: str, default: Default = None
    ) -> tuple[Payload, Payload]:
        """(the request as sent, the answer chosen) after the configured delay; raises the
        configured OCPPError instead, which the library sends as a CALLERROR."""
        request = self._requests.pop(call_unique_id, {})
        note = getattr(self, "_note", None)
        if note is not None:
            note(action, request)
        delay = self.delays.get(action, 0)
        if delay == NEVER:
            await asyncio.Event().wait()
        elif delay > 0:
            await asyncio.sleep(delay)
        chosen = self.answers.get(action)
        if isinstance(chosen, list):
            chosen = chosen.pop(0) if chosen else None
        base = default(request) if callable(default) else dict(default or ACCEPTED)
        if chosen is None:
            return request, base
        if isinstance(chosen, OCPPError):
            raise chosen
        if isinstance(chosen, str):
            return request, {**base, "status": chosen}
        if isinstance(chosen, dict):
            return request, dict(chosen)
        return request, dict(chosen(request))

    def result(self, action: str, answer: Payload) -> Any:
        """The library's CALLRESULT object for a camelCase answer (nested keys stay camelCase,
        which the library's own conversion leaves as they are)."""
        kind = getattr(self.call_results, action)
        return kind(**{_snake(key): value for key, value in answer.items()})

    async def respond(self, action: str, call_unique_id: str, default: Default = None) -> Any:
        _, answer = await self.reply(action, call_unique_id, default)
        return self.result(action, answer)


def _apply_list(
    current: dict[str, Payload | None], entries: list[Payload], key: str, info: str, full: bool
) -> dict[str, Payload | None]:
    updated: dict[str, Payload | None] = {} if full else dict(current)
    for entry in entries:
        token = entry[key]
        value = token["idToken"] if isinstance(token, dict) else token
        if entry.get(info) is None and not full:
            updated.pop(value, None)
        else:
            updated[value] = entry.get(info)
    return updated


class Answers16(AnswerBook):
    """Every CSMS-initiated OCPP 1.6 action (core, smart charging, reservations, local list,
    security extension) except firmware, diagnostics, logs and DataTransfer."""

    call_results = results16

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.configuration: dict[str, tuple[str, bool]] = {
            "HeartbeatInterval": ("300", False),
            "MeterValueSampleInterval": ("60", False),
            "NumberOfConnectors": ("2", True),
            "AuthorizeRemoteTxRequests": ("false", False),
            "LocalAuthListEnabled": ("true", False),
        }
        """key → (value, read-only)"""
        self.local_list_version = 0
        self.local_list: dict[str, Payload | None] = {}
        """idTag → idTagInfo, as the accepted SendLocalList CALLs left it."""
        self.charging_profiles: list[Payload] = []
        super().__init__(*args, **kwargs)

    @on("RemoteStartTransaction")
    async def on_remote_start_transaction(self, call_unique_id: str, **_: Any) -> Any:
        return await self.respond("RemoteStartTransaction", call_unique_id)

    @on("RemoteStopTransaction")
    async def on_remote_stop_transaction(self, call_unique_id: str, **_: Any) -> Any:
        return await self.respond("RemoteStopTransaction", call_unique_id)

    @on("Reset")
    async def on_reset(self, call_unique_id: str, **_: Any) -> Any:
        return await self.respond("Reset", call_unique_id)

    @on("ChangeAvailability")
    async def on_change_availability(self, call_unique_id: str, **_: Any) -> Any:
        return await self.respond("ChangeAvailability", call_unique_id)

    @on("UnlockConnector")
    async def on_unlock_connector(self, call_unique_id: str, **_: Any) -> Any:
        return await self.respond("UnlockConnector", call_unique_id, {"status": "Unlocked"})

    def _configuration(self, request: Payload) -> Payload:
        wanted = request.get("key") or list(self.configuration)
        known = [
            {
                "key": key,
                "readonly": self.configuration[key][1],
                "value": self.configuration[key][0],
            }
            for key in wanted
            if key in self.configuration
        ]
        answer: Payload = {"configurationKey": known}
        unknown = [key for key in wanted if key not in self.configuration]
        if unknown:
            answer["unknownKey"] = unknown
        return answer

    @on("GetConfiguration")
    async def on_get_configuration(self, call_unique_id: str, **_: Any) -> Any:
        return await self.respond("GetConfiguration", call_unique_id, self._configuration)

    def _change_status(self, request: Payload) -> Payload:
        known = self.configuration.get(request["key"])
        if known is None:
            return {"status": "NotSupported"}
        return {"status": "Rejected" if known[1] else "Accepted"}

    @on("ChangeConfiguration")
    async def on_change_configuration(self, call_unique_id: str, **_: Any) -> Any:
        request, answer = await self.reply(
            "ChangeConfiguration", call_unique_id, self._change_status
        )
        if answer.get("status") in ("Accepted", "RebootRequired"):
            self.configuration[request["key"]] = (request["value"], False)
        return self.result("ChangeConfiguration", answer)

    @on("TriggerMessage")
    async def on_trigger(self, call_unique_id: str, **_: Any) -> Any:
        return await self.respond("TriggerMessage", call_unique_id)

    @on("ClearCache")
    async def on_clear_cache(self, call_unique_id: str, **_: Any) -> Any:
        return await self.respond("ClearCache", call_unique_id)

    @on("SendLocalList")
    async def on_send_local_list(self, call_unique_id: str, **_: Any) -> Any:
        request, answer = await self.reply("SendLocalList", call_unique_id)
        if answer.get("status") == "Accepted":
            self.local_list_version = int(request["listVersion"])
            self.local_list = _apply_list(
                self.local_list,
                request.get("localAuthorizationList") or [],
                "idTag",
                "idTagInfo",
                request["updateType"] == "Full",
            )
        return self.result("SendLocalList", answer)

    @on("GetLocalListVersion")
    async def on_get_local_list_version(self, call_unique_id: str, **_: Any) -> Any:
        return await self.respond(
            "GetLocalListVersion",
            call_unique_id,
            lambda _: {"listVersion": self.local_list_version},
        )

    @on("ReserveNow")
    async def on_reserve_now(self, call_unique_id: str, **_: Any) -> Any:
        return await self.respond("ReserveNow", call_unique_id)

    @on("CancelReservation")
    async def on_cancel_reservation(self, call_unique_id: str, **_: Any) -> Any:
        return await self.respond("CancelReservation", call_unique_id)

    @on("SetChargingProfile")
    async def on_set_charging_profile(self, call_unique_id: str, **_: Any) -> Any:
        request, answer = await self.reply("SetChargingProfile", call_unique_id)
        if answer.get("status") == "Accepted":
            self.charging_profiles.append(request)
        return self.result("SetChargingProfile", answer)

    @on("ClearChargingProfile")
    async def on_clear_charging_profile(self, call_unique_id: str, **_: Any) -> Any:
        request, answer = await self.reply("ClearChargingProfile", call_unique_id)
        if answer.get("status") == "Accepted":
            wanted = request.get("id")
            self.charging_profiles = [
                p
                for p in self.charging_profiles
                if wanted is not None and p["csChargingProfiles"]["chargingProfileId"] != wanted
            ]
        return self.result("ClearChargingProfile", answer)

    @staticmethod
    def _composite(request: Payload) -> Payload:
        return {
            "status": "Accepted",
            "connectorId": request["connectorId"],
            "scheduleStart": now_iso(),
            "chargingSchedule": {
                "duration": request["duration"],
                "chargingRateUnit": request.get("chargingRateUnit") or "A",
                "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 16.0, "numberPhases": 3}],
            },
        }

    @on("GetCompositeSchedule")
    async def on_get_composite_schedule(self, call_unique_id: str, **_: Any) -> Any:
        return await self.respond("GetCompositeSchedule", call_unique_id, self._composite)

    # Security extension (OCPP 1.6 security whitepaper) -----------------------------------------

    @on("ExtendedTriggerMessage")
    async def on_extended_trigger_message(self, call_unique_id: str, **_: Any) -> Any:
        return await self.respond("ExtendedTriggerMessage", call_unique_id)

    @on("CertificateSigned")
    async def on_certificate_signed(self, call_unique_id: str, **_: Any) -> Any:
        return await self.respond("CertificateSigned", call_unique_id)

    @on("InstallCertificate")
    async def on_install_certificate(self, call_unique_id: str, **_: Any) -> Any:
        return await self.respond("InstallCertificate", call_unique_id)

    @on("DeleteCertificate")
    async def on_delete_certificate(self, call_unique_id: str, **_: Any) -> Any:
        return await self.respond("DeleteCertificate", call_unique_id, {"status": "NotFound"})

    @on("GetInstalledCertificateIds")
    async def on_get_installed_certificate_ids(self, call_unique_id: str, **_: Any) -> Any:
        return await self.respond(
            "GetInstalledCertificateIds", call_unique_id, {"status": "NotFound"}
        )


class Answers201(AnswerBook):
    """Every CSMS-initiated OCPP 2.0.1 action except firmware, logs and DataTransfer."""

    call_results = results201

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.variables: dict[tuple[str, str], str] = {
            ("OCPPCommCtrlr", "HeartbeatInterval"): "300",
            ("SampledDataCtrlr", "TxUpdatedInterval"): "60",
            ("AuthCtrlr", "AuthorizeRemoteStart"): "false",
            ("LocalAuthListCtrlr", "Enabled"): "true",
            ("EVSE", "AvailabilityState"): "Available",
        }
        """(component, variable) → Actual value"""
        self.local_list_version = 0
        self.local_list: dict[str, Payload | None] = {}
        """idToken → idTokenInfo, as the accepted SendLocalList CALLs left it."""
        self.charging_profiles: list[Payload] = []
        self.display_messages: dict[int, Payload] = {}
        super().__init__(*args, **kwargs)

    @on("RequestStartTransaction")
    async def on_request_start_transaction(self, call_unique_id: str, **_: Any) -> Any:
        return await self.respond("RequestStartTransaction", call_unique_id)

    @on("RequestStopTransaction")
    async def on_request_stop_transaction(self, call_unique_id: str, **_: Any) -> Any:
        return await self.respond("RequestStopTransaction", call_unique_id)

    @on("Reset")
    async def on_reset(self, call_unique_id: str, **_: Any) -> Any:
        return await self.respond("Reset", call_unique_id)

    @on("TriggerMessage")
    async def on_trigger(self, call_unique_id: str, **_: Any) -> Any:
        return await self.respond("TriggerMessage", call_unique_id)

    @on("GetBaseReport")
    async def on_get_base_report(self, call_unique_id: str, **_: Any) -> Any:
        return await self.respond("GetBaseReport", call_unique_id)

    @on("ChangeAvailability")
    async def on_change_availability(self, call_unique_id: str, **_: Any) -> Any:
        return await self.respond("ChangeAvailability", call_unique_id)

    @on("UnlockConnector")
    async def on_unlock_connector(self, call_unique_id: str, **_: Any) -> Any:
        return await self.respond("UnlockConnector", call_unique_id, {"status": "Unlocked"})

    def _variable_results(self, request: Payload) -> Payload:
        results = []
        for item in request["getVariableData"]:
            value = self.variables.get((item["component"]["name"], item["variable"]["name"]))
            result: Payload = {
                "attributeStatus": "Accepted" if value is not None else "UnknownVariable",
                "component": item["component"],
                "variable": item["variable"],
            }
            if item.get("attributeType"):
                result["attributeType"] = item["attributeType"]
            if value is not None:
                result["attributeValue"] = value
            results.append(result)
        return {"getVariableResult": results}

    @on("GetVariables")
    async def on_get_variables(self, call_unique_id: str, **_: Any) -> Any:
        return await self.respond("GetVariables", call_unique_id, self._variable_results)

    def _set_results(self, request: Payload) -> Payload:
        results = []
        for item in request["setVariableData"]:
            known = (item["component"]["name"], item["variable"]["name"]) in self.variables
            result: Payload = {
                "attributeStatus": "Accepted" if known else "UnknownVariable",
                "component": item["component"],
                "variable": item["variable"],
            }
            if item.get("attributeType"):
                result["attributeType"] = item["attributeType"]
            results.append(result)
        return {"setVariableResult": results}

    @on("SetVariables")
    async def on_set_variables(self, call_unique_id: str, **_: Any) -> Any:
        request, answer = await self.reply("SetVariables", call_unique_id, self._set_results)
        values = {
            (item["component"]["name"], item["variable"]["name"]): item["attributeValue"]
            for item in request.get("setVariableData") or []
        }
        for result in answer.get("setVariableResult") or []:
            key = (result["component"]["name"], result["variable"]["name"])
            if result["attributeStatus"] in ("Accepted", "RebootRequired") and key in values:
                self.variables[key] = values[key]
        return self.result("SetVariables", answer)

    @on("GetReport")
    async def on_get_report(self, call_unique_id: str, **_: Any) -> Any:
        return await self.respond("GetReport", call_unique_id)

    @on("ClearCache")
    async def on_clear_cache(self, call_unique_id: str, **_: Any) -> Any:
        return await self.respond("ClearCache", call_unique_id)

    @on("SendLocalList")
    async def on_send_local_list(self, call_unique_id: str, **_: Any) -> Any:
        request, answer = await self.reply("SendLocalList", call_unique_id)
        if answer.get("status") == "Accepted":
            self.local_list_version = int(request["versionNumber"])
            self.local_list = _apply_list(
                self.local_list,
                request.get("localAuthorizationList") or [],
                "idToken",
                "idTokenInfo",
                request["updateType"] == "Full",
            )
        return self.result("SendLocalList", answer)

    @on("GetLocalListVersion")
    async def on_get_local_list_version(self, call_unique_id: str, **_: Any) -> Any:
        return await self.respond(
            "GetLocalListVersion",
            call_unique_id,
            lambda _: {"versionNumber": self.local_list_version},
        )

    @on("ReserveNow")
    async def on_reserve_now(self, call_unique_id: str, **_: Any) -> Any:
        return await self.respond("ReserveNow", call_unique_id)

    @on("CancelReservation")
    async def on_cancel_reservation(self, call_unique_id: str, **_: Any) -> Any:
        return await self.respond("CancelReservation", call_unique_id)

    @on("SetChargingProfile")
    async def on_set_charging_profile(self, call_unique_id: str, **_: Any) -> Any:
        request, answer = await self.reply("SetChargingProfile", call_unique_id)
        if answer.get("status") == "Accepted":
            self.charging_profiles.append(request)
        return self.result("SetChargingProfile", answer)

    @on("ClearChargingProfile")
    async def on_clear_charging_profile(self, call_unique_id: str, **_: Any) -> Any:
        request, answer = await self.reply("ClearChargingProfile", call_unique_id)
        if answer.get("status") == "Accepted":
            wanted = request.get("chargingProfileId")
            self.charging_profiles = [
                p
                for p in self.charging_profiles
                if wanted is not None and p["chargingProfile"]["id"] != wanted
            ]
        return self.result("ClearChargingProfile", answer)

    @on("GetChargingProfiles")
    async def on_get_charging_profiles(self, call_unique_id: str, **_: Any) -> Any:
        return await self.respond(
            "GetChargingProfiles",
            call_unique_id,
            lambda _: {"status": "Accepted" if self.charging_profiles else "NoProfiles"},
        )

    @staticmethod
    def _composite(request: Payload) -> Payload:
        return {
            "status": "Accepted",
            "schedule": {
                "evseId": request["evseId"],
                "duration": request["duration"],
                "scheduleStart": now_iso(),
                "chargingRateUnit": request.get("chargingRateUnit") or "W",
                "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 11000.0}],
            },
        }

    @on("GetCompositeSchedule")
    async def on_get_composite_schedule(self, call_unique_id: str, **_: Any) -> Any:
        return await self.respond("GetCompositeSchedule", call_unique_id, self._composite)

    @on("SetDisplayMessage")
    async def on_set_display_message(self, call_unique_id: str, **_: Any) -> Any:
        request, answer = await self.reply("SetDisplayMessage", call_unique_id)
        if answer.get("status") == "Accepted":
            self.display_messages[int(request["message"]["id"])] = request["message"]
        return self.result("SetDisplayMessage", answer)

    @on("GetDisplayMessages")
    async def on_get_display_messages(self, call_unique_id: str, **_: Any) -> Any:
        return await self.respond(
            "GetDisplayMessages",
            call_unique_id,
            lambda _: {"status": "Accepted" if self.display_messages else "Unknown"},
        )

    @on("ClearDisplayMessage")
    async def on_clear_display_message(self, call_unique_id: str, **_: Any) -> Any:
        request, answer = await self.reply(
            "ClearDisplayMessage",
            call_unique_id,
            lambda r: {
                "status": "Accepted" if int(r["id"]) in self.display_messages else "Unknown"
            },
        )
        if answer.get("status") == "Accepted":
            self.display_messages.pop(int(request["id"]), None)
        return self.result("ClearDisplayMessage", answer)

    # Monitoring, security, tariffs, customer information, network ------------------------------

    @on("GetTransactionStatus")
    async def on_get_transaction_status(self, call_unique_id: str, **_: Any) -> Any:
        return await self.respond(
            "GetTransactionStatus", call_unique_id, {"messagesInQueue": False}
        )

    @on("CostUpdated")
    async def on_cost_updated(self, call_unique_id: str, **_: Any) -> Any:
        return await self.respond("CostUpdated", call_unique_id, lambda _: {})

    @on("CustomerInformation")
    async def on_customer_information(self, call_unique_id: str, **_: Any) -> Any:
        return await self.respond("CustomerInformation", call_unique_id)

    @on("SetNetworkProfile")
    async def on_set_network_profile(self, call_unique_id: str, **_: Any) -> Any:
        return await self.respond("SetNetworkProfile", call_unique_id)

    @on("GetMonitoringReport")
    async def on_get_monitoring_report(self, call_unique_id: str, **_: Any) -> Any:
        return await self.respond("GetMonitoringReport", call_unique_id)

    @on("SetMonitoringBase")
    async def on_set_monitoring_base(self, call_unique_id: str, **_: Any) -> Any:
        return await self.respond("SetMonitoringBase", call_unique_id)

    @on("SetMonitoringLevel")
    async def on_set_monitoring_level(self, call_unique_id: str, **_: Any) -> Any:
        return await self.respond("SetMonitoringLevel", call_unique_id)

    @staticmethod
    def _monitors_set(request: Payload) -> Payload:
        return {
            "setMonitoringResult": [
                {
                    "status": "Accepted",
                    "type": item["type"],
                    "severity": item["severity"],
                    "component": item["component"],
                    "variable": item["variable"],
                    "id": n + 1,
                }
                for n, item in enumerate(request["setMonitoringData"])
            ]
        }

    @on("SetVariableMonitoring")
    async def on_set_variable_monitoring(self, call_unique_id: str, **_: Any) -> Any:
        return await self.respond("SetVariableMonitoring", call_unique_id, self._monitors_set)

    @on("ClearVariableMonitoring")
    async def on_clear_variable_monitoring(self, call_unique_id: str, **_: Any) -> Any:
        return await self.respond(
            "ClearVariableMonitoring",
            call_unique_id,
            lambda r: {"clearMonitoringResult": [{"status": "Accepted", "id": i} for i in r["id"]]},
        )

    @on("CertificateSigned")
    async def on_certificate_signed(self, call_unique_id: str, **_: Any) -> Any:
        return await self.respond("CertificateSigned", call_unique_id)

    @on("InstallCertificate")
    async def on_install_certificate(self, call_unique_id: str, **_: Any) -> Any:
        return await self.respond("InstallCertificate", call_unique_id)

    @on("DeleteCertificate")
    async def on_delete_certificate(self, call_unique_id: str, **_: Any) -> Any:
        return await self.respond("DeleteCertificate", call_unique_id, {"status": "NotFound"})

    @on("GetInstalledCertificateIds")
    async def on_get_installed_certificate_ids(self, call_unique_id: str, **_: Any) -> Any:
        return await self.respond(
            "GetInstalledCertificateIds", call_unique_id, {"status": "NotFound"}
        )
