"""Version-neutral commands as OCPP 2.0.1 CALLs. The command id is the requestId (or the
remoteStartId) so that the station's later notifications name the command."""

from __future__ import annotations

from typing import Any

from kilowatt.domain.commands import CommandStatus, Operation, Outcome
from kilowatt.domain.local_list import is_removal
from kilowatt.domain.station_security import APPLIED
from kilowatt.ocpp.commands import (
    REDACTED,
    SECRET,
    Payload,
    Translation,
    by_status,
    certificate_hash,
    get_log,
    log_read,
    neutral_hash,
    optional,
    signed_firmware,
    timestamp,
)

SECURITY_CTRLR = "SecurityCtrlr"
BASIC_AUTH_PASSWORD = "BasicAuthPassword"  # noqa: S105 (a variable name)


def _token(value: str, token_type: str | None) -> Payload:
    return {"idToken": value, "type": token_type or "ISO14443"}


def _evse(params: Payload) -> Payload | None:
    if not params.get("evse_id"):
        return None
    return optional({"id": int(params["evse_id"])}, connectorId=params.get("connector_id"))


def _remote_start(params: Payload, command_id: int) -> Payload:
    return optional(
        {
            "idToken": _token(params["id_tag"], params.get("id_token_type")),
            "remoteStartId": command_id,
        },
        evseId=params.get("evse_id"),
        chargingProfile=params.get("charging_profile"),
    )


def _remote_start_read(params: Payload, answer: Payload) -> Outcome:
    return by_status(answer, {"transaction_id": answer.get("transactionId")})


def _reset(params: Payload, command_id: int) -> Payload:
    kind = "Immediate" if params["type"] in ("hard", "immediate") else "OnIdle"
    return optional({"type": kind}, evseId=params.get("evse_id"))


def _availability(params: Payload, command_id: int) -> Payload:
    return optional(
        {"operationalStatus": "Operative" if params["operative"] else "Inoperative"},
        evse=_evse(params),
    )


def _variable_ref(item: Payload) -> Payload:
    component: Payload = optional(
        {"name": item["component"]}, instance=item.get("component_instance") or None
    )
    if item.get("evse_id"):
        component["evse"] = optional(
            {"id": int(item["evse_id"])}, connectorId=item.get("connector_id") or None
        )
    return {
        "component": component,
        "variable": optional(
            {"name": item["variable"]}, instance=item.get("variable_instance") or None
        ),
    }


def _neutral(result: Payload) -> Payload:
    component, variable = result["component"], result["variable"]
    evse = component.get("evse") or {}
    return {
        "component": component["name"],
        "component_instance": component.get("instance", ""),
        "evse_id": evse.get("id", 0),
        "connector_id": evse.get("connectorId", 0),
        "variable": variable["name"],
        "variable_instance": variable.get("instance", ""),
        "attribute_type": result.get("attributeType", "Actual"),
    }


def _get_variables(params: Payload, command_id: int) -> Payload:
    return {
        "getVariableData": [
            optional(_variable_ref(item), attributeType=item.get("attribute_type"))
            for item in params["variables"]
        ]
    }


def _variables_read(params: Payload, answer: Payload) -> Outcome:
    results = answer.get("getVariableResult") or []
    settings = [
        {**_neutral(r), "value": r.get("attributeValue")}
        for r in results
        if r["attributeStatus"] == "Accepted"
    ]
    refused = [
        {**_neutral(r), "status": r["attributeStatus"]}
        for r in results
        if r["attributeStatus"] != "Accepted"
    ]
    return Outcome(CommandStatus.ACCEPTED, answer, data={"settings": settings, "refused": refused})


def _set_variables(params: Payload, command_id: int) -> Payload:
    for item in params["variables"]:
        if (str(item["component"]), str(item["variable"])) == (
            SECURITY_CTRLR,
            BASIC_AUTH_PASSWORD,
        ):
            raise ValueError(
                "SecurityCtrlr.BasicAuthPassword (the station's password) is set by the "
                "rotate_password command"
            )
    return {
        "setVariableData": [
            optional(
                {**_variable_ref(item), "attributeValue": str(item["value"])},
                attributeType=item.get("attribute_type"),
            )
            for item in params["variables"]
        ]
    }


def _key(neutral: Payload) -> tuple[Any, ...]:
    return tuple(
        neutral[name]
        for name in (
            "component",
            "component_instance",
            "evse_id",
            "connector_id",
            "variable",
            "variable_instance",
            "attribute_type",
        )
    )


def _param_key(item: Payload) -> tuple[Any, ...]:
    return _key(
        {
            "component": item["component"],
            "component_instance": item.get("component_instance") or "",
            "evse_id": int(item.get("evse_id") or 0),
            "connector_id": int(item.get("connector_id") or 0),
            "variable": item["variable"],
            "variable_instance": item.get("variable_instance") or "",
            "attribute_type": item.get("attribute_type") or "Actual",
        }
    )


def _variables_written(params: Payload, answer: Payload) -> Outcome:
    """The values the station took; the command is rejected when any was refused."""
    asked = {_param_key(item): str(item["value"]) for item in params["variables"]}
    settings, refused = [], []
    for result in answer.get("setVariableResult") or []:
        neutral = _neutral(result)
        if result["attributeStatus"] in ("Accepted", "RebootRequired"):
            settings.append({**neutral, "value": asked.get(_key(neutral))})
        else:
            refused.append({**neutral, "status": result["attributeStatus"]})
    status = CommandStatus.ACCEPTED if not refused else CommandStatus.REJECTED
    error = "" if not refused else f"{len(refused)} variable(s) refused"
    return Outcome(status, answer, error, data={"settings": settings, "refused": refused})


ID_TOKEN_LENGTH = 36  # IdTokenType.idToken maxLength


def _local_list(params: Payload, command_id: int) -> Payload:
    """Tokens longer than a 2.0.1 idToken are left out; an empty list is no list at all."""
    entries = []
    for tag, data in sorted(params["entries"].items()):
        if len(tag) > ID_TOKEN_LENGTH:
            continue
        entry: Payload = {"idToken": _token(tag, data.get("type"))}
        if not is_removal(data):
            entry["idTokenInfo"] = optional(
                {"status": data["status"]},
                cacheExpiryDateTime=timestamp(data["expires_at"])
                if data.get("expires_at")
                else None,
                groupIdToken=_token(str(data["group_id"]), "Central")
                if data.get("group_id")
                else None,
            )
        entries.append(entry)
    return optional(
        {
            "versionNumber": int(params["version"]),
            "updateType": "Full" if params["update_type"] == "full" else "Differential",
        },
        localAuthorizationList=entries or None,
    )


def _reserve(params: Payload, command_id: int) -> Payload:
    return optional(
        {
            "id": int(params["reservation_id"]),
            "expiryDateTime": timestamp(params["expires_at"]),
            "idToken": _token(params["id_tag"], params.get("id_token_type")),
        },
        evseId=params.get("evse_id") or None,
    )


def _clear_profile(params: Payload, command_id: int) -> Payload:
    criteria = optional(
        {},
        evseId=params.get("evse_id"),
        chargingProfilePurpose=params.get("purpose"),
        stackLevel=params.get("stack_level"),
    )
    return optional(
        {}, chargingProfileId=params.get("profile_id"), chargingProfileCriteria=criteria or None
    )


def _composite(params: Payload, command_id: int) -> Payload:
    return optional(
        {"evseId": int(params.get("evse_id") or 0), "duration": int(params["duration"])},
        chargingRateUnit=params.get("rate_unit"),
    )


def _profiles(params: Payload, command_id: int) -> Payload:
    criteria = optional(
        {},
        chargingProfilePurpose=params.get("purpose"),
        stackLevel=params.get("stack_level"),
        chargingProfileId=params.get("profile_ids"),
    )
    return optional(
        {"requestId": command_id, "chargingProfile": criteria}, evseId=params.get("evse_id")
    )


def _firmware(params: Payload, command_id: int) -> Payload:
    firmware = optional(
        {"location": params["location"], "retrieveDateTime": timestamp(params["retrieve_at"])},
        installDateTime=timestamp(params["install_at"]) if params.get("install_at") else None,
        signingCertificate=params.get("signing_certificate"),
        signature=params.get("signature"),
    )
    return optional(
        {"requestId": command_id, "firmware": firmware},
        retries=params.get("retries"),
        retryInterval=params.get("retry_interval"),
    )


def _rotate(params: Payload, command_id: int) -> Payload:
    return {
        "setVariableData": [
            {
                "component": {"name": SECURITY_CTRLR},
                "variable": {"name": BASIC_AUTH_PASSWORD},
                "attributeValue": params[SECRET],
            }
        ]
    }


def _rotate_redacted(payload: Payload) -> Payload:
    return {
        "setVariableData": [
            {**item, "attributeValue": REDACTED} for item in payload["setVariableData"]
        ]
    }


def _rotate_read(params: Payload, answer: Payload) -> Outcome:
    results = answer.get("setVariableResult") or []
    status = results[0]["attributeStatus"] if results else "Rejected"
    if status in ("Accepted", "RebootRequired"):
        applied = "now" if status == "Accepted" else "after_reboot"
        return Outcome(CommandStatus.ACCEPTED, answer, data={APPLIED: applied})
    info = (results[0].get("attributeStatusInfo") or {}) if results else {}
    reason = f" ({info['reasonCode']})" if info.get("reasonCode") else ""
    return Outcome(CommandStatus.REJECTED, answer, error=f"station answered {status}{reason}")


# Certificate types by their neutral names.
INSTALL_TYPES = {
    "csms_root": "CSMSRootCertificate",
    "manufacturer_root": "ManufacturerRootCertificate",
    "v2g_root": "V2GRootCertificate",
    "mo_root": "MORootCertificate",
}
ID_TYPES = {**INSTALL_TYPES, "v2g_chain": "V2GCertificateChain"}
NEUTRAL_TYPES = {value: key for key, value in ID_TYPES.items()}


def _installed_ids(params: Payload, command_id: int) -> Payload:
    types = [ID_TYPES[name] for name in params.get("certificate_types") or []]
    return optional({}, certificateType=types or None)


def _installed_read(params: Payload, answer: Payload) -> Outcome:
    certificates = []
    for item in answer.get("certificateHashDataChain") or []:
        kind = NEUTRAL_TYPES.get(item.get("certificateType", ""), item.get("certificateType"))
        certificates.append(neutral_hash(item["certificateHashData"], kind))
        certificates += [
            {**neutral_hash(child, kind), "child": True}
            for child in item.get("childCertificateHashData") or []
        ]
    if answer.get("status") in ("Accepted", "NotFound"):
        return Outcome(CommandStatus.ACCEPTED, answer, data={"certificates": certificates})
    return by_status(answer)


def _signed_firmware(params: Payload, command_id: int) -> Payload:
    return optional(
        {"requestId": command_id, "firmware": signed_firmware(params)},
        retries=params.get("retries"),
        retryInterval=params.get("retry_interval"),
    )


def _data_transfer(params: Payload, command_id: int) -> Payload:
    return optional(
        {"vendorId": params["vendor_id"]},
        messageId=params.get("message_id"),
        data=params.get("data"),
    )


def _data_read(params: Payload, answer: Payload) -> Outcome:
    return by_status(answer, {"data": answer.get("data")})


def _schedule_read(params: Payload, answer: Payload) -> Outcome:
    return by_status(answer, {"schedule": answer.get("schedule")})


COMMANDS: dict[Operation, Translation] = {
    Operation.REMOTE_START: Translation(
        "RequestStartTransaction", _remote_start, _remote_start_read
    ),
    Operation.REMOTE_STOP: Translation(
        "RequestStopTransaction",
        lambda p, _: {"transactionId": str(p["ocpp_transaction_id"])},
    ),
    Operation.RESET: Translation("Reset", _reset),
    Operation.CHANGE_AVAILABILITY: Translation("ChangeAvailability", _availability),
    Operation.UNLOCK_CONNECTOR: Translation(
        "UnlockConnector",
        lambda p, _: {
            "evseId": int(p["evse_id"]),
            "connectorId": int(p.get("connector_id") or 1),
        },
    ),
    Operation.GET_VARIABLES: Translation("GetVariables", _get_variables, _variables_read),
    Operation.SET_VARIABLES: Translation("SetVariables", _set_variables, _variables_written),
    Operation.GET_BASE_REPORT: Translation(
        "GetBaseReport", lambda p, cid: {"requestId": cid, "reportBase": p["report_base"]}
    ),
    Operation.GET_REPORT: Translation(
        "GetReport",
        lambda p, cid: optional(
            {"requestId": cid},
            componentVariable=[_variable_ref(v) for v in p["variables"]]
            if p.get("variables")
            else None,
            componentCriteria=p.get("criteria") or None,
        ),
    ),
    Operation.TRIGGER_MESSAGE: Translation(
        "TriggerMessage",
        lambda p, _: optional({"requestedMessage": p["message"]}, evse=_evse(p)),
    ),
    Operation.CLEAR_CACHE: Translation("ClearCache", lambda p, _: {}),
    Operation.DATA_TRANSFER: Translation("DataTransfer", _data_transfer, _data_read),
    Operation.VENDOR: Translation("DataTransfer", _data_transfer, _data_read),
    Operation.SEND_LOCAL_LIST: Translation("SendLocalList", _local_list),
    Operation.GET_LOCAL_LIST_VERSION: Translation(
        "GetLocalListVersion",
        lambda p, _: {},
        lambda p, a: Outcome(CommandStatus.ACCEPTED, a, data={"version": a["versionNumber"]}),
    ),
    Operation.RESERVE_NOW: Translation("ReserveNow", _reserve),
    Operation.CANCEL_RESERVATION: Translation(
        "CancelReservation", lambda p, _: {"reservationId": int(p["reservation_id"])}
    ),
    Operation.SET_CHARGING_PROFILE: Translation(
        "SetChargingProfile",
        lambda p, _: {
            "evseId": int(p.get("evse_id") or 0),
            "chargingProfile": p["charging_profile"],
        },
    ),
    Operation.CLEAR_CHARGING_PROFILE: Translation("ClearChargingProfile", _clear_profile),
    Operation.GET_COMPOSITE_SCHEDULE: Translation(
        "GetCompositeSchedule", _composite, _schedule_read
    ),
    Operation.GET_CHARGING_PROFILES: Translation("GetChargingProfiles", _profiles),
    Operation.SET_DISPLAY_MESSAGE: Translation(
        "SetDisplayMessage", lambda p, _: {"message": p["message"]}
    ),
    Operation.GET_DISPLAY_MESSAGES: Translation(
        "GetDisplayMessages",
        lambda p, cid: optional(
            {"requestId": cid},
            id=p.get("ids"),
            priority=p.get("priority"),
            state=p.get("state"),
        ),
    ),
    Operation.CLEAR_DISPLAY_MESSAGE: Translation(
        "ClearDisplayMessage", lambda p, _: {"id": int(p["id"])}
    ),
    Operation.UPDATE_FIRMWARE: Translation("UpdateFirmware", _firmware),
    Operation.GET_DIAGNOSTICS: Translation("GetLog", get_log, log_read),
    # Security (blocks A and M)
    Operation.ROTATE_PASSWORD: Translation(
        "SetVariables", _rotate, _rotate_read, secret=True, redact=_rotate_redacted
    ),
    Operation.INSTALL_CERTIFICATE: Translation(
        "InstallCertificate",
        lambda p, _: {
            "certificateType": INSTALL_TYPES[p["certificate_type"]],
            "certificate": p["certificate"],
        },
    ),
    Operation.DELETE_CERTIFICATE: Translation(
        "DeleteCertificate", lambda p, _: {"certificateHashData": certificate_hash(p)}
    ),
    Operation.GET_INSTALLED_CERTIFICATE_IDS: Translation(
        "GetInstalledCertificateIds", _installed_ids, _installed_read
    ),
    Operation.GET_LOG: Translation("GetLog", get_log, log_read),
    Operation.SIGNED_UPDATE_FIRMWARE: Translation("UpdateFirmware", _signed_firmware),
}
