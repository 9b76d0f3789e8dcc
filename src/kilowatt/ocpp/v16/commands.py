"""Version-neutral commands as OCPP 1.6 CALLs. 1.6 connector n is EVSE n; 0 the station."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kilowatt.domain.command_params import (
    CancelReservation,
    ChangeAvailability,
    DataTransfer,
    DeleteCertificate,
    ExtendedTriggerMessage,
    GetDiagnostics,
    GetInstalledCertificateIds,
    GetLocalListVersion,
    InstallCertificate,
    RemoteStart,
    RemoteStop,
    ReserveNow,
    Reset,
    SendLocalList,
    TriggerMessage,
    UnlockConnector,
    UpdateFirmware,
    Vendor,
)
from kilowatt.domain.commands import CommandId, CommandStatus, Operation, Outcome
from kilowatt.domain.device_model import ChangeConfiguration, GetConfiguration
from kilowatt.domain.local_list import is_removal
from kilowatt.domain.station_security import APPLIED, authorization_key
from kilowatt.ocpp.commands import (
    REDACTED,
    Payload,
    Translation,
    by_status,
    certificate_hash,
    data_read,
    data_transfer,
    get_log,
    log_read,
    needed,
    neutral_hash,
    no_payload,
    optional,
    signed_firmware,
    timestamp,
)
from kilowatt.ocpp.v16 import charging_profiles

CONFIGURATION = "Configuration"
AUTHORIZATION_KEY = "AuthorizationKey"


def _remote_start(params: RemoteStart, command_id: CommandId) -> Payload:
    profile = params.charging_profile
    return optional(
        {"idTag": params.id_tag},
        connectorId=params.evse_id,
        chargingProfile=None if profile is None else charging_profiles.profile_out(profile),
    )


def _remote_stop(params: RemoteStop, command_id: CommandId) -> Payload:
    return {"transactionId": params.transaction_id}


def _reset(params: Reset, command_id: CommandId) -> Payload:
    return {"type": "Hard" if params.type in ("hard", "immediate") else "Soft"}


def _availability(params: ChangeAvailability, command_id: CommandId) -> Payload:
    return {
        "connectorId": params.evse_id or 0,
        "type": "Operative" if params.operative else "Inoperative",
    }


def _unlock(params: UnlockConnector, command_id: CommandId) -> Payload:
    return {"connectorId": params.evse_id}


def _get_configuration(params: GetConfiguration, command_id: CommandId) -> Payload:
    return {"key": list(params.keys)} if params.keys else {}


def _configuration_read(params: GetConfiguration, answer: Payload) -> Outcome:
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


def _change_configuration(params: ChangeConfiguration, command_id: CommandId) -> Payload:
    if params.key.lower() == AUTHORIZATION_KEY.lower():
        raise ValueError(
            "the AuthorizationKey (the station's password) is set by the rotate_password command"
        )
    return {"key": params.key, "value": params.value}


def _configuration_changed(params: ChangeConfiguration, answer: Payload) -> Outcome:
    settings = []
    if answer.get("status") in ("Accepted", "RebootRequired"):
        settings = [{"component": CONFIGURATION, "variable": params.key, "value": params.value}]
    return by_status(answer, {"settings": settings})


def _trigger(params: TriggerMessage | ExtendedTriggerMessage, command_id: CommandId) -> Payload:
    return optional({"requestedMessage": params.message}, connectorId=params.evse_id)


def _id_tag_info(data: Mapping[str, Any]) -> Payload:
    return optional(
        {"status": data["status"]},
        expiryDate=timestamp(data["expires_at"]) if data.get("expires_at") else None,
        parentIdTag=(data.get("group_id") or None) and str(data["group_id"])[:ID_TAG_LENGTH],
    )


ID_TAG_LENGTH = 20  # IdToken is CiString20Type


def _local_list(params: SendLocalList, command_id: CommandId) -> Payload:
    """Tokens longer than a 1.6 idTag are left out: cut short they would name another card."""
    entries = [
        {"idTag": tag} if is_removal(data) else {"idTag": tag, "idTagInfo": _id_tag_info(data)}
        for tag, data in sorted(needed(params.entries, "entries").items())
        if len(tag) <= ID_TAG_LENGTH
    ]
    return optional(
        {
            "listVersion": needed(params.version, "version"),
            "updateType": "Full" if params.update_type == "full" else "Differential",
        },
        localAuthorizationList=entries or None,
    )


def _version_read(params: GetLocalListVersion, answer: Payload) -> Outcome:
    return Outcome(CommandStatus.ACCEPTED, answer, data={"version": answer["listVersion"]})


def _reserve(params: ReserveNow, command_id: CommandId) -> Payload:
    return {
        "connectorId": params.evse_id,
        "expiryDate": timestamp(params.expires_at),
        "idTag": params.id_tag,
        "reservationId": needed(params.reservation_id, "reservation_id"),
    }


def _cancel(params: CancelReservation, command_id: CommandId) -> Payload:
    return {"reservationId": params.reservation_id}


def _firmware(params: UpdateFirmware, command_id: CommandId) -> Payload:
    return optional(
        {
            "location": needed(params.location, "location"),
            "retrieveDate": timestamp(needed(params.retrieve_at, "retrieve_at")),
        },
        retries=params.retries,
        retryInterval=params.retry_interval,
    )


def _diagnostics(params: GetDiagnostics, command_id: CommandId) -> Payload:
    return optional(
        {"location": needed(params.location, "location")},
        retries=params.retries,
        retryInterval=params.retry_interval,
        startTime=timestamp(params.start) if params.start else None,
        stopTime=timestamp(params.stop) if params.stop else None,
    )


def _diagnostics_read(params: GetDiagnostics, answer: Payload) -> Outcome:
    # 1.6 answers with the file name it will upload, or none when it has nothing to send.
    name = answer.get("fileName")
    if not name:
        return Outcome(CommandStatus.REJECTED, answer, error="the station has no diagnostics")
    return Outcome(CommandStatus.ACCEPTED, answer, data={"file_name": name})


def _rotate(password: str) -> Payload:
    return {"key": AUTHORIZATION_KEY, "value": authorization_key(password)}


def _rotate_read(params: Any, answer: Payload) -> Outcome:
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


def _install(params: InstallCertificate, command_id: CommandId) -> Payload:
    return {
        "certificateType": _certificate_type(params.certificate_type),
        "certificate": params.certificate,
    }


def _delete(params: DeleteCertificate, command_id: CommandId) -> Payload:
    return {"certificateHashData": certificate_hash(params)}


def _installed_ids(params: GetInstalledCertificateIds, command_id: CommandId) -> Payload:
    if len(params.certificate_types) != 1:
        raise ValueError("an OCPP 1.6 station is asked for exactly one certificate type")
    return {"certificateType": _certificate_type(params.certificate_types[0])}


def _installed_read(params: GetInstalledCertificateIds, answer: Payload) -> Outcome:
    kind = params.certificate_types[0] if params.certificate_types else None
    certificates = [neutral_hash(item, kind) for item in answer.get("certificateHashData") or []]
    if answer.get("status") in ("Accepted", "NotFound"):
        return Outcome(CommandStatus.ACCEPTED, answer, data={"certificates": certificates})
    return by_status(answer)


def _signed_firmware(params: UpdateFirmware, command_id: CommandId) -> Payload:
    return optional(
        {"requestId": command_id, "firmware": signed_firmware(params)},
        retries=params.retries,
        retryInterval=params.retry_interval,
    )


def _data_transfer(params: DataTransfer, command_id: CommandId) -> Payload:
    return data_transfer(params.vendor_id, params.message_id, params.data, text=True)


def _vendor(params: Vendor, command_id: CommandId) -> Payload:
    return data_transfer(params.vendor_id, params.message_id, params.data, text=True)


COMMANDS: Mapping[Operation, Translation[Any]] = {
    Operation.REMOTE_START: Translation("RemoteStartTransaction", _remote_start),
    Operation.REMOTE_STOP: Translation("RemoteStopTransaction", _remote_stop),
    Operation.RESET: Translation("Reset", _reset),
    Operation.CHANGE_AVAILABILITY: Translation("ChangeAvailability", _availability),
    Operation.UNLOCK_CONNECTOR: Translation("UnlockConnector", _unlock),
    Operation.GET_CONFIGURATION: Translation(
        "GetConfiguration", _get_configuration, _configuration_read
    ),
    Operation.CHANGE_CONFIGURATION: Translation(
        "ChangeConfiguration", _change_configuration, _configuration_changed
    ),
    Operation.TRIGGER_MESSAGE: Translation("TriggerMessage", _trigger),
    Operation.CLEAR_CACHE: Translation("ClearCache", no_payload),
    Operation.DATA_TRANSFER: Translation("DataTransfer", _data_transfer, data_read),
    Operation.VENDOR: Translation("DataTransfer", _vendor, data_read),
    Operation.SEND_LOCAL_LIST: Translation("SendLocalList", _local_list),
    Operation.GET_LOCAL_LIST_VERSION: Translation("GetLocalListVersion", no_payload, _version_read),
    Operation.RESERVE_NOW: Translation("ReserveNow", _reserve),
    Operation.CANCEL_RESERVATION: Translation("CancelReservation", _cancel),
    **charging_profiles.COMMANDS,
    Operation.UPDATE_FIRMWARE: Translation("UpdateFirmware", _firmware),
    Operation.GET_DIAGNOSTICS: Translation("GetDiagnostics", _diagnostics, _diagnostics_read),
    # Security extension (Improved security for OCPP 1.6-J)
    Operation.ROTATE_PASSWORD: Translation(
        "ChangeConfiguration",
        no_payload,
        _rotate_read,
        with_secret=_rotate,
        redact=lambda payload: {**payload, "value": REDACTED},
    ),
    Operation.INSTALL_CERTIFICATE: Translation("InstallCertificate", _install),
    Operation.DELETE_CERTIFICATE: Translation("DeleteCertificate", _delete),
    Operation.GET_INSTALLED_CERTIFICATE_IDS: Translation(
        "GetInstalledCertificateIds", _installed_ids, _installed_read
    ),
    Operation.EXTENDED_TRIGGER_MESSAGE: Translation("ExtendedTriggerMessage", _trigger),
    Operation.GET_LOG: Translation("GetLog", get_log, log_read),
    Operation.SIGNED_UPDATE_FIRMWARE: Translation("SignedUpdateFirmware", _signed_firmware),
}
