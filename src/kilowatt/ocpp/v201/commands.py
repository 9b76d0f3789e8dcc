"""Version-neutral commands as OCPP 2.0.1 CALLs. The command id is the requestId (or the
remoteStartId) so that the station's later notifications name the command."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kilowatt.domain.command_params import (
    CancelReservation,
    ChangeAvailability,
    ClearDisplayMessage,
    DataTransfer,
    DeleteCertificate,
    GetDisplayMessages,
    GetInstalledCertificateIds,
    GetLocalListVersion,
    InstallCertificate,
    RemoteStart,
    RemoteStop,
    ReserveNow,
    Reset,
    SendLocalList,
    SetDisplayMessage,
    TriggerMessage,
    UnlockConnector,
    UpdateFirmware,
    Vendor,
)
from kilowatt.domain.commands import CommandId, CommandStatus, Operation, Outcome
from kilowatt.domain.local_list import is_removal
from kilowatt.domain.station_security import APPLIED
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
from kilowatt.ocpp.v201 import charging_profiles, device_model
from kilowatt.ocpp.v201.device_model import BASIC_AUTH_PASSWORD, SECURITY_CTRLR


def _token(value: str, token_type: str | None) -> Payload:
    return {"idToken": value, "type": token_type or "ISO14443"}


def _evse(evse_id: int | None, connector_id: int | None) -> Payload | None:
    if not evse_id:
        return None
    return optional({"id": evse_id}, connectorId=connector_id)


def _remote_start(params: RemoteStart, command_id: CommandId) -> Payload:
    profile = params.charging_profile
    return optional(
        {
            "idToken": _token(params.id_tag, params.id_token_type),
            "remoteStartId": command_id,
        },
        evseId=params.evse_id,
        chargingProfile=None if profile is None else charging_profiles.profile_out(profile),
    )


def _remote_start_read(params: RemoteStart, answer: Payload) -> Outcome:
    return by_status(answer, {"transaction_id": answer.get("transactionId")})


def _remote_stop(params: RemoteStop, command_id: CommandId) -> Payload:
    return {"transactionId": needed(params.ocpp_transaction_id, "ocpp_transaction_id")}


def _reset(params: Reset, command_id: CommandId) -> Payload:
    kind = "Immediate" if params.type in ("hard", "immediate") else "OnIdle"
    return optional({"type": kind}, evseId=params.evse_id)


def _availability(params: ChangeAvailability, command_id: CommandId) -> Payload:
    return optional(
        {"operationalStatus": "Operative" if params.operative else "Inoperative"},
        evse=_evse(params.evse_id, params.connector_id),
    )


def _unlock(params: UnlockConnector, command_id: CommandId) -> Payload:
    return {"evseId": params.evse_id, "connectorId": params.connector_id or 1}


def _trigger(params: TriggerMessage, command_id: CommandId) -> Payload:
    return optional({"requestedMessage": params.message}, evse=_evse(params.evse_id, None))


ID_TOKEN_LENGTH = 36  # IdTokenType.idToken maxLength


def _local_list(params: SendLocalList, command_id: CommandId) -> Payload:
    """Tokens longer than a 2.0.1 idToken are left out; an empty list is no list at all."""
    entries = []
    for tag, data in sorted(needed(params.entries, "entries").items()):
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
            "versionNumber": needed(params.version, "version"),
            "updateType": "Full" if params.update_type == "full" else "Differential",
        },
        localAuthorizationList=entries or None,
    )


def _version_read(params: GetLocalListVersion, answer: Payload) -> Outcome:
    return Outcome(CommandStatus.ACCEPTED, answer, data={"version": answer["versionNumber"]})


def _reserve(params: ReserveNow, command_id: CommandId) -> Payload:
    return optional(
        {
            "id": needed(params.reservation_id, "reservation_id"),
            "expiryDateTime": timestamp(params.expires_at),
            "idToken": _token(params.id_tag, params.id_token_type),
        },
        evseId=params.evse_id or None,
    )


def _cancel(params: CancelReservation, command_id: CommandId) -> Payload:
    return {"reservationId": params.reservation_id}


def _set_display(params: SetDisplayMessage, command_id: CommandId) -> Payload:
    return {"message": dict(params.message)}


def _get_displays(params: GetDisplayMessages, command_id: CommandId) -> Payload:
    return optional(
        {"requestId": command_id},
        id=None if params.ids is None else list(params.ids),
        priority=params.priority,
        state=params.state,
    )


def _clear_display(params: ClearDisplayMessage, command_id: CommandId) -> Payload:
    return {"id": params.id}


def _firmware(params: UpdateFirmware, command_id: CommandId) -> Payload:
    firmware = optional(
        {
            "location": needed(params.location, "location"),
            "retrieveDateTime": timestamp(needed(params.retrieve_at, "retrieve_at")),
        },
        installDateTime=timestamp(params.install_at) if params.install_at else None,
        signingCertificate=params.signing_certificate,
        signature=params.signature,
    )
    return optional(
        {"requestId": command_id, "firmware": firmware},
        retries=params.retries,
        retryInterval=params.retry_interval,
    )


def _rotate(password: str) -> Payload:
    return {
        "setVariableData": [
            {
                "component": {"name": SECURITY_CTRLR},
                "variable": {"name": BASIC_AUTH_PASSWORD},
                "attributeValue": password,
            }
        ]
    }


def _rotate_redacted(payload: Payload) -> Payload:
    return {
        "setVariableData": [
            {**item, "attributeValue": REDACTED} for item in payload["setVariableData"]
        ]
    }


def _rotate_read(params: Any, answer: Payload) -> Outcome:
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


def _install(params: InstallCertificate, command_id: CommandId) -> Payload:
    return {
        "certificateType": INSTALL_TYPES[params.certificate_type],
        "certificate": params.certificate,
    }


def _delete(params: DeleteCertificate, command_id: CommandId) -> Payload:
    return {"certificateHashData": certificate_hash(params)}


def _installed_ids(params: GetInstalledCertificateIds, command_id: CommandId) -> Payload:
    types = [ID_TYPES[name] for name in params.certificate_types]
    return optional({}, certificateType=types or None)


def _installed_read(params: GetInstalledCertificateIds, answer: Payload) -> Outcome:
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


def _signed_firmware(params: UpdateFirmware, command_id: CommandId) -> Payload:
    return optional(
        {"requestId": command_id, "firmware": signed_firmware(params)},
        retries=params.retries,
        retryInterval=params.retry_interval,
    )


def _data_transfer(params: DataTransfer, command_id: CommandId) -> Payload:
    return data_transfer(params.vendor_id, params.message_id, params.data, text=False)


def _vendor(params: Vendor, command_id: CommandId) -> Payload:
    return data_transfer(params.vendor_id, params.message_id, params.data, text=False)


COMMANDS: Mapping[Operation, Translation[Any]] = {
    Operation.REMOTE_START: Translation(
        "RequestStartTransaction", _remote_start, _remote_start_read
    ),
    Operation.REMOTE_STOP: Translation("RequestStopTransaction", _remote_stop),
    Operation.RESET: Translation("Reset", _reset),
    Operation.CHANGE_AVAILABILITY: Translation("ChangeAvailability", _availability),
    Operation.UNLOCK_CONNECTOR: Translation("UnlockConnector", _unlock),
    **device_model.COMMANDS,
    Operation.TRIGGER_MESSAGE: Translation("TriggerMessage", _trigger),
    Operation.CLEAR_CACHE: Translation("ClearCache", no_payload),
    Operation.DATA_TRANSFER: Translation("DataTransfer", _data_transfer, data_read),
    Operation.VENDOR: Translation("DataTransfer", _vendor, data_read),
    Operation.SEND_LOCAL_LIST: Translation("SendLocalList", _local_list),
    Operation.GET_LOCAL_LIST_VERSION: Translation("GetLocalListVersion", no_payload, _version_read),
    Operation.RESERVE_NOW: Translation("ReserveNow", _reserve),
    Operation.CANCEL_RESERVATION: Translation("CancelReservation", _cancel),
    **charging_profiles.COMMANDS,
    Operation.SET_DISPLAY_MESSAGE: Translation("SetDisplayMessage", _set_display),
    Operation.GET_DISPLAY_MESSAGES: Translation("GetDisplayMessages", _get_displays),
    Operation.CLEAR_DISPLAY_MESSAGE: Translation("ClearDisplayMessage", _clear_display),
    Operation.UPDATE_FIRMWARE: Translation("UpdateFirmware", _firmware),
    Operation.GET_DIAGNOSTICS: Translation("GetLog", get_log, log_read),
    # Security (blocks A and M)
    Operation.ROTATE_PASSWORD: Translation(
        "SetVariables", no_payload, _rotate_read, with_secret=_rotate, redact=_rotate_redacted
    ),
    Operation.INSTALL_CERTIFICATE: Translation("InstallCertificate", _install),
    Operation.DELETE_CERTIFICATE: Translation("DeleteCertificate", _delete),
    Operation.GET_INSTALLED_CERTIFICATE_IDS: Translation(
        "GetInstalledCertificateIds", _installed_ids, _installed_read
    ),
    Operation.GET_LOG: Translation("GetLog", get_log, log_read),
    Operation.SIGNED_UPDATE_FIRMWARE: Translation("UpdateFirmware", _signed_firmware),
}
