"""The parameters of each operation: one frozen dataclass per operation, the same for every
protocol version (``ocpp/v16/commands.py`` and ``ocpp/v201/commands.py`` turn them into CALLs).

The device model's (configuration keys, variables, reports) are in domain/device_model.py. The
API's bodies map onto them; a hook of the service that owns an operation may fill in what
the protocols need (a reservation id, an upload location...) by returning new parameters
(``dataclasses.replace``). They are stored with the command and travel to the node holding the
station's socket as JSON (``encode_params`` / ``decode_params``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from kilowatt.domain.charging_profiles import (
    ChargingProfile,
    ProfilePurpose,
    RateUnit,
    check_profile,
)
from kilowatt.domain.codec import decode, encode
from kilowatt.domain.device_model import (
    ChangeConfiguration,
    GetBaseReport,
    GetConfiguration,
    GetReport,
    GetVariables,
    SetVariables,
)
from kilowatt.domain.errors import InvalidInput
from kilowatt.domain.operations import CommandParams as CommandParams
from kilowatt.domain.operations import Operation

# Transactions ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class RemoteStart(CommandParams):
    operation = Operation.REMOTE_START
    id_tag: str
    evse_id: int | None = None
    id_token_type: str | None = None
    """2.0.1 IdToken type; the remote start's hook takes it from the token if not given."""
    charging_profile: ChargingProfile | None = None
    allow_unknown: bool = False
    start_window: float | None = None
    """Seconds the session may take to begin once the station accepted (the hook sets it)."""

    def check(self) -> None:
        profile = self.charging_profile
        if profile is None:
            return
        check_profile(profile)
        if profile.purpose is not ProfilePurpose.TX:
            raise InvalidInput("charging_profile.purpose", "a remote start's profile is tx")
        if profile.transaction_id is not None:
            raise InvalidInput(
                "charging_profile.transaction_id", "the transaction has not begun yet"
            )


@dataclass(frozen=True, slots=True, kw_only=True)
class RemoteStop(CommandParams):
    operation = Operation.REMOTE_STOP
    transaction_id: int
    """Kilowatt's id of the transaction."""
    ocpp_transaction_id: str | None = None
    """The station's id of it (the hook sets it)."""


ResetType = Literal["soft", "hard", "on_idle", "immediate"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Reset(CommandParams):
    operation = Operation.RESET
    type: ResetType
    evse_id: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ChangeAvailability(CommandParams):
    operation = Operation.CHANGE_AVAILABILITY
    operative: bool
    evse_id: int | None = None
    connector_id: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class UnlockConnector(CommandParams):
    operation = Operation.UNLOCK_CONNECTOR
    evse_id: int
    connector_id: int = 1


@dataclass(frozen=True, slots=True, kw_only=True)
class TriggerMessage(CommandParams):
    operation = Operation.TRIGGER_MESSAGE
    message: str
    evse_id: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ExtendedTriggerMessage(CommandParams):
    operation = Operation.EXTENDED_TRIGGER_MESSAGE
    message: str
    evse_id: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ClearCache(CommandParams):
    operation = Operation.CLEAR_CACHE


@dataclass(frozen=True, slots=True, kw_only=True)
class DataTransfer(CommandParams):
    operation = Operation.DATA_TRANSFER
    vendor_id: str
    message_id: str | None = None
    data: Any = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Vendor(CommandParams):
    """A DataTransfer made from one of the organization's vendor templates."""

    operation = Operation.VENDOR
    template: str
    template_id: int | None = None
    vendor_id: str | None = None
    """Set, with the message id and data, from the template by the vendor service's hook."""
    message_id: str | None = None
    data: Any = None


# Local list and reservations -----------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class SendLocalList(CommandParams):
    operation = Operation.SEND_LOCAL_LIST
    update_type: Literal["full", "differential"] = "full"
    version: int | None = None
    """The version and the entries are planned by the local list service's hook."""
    entries: Mapping[str, Mapping[str, Any]] | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class GetLocalListVersion(CommandParams):
    operation = Operation.GET_LOCAL_LIST_VERSION


@dataclass(frozen=True, slots=True, kw_only=True)
class ReserveNow(CommandParams):
    operation = Operation.RESERVE_NOW
    id_tag: str
    expires_at: datetime
    evse_id: int = 0
    connector_id: int = 0
    id_token_type: str | None = None
    reservation_id: int | None = None
    """The reservation the hook opens for it."""


@dataclass(frozen=True, slots=True, kw_only=True)
class CancelReservation(CommandParams):
    operation = Operation.CANCEL_RESERVATION
    reservation_id: int


# Smart charging ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class SetChargingProfile(CommandParams):
    operation = Operation.SET_CHARGING_PROFILE
    charging_profile: ChargingProfile
    evse_id: int = 0
    """0: the whole station."""

    def check(self) -> None:
        check_profile(self.charging_profile)


@dataclass(frozen=True, slots=True, kw_only=True)
class ClearChargingProfile(CommandParams):
    operation = Operation.CLEAR_CHARGING_PROFILE
    profile_id: int | None = None
    evse_id: int | None = None
    purpose: ProfilePurpose | None = None
    stack_level: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class GetCompositeSchedule(CommandParams):
    operation = Operation.GET_COMPOSITE_SCHEDULE
    duration: int
    evse_id: int = 0
    rate_unit: RateUnit | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class GetChargingProfiles(CommandParams):
    operation = Operation.GET_CHARGING_PROFILES
    evse_id: int | None = None
    purpose: ProfilePurpose | None = None
    stack_level: int | None = None
    profile_ids: tuple[int, ...] | None = None


# Display messages (2.0.1) ------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class SetDisplayMessage(CommandParams):
    operation = Operation.SET_DISPLAY_MESSAGE
    message: Mapping[str, Any]
    """A 2.0.1 MessageInfoType."""


@dataclass(frozen=True, slots=True, kw_only=True)
class GetDisplayMessages(CommandParams):
    operation = Operation.GET_DISPLAY_MESSAGES
    ids: tuple[int, ...] | None = None
    priority: str | None = None
    state: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ClearDisplayMessage(CommandParams):
    operation = Operation.CLEAR_DISPLAY_MESSAGE
    id: int


# Firmware and diagnostics ------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class UpdateFirmware(CommandParams):
    operation = Operation.UPDATE_FIRMWARE
    firmware_id: int
    retrieve_at: datetime | None = None
    install_at: datetime | None = None
    retries: int | None = None
    retry_interval: int | None = None
    update_id: int | None = None
    """The update it tracks: a campaign's target, or opened by the firmware service's hook,
    which also sets the image's location, version, signing certificate and signature."""
    location: str | None = None
    firmware_version: str | None = None
    signing_certificate: str | None = None
    signature: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class SignedUpdateFirmware(UpdateFirmware):
    operation = Operation.SIGNED_UPDATE_FIRMWARE


@dataclass(frozen=True, slots=True, kw_only=True)
class GetDiagnostics(CommandParams):
    operation = Operation.GET_DIAGNOSTICS
    start: datetime | None = None
    stop: datetime | None = None
    log_type: str | None = None
    retries: int | None = None
    retry_interval: int | None = None
    upload_id: int | None = None
    """The upload slot the diagnostics service's hook opens, and its location."""
    location: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class GetLog(GetDiagnostics):
    operation = Operation.GET_LOG


# Security ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class RotatePassword(CommandParams):
    """The new password is made by the node holding the socket, and never stored."""

    operation = Operation.ROTATE_PASSWORD


@dataclass(frozen=True, slots=True, kw_only=True)
class InstallCertificate(CommandParams):
    operation = Operation.INSTALL_CERTIFICATE
    certificate_type: str
    certificate: str


@dataclass(frozen=True, slots=True, kw_only=True)
class DeleteCertificate(CommandParams):
    operation = Operation.DELETE_CERTIFICATE
    hash_algorithm: str
    issuer_name_hash: str
    issuer_key_hash: str
    serial_number: str


@dataclass(frozen=True, slots=True, kw_only=True)
class GetInstalledCertificateIds(CommandParams):
    operation = Operation.GET_INSTALLED_CERTIFICATE_IDS
    certificate_types: tuple[str, ...] = ()


# The registry ------------------------------------------------------------------------------

PARAMS: Mapping[Operation, type[CommandParams]] = {
    cls.operation: cls
    for cls in (
        RemoteStart,
        RemoteStop,
        Reset,
        ChangeAvailability,
        UnlockConnector,
        TriggerMessage,
        ExtendedTriggerMessage,
        ClearCache,
        DataTransfer,
        Vendor,
        GetConfiguration,
        ChangeConfiguration,
        GetVariables,
        SetVariables,
        GetBaseReport,
        GetReport,
        SendLocalList,
        GetLocalListVersion,
        ReserveNow,
        CancelReservation,
        SetChargingProfile,
        ClearChargingProfile,
        GetCompositeSchedule,
        GetChargingProfiles,
        SetDisplayMessage,
        GetDisplayMessages,
        ClearDisplayMessage,
        UpdateFirmware,
        SignedUpdateFirmware,
        GetDiagnostics,
        GetLog,
        RotatePassword,
        InstallCertificate,
        DeleteCertificate,
        GetInstalledCertificateIds,
    )
}


def encode_params(value: CommandParams) -> dict[str, Any]:
    """The parameters as JSON (stored with the command, sent over Redis)."""
    encoded: dict[str, Any] = encode(value)
    return encoded


def decode_params(operation: Operation | str, data: Mapping[str, Any]) -> CommandParams:
    """The parameters of ``operation`` read from JSON (InvalidInput naming what does not fit)."""
    return decode(PARAMS[Operation(operation)], data)
