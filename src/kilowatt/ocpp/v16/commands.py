"""Version-neutral commands as OCPP 1.6 CALLs. 1.6 connector n is EVSE n; 0 the station."""

from __future__ import annotations

import json

from kilowatt.domain.commands import CommandStatus, Operation, Outcome
from kilowatt.domain.local_list import is_removal
from kilowatt.domain.station_security import APPLIED, authorization_key
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

CONFIGURATION = "Configuration"
AUTHORIZATION_KEY = "AuthorizationKey"


def _remote_start(params: Payload, command_id: int) -> Payload:
    return optional(
        {"idTag": params["id_tag"]},
        connectorId=params.get("evse_id"),
        chargingProfile=params.get("charging_profile"),
    )


def _reset(params: Payload, command_id: int) -> Payload:
    return {"type": "Hard" if params["type"] in ("hard", "immediate") else "Soft"}


def _availability(params: Payload, command_id: int) -> Payload:
    return {
        "connectorId": int(params.get("evse_id") or 0),
        "type": "Operative" if params["operative"] else "Inoperative",
    }


def _configuration_read(params: Payload, answer: Payload) -> Outcome:
    settings = [
        {
            "component": CONFIGURATION,
            "variable": item["key"],
            "value": item.get("value"),
            "mutability": "ReadOnly" if item.get("readonly") else "ReadWrite",
        }
        for item in answer.get("configurationKey") or []
    ]
    return Outcome(
        CommandStatus.ACCEPTED,
        answer,
        data={"settings": settings, "unknown": list(answer.get("unknownKey") or [])},
    )


def _change_configuration(params: Payload, command_id: int) -> Payload:
    if str(params["key"]).lower() == AUTHORIZATION_KEY.lower():
        raise ValueError(
            "the AuthorizationKey (the station's password) is set by the rotate_password command"
        )
    return {"key": params["key"], "value": str(params["value"])}


def _configuration_changed(params: Payload, answer: Payload) -> Outcome:
    settings = []
    if answer.get("status") in ("Accepted", "RebootRequired"):
        settings = [
            {"component": CONFIGURATION, "variable": params["key"], "value": params["value"]}
        ]
    return by_status(answer, {"settings": settings})


def _id_tag_info(data: Payload) -> Payload:
    return optional(
        {"status": data["status"]},
        expiryDate=timestamp(data["expires_at"]) if data.get("expires_at") else None,
        parentIdTag=(data.get("group_id") or None) and str(data["group_id"])[:ID_TAG_LENGTH],
    )


ID_TAG_LENGTH = 20  # IdToken is CiString20Type


def _local_list(params: Payload, command_id: int) -> Payload:
    """Tokens longer than a 1.6 idTag are left out: cut short they would name another card."""
    entries = [
        {"idTag": tag} if is_removal(data) else {"idTag": tag, "idTagInfo": _id_tag_info(data)}
        for tag, data in sorted(params["entries"].items())
        if len(tag) <= ID_TAG_LENGTH
    ]
    return optional(
        {
            "listVersion": int(params["version"]),
            "updateType": "Full" if params["update_type"] == "full" else "Differential",
        },
        localAuthorizationList=entries or None,
    )


def _version_read(params: Payload, answer: Payload) -> Outcome:
    return Outcome(CommandStatus.ACCEPTED, answer, data={"version": answer["listVersion"]})


def _reserve(params: Payload, command_id: int) -> Payload:
    return optional(
        {
            "connectorId": int(params.get("evse_id") or 0),
            "expiryDate": timestamp(params["expires_at"]),
            "idTag": params["id_tag"],
            "reservationId": int(params["reservation_id"]),
        },
        parentIdTag=params.get("group_id"),
    )


def _clear_profile(params: Payload, command_id: int) -> Payload:
    return optional(
        {},
        id=params.get("profile_id"),
        connectorId=params.get("evse_id"),
        chargingProfilePurpose=params.get("purpose"),
        stackLevel=params.get("stack_level"),
    )


def _composite(params: Payload, command_id: int) -> Payload:
    return optional(
        {"connectorId": int(params.get("evse_id") or 0), "duration": int(params["duration"])},
        chargingRateUnit=params.get("rate_unit"),
    )


def _schedule_read(params: Payload, answer: Payload) -> Outcome:
    return by_status(answer, {"schedule": answer.get("chargingSchedule")})


def _firmware(params: Payload, command_id: int) -> Payload:
    return optional(
        {"location": params["location"], "retrieveDate": timestamp(params["retrieve_at"])},
        retries=params.get("retries"),
        retryInterval=params.get("retry_interval"),
    )


def _diagnostics(params: Payload, command_id: int) -> Payload:
    return optional(
        {"location": params["location"]},
        retries=params.get("retries"),
        retryInterval=params.get("retry_interval"),
        startTime=timestamp(params["start"]) if params.get("start") else None,
        stopTime=timestamp(params["stop"]) if params.get("stop") else None,
    )


def _diagnostics_read(params: Payload, answer: Payload) -> Outcome:
    # 1.6 answers with the file name it will upload, or none when it has nothing to send.
    name = answer.get("fileName")
    if not name:
        return Outcome(CommandStatus.REJECTED, answer, error="the station has no diagnostics")
    return Outcome(CommandStatus.ACCEPTED, answer, data={"file_name": name})


def _rotate_read(params: Payload, answer: Payload) -> Outcome:
    status = answer.get("status")
    if status in ("Accepted", "RebootRequired"):
        applied = "now" if status == "Accepted" else "after_reboot"
        return Outcome(CommandStatus.ACCEPTED, answer, data={APPLIED: applied})
    return by_status(answer)


# Certificate types of the 1.6 security extension, by their neutral names.
INSTALL_TYPES = {
    "csms_root": "CentralSystemRootCertificate",
    "manufacturer_root": "ManufacturerRootCertificate",
}
NEUTRAL_TYPES = {value: key for key, value in INSTALL_TYPES.items()}


def _certificate_type(name: str) -> str:
    try:
        return INSTALL_TYPES[name]
    except KeyError:
        raise ValueError(f"an OCPP 1.6 station has no {name} certificates") from None


def _installed_ids(params: Payload, command_id: int) -> Payload:
    types = list(params.get("certificate_types") or [])
    if len(types) != 1:
        raise ValueError("an OCPP 1.6 station is asked for exactly one certificate type")
    return {"certificateType": _certificate_type(types[0])}


def _installed_read(params: Payload, answer: Payload) -> Outcome:
    kind = (params.get("certificate_types") or [None])[0]
    certificates = [neutral_hash(item, kind) for item in answer.get("certificateHashData") or []]
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
    data = params.get("data")
    return optional(
        {"vendorId": params["vendor_id"]},
        messageId=params.get("message_id"),
        # 1.6 data is a string: anything else travels as its JSON text (not Python's repr).
        data=data if data is None or isinstance(data, str) else json.dumps(data),
    )


def _data_read(params: Payload, answer: Payload) -> Outcome:
    return by_status(answer, {"data": answer.get("data")})


COMMANDS: dict[Operation, Translation] = {
    Operation.REMOTE_START: Translation("RemoteStartTransaction", _remote_start),
    Operation.REMOTE_STOP: Translation(
        "RemoteStopTransaction", lambda p, _: {"transactionId": int(p["transaction_id"])}
    ),
    Operation.RESET: Translation("Reset", _reset),
    Operation.CHANGE_AVAILABILITY: Translation("ChangeAvailability", _availability),
    Operation.UNLOCK_CONNECTOR: Translation(
        "UnlockConnector", lambda p, _: {"connectorId": int(p["evse_id"])}
    ),
    Operation.GET_CONFIGURATION: Translation(
        "GetConfiguration",
        lambda p, _: {"key": list(p["keys"])} if p.get("keys") else {},
        _configuration_read,
    ),
    Operation.CHANGE_CONFIGURATION: Translation(
        "ChangeConfiguration", _change_configuration, _configuration_changed
    ),
    Operation.TRIGGER_MESSAGE: Translation(
        "TriggerMessage",
        lambda p, _: optional({"requestedMessage": p["message"]}, connectorId=p.get("evse_id")),
    ),
    Operation.CLEAR_CACHE: Translation("ClearCache", lambda p, _: {}),
    Operation.DATA_TRANSFER: Translation("DataTransfer", _data_transfer, _data_read),
    Operation.VENDOR: Translation("DataTransfer", _data_transfer, _data_read),
    Operation.SEND_LOCAL_LIST: Translation("SendLocalList", _local_list),
    Operation.GET_LOCAL_LIST_VERSION: Translation(
        "GetLocalListVersion", lambda p, _: {}, _version_read
    ),
    Operation.RESERVE_NOW: Translation("ReserveNow", _reserve),
    Operation.CANCEL_RESERVATION: Translation(
        "CancelReservation", lambda p, _: {"reservationId": int(p["reservation_id"])}
    ),
    Operation.SET_CHARGING_PROFILE: Translation(
        "SetChargingProfile",
        lambda p, _: {
            "connectorId": int(p.get("evse_id") or 0),
            "csChargingProfiles": p["charging_profile"],
        },
    ),
    Operation.CLEAR_CHARGING_PROFILE: Translation("ClearChargingProfile", _clear_profile),
    Operation.GET_COMPOSITE_SCHEDULE: Translation(
        "GetCompositeSchedule", _composite, _schedule_read
    ),
    Operation.UPDATE_FIRMWARE: Translation("UpdateFirmware", _firmware),
    Operation.GET_DIAGNOSTICS: Translation("GetDiagnostics", _diagnostics, _diagnostics_read),
    # Security extension (Improved security for OCPP 1.6-J)
    Operation.ROTATE_PASSWORD: Translation(
        "ChangeConfiguration",
        lambda p, _: {"key": AUTHORIZATION_KEY, "value": authorization_key(p[SECRET])},
        _rotate_read,
        secret=True,
        redact=lambda payload: {**payload, "value": REDACTED},
    ),
    Operation.INSTALL_CERTIFICATE: Translation(
        "InstallCertificate",
        lambda p, _: {
            "certificateType": _certificate_type(p["certificate_type"]),
            "certificate": p["certificate"],
        },
    ),
    Operation.DELETE_CERTIFICATE: Translation(
        "DeleteCertificate", lambda p, _: {"certificateHashData": certificate_hash(p)}
    ),
    Operation.GET_INSTALLED_CERTIFICATE_IDS: Translation(
        "GetInstalledCertificateIds", _installed_ids, _installed_read
    ),
    Operation.EXTENDED_TRIGGER_MESSAGE: Translation(
        "ExtendedTriggerMessage",
        lambda p, _: optional({"requestedMessage": p["message"]}, connectorId=p.get("evse_id")),
    ),
    Operation.GET_LOG: Translation("GetLog", get_log, log_read),
    Operation.SIGNED_UPDATE_FIRMWARE: Translation("SignedUpdateFirmware", _signed_firmware),
}
