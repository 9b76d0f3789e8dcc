"""The operations an operator may ask of a station, the protocol versions that have them, and
what their parameters (domain/command_params.py) share."""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar

from kilowatt.domain.errors import InvalidInput


class Operation(StrEnum):
    REMOTE_START = "remote_start"
    REMOTE_STOP = "remote_stop"
    RESET = "reset"
    CHANGE_AVAILABILITY = "change_availability"
    UNLOCK_CONNECTOR = "unlock_connector"
    GET_CONFIGURATION = "get_configuration"
    CHANGE_CONFIGURATION = "change_configuration"
    GET_VARIABLES = "get_variables"
    SET_VARIABLES = "set_variables"
    GET_BASE_REPORT = "get_base_report"
    GET_REPORT = "get_report"
    TRIGGER_MESSAGE = "trigger_message"
    CLEAR_CACHE = "clear_cache"
    DATA_TRANSFER = "data_transfer"
    SEND_LOCAL_LIST = "send_local_list"
    GET_LOCAL_LIST_VERSION = "get_local_list_version"
    RESERVE_NOW = "reserve_now"
    CANCEL_RESERVATION = "cancel_reservation"
    SET_CHARGING_PROFILE = "set_charging_profile"
    CLEAR_CHARGING_PROFILE = "clear_charging_profile"
    GET_COMPOSITE_SCHEDULE = "get_composite_schedule"
    GET_CHARGING_PROFILES = "get_charging_profiles"
    SET_DISPLAY_MESSAGE = "set_display_message"
    GET_DISPLAY_MESSAGES = "get_display_messages"
    CLEAR_DISPLAY_MESSAGE = "clear_display_message"
    UPDATE_FIRMWARE = "update_firmware"
    GET_DIAGNOSTICS = "get_diagnostics"
    VENDOR = "vendor"
    # Security (1.6 security extension, 2.0.1 block A and M)
    ROTATE_PASSWORD = "rotate_password"  # noqa: S105 (an operation name)
    """A new random HTTP Basic password, sent to the station (1.6 AuthorizationKey, 2.0.1
    BasicAuthPassword); the old one works until the station accepts the new one."""
    INSTALL_CERTIFICATE = "install_certificate"
    DELETE_CERTIFICATE = "delete_certificate"
    GET_INSTALLED_CERTIFICATE_IDS = "get_installed_certificate_ids"
    EXTENDED_TRIGGER_MESSAGE = "extended_trigger_message"
    GET_LOG = "get_log"
    SIGNED_UPDATE_FIRMWARE = "signed_update_firmware"


# Operations that exist in one protocol version only; every other operation exists in both.
ONLY_IN: dict[Operation, str] = {
    Operation.GET_CONFIGURATION: "1.6",
    Operation.CHANGE_CONFIGURATION: "1.6",
    Operation.GET_VARIABLES: "2.0.1",
    Operation.SET_VARIABLES: "2.0.1",
    Operation.GET_BASE_REPORT: "2.0.1",
    Operation.GET_REPORT: "2.0.1",
    Operation.GET_CHARGING_PROFILES: "2.0.1",
    Operation.SET_DISPLAY_MESSAGE: "2.0.1",
    Operation.GET_DISPLAY_MESSAGES: "2.0.1",
    Operation.CLEAR_DISPLAY_MESSAGE: "2.0.1",
    Operation.EXTENDED_TRIGGER_MESSAGE: "1.6",
}


def check_available(operation: Operation, protocol_version: str | None) -> None:
    only = ONLY_IN.get(operation)
    if only is not None and protocol_version is not None and protocol_version != only:
        raise InvalidInput(
            "operation",
            f"{operation.value} is an OCPP {only} operation; this station speaks "
            f"OCPP {protocol_version}",
        )


class CommandParams:
    """What every operation's parameters share: the operation they are for."""

    __slots__ = ()
    operation: ClassVar[Operation]

    def check(self) -> None:
        """Rules beyond the types (InvalidInput naming the field); by default none."""
