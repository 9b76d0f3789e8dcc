"""Bodies of the commands an operator sends to a station, one model per operation."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import Field, model_validator

from kilowatt.api.schemas.charging_profiles import ChargingProfile
from kilowatt.api.schemas.common import AwareDatetime, Id, Positive, Schema
from kilowatt.domain.charging_profiles import ProfilePurpose, RateUnit
from kilowatt.domain.codec import decode
from kilowatt.domain.command_params import PARAMS, CommandParams
from kilowatt.domain.commands import CommandStatus, Operation, StartOutcome
from kilowatt.domain.remote_start import MAX_WINDOW


class NoParams(Schema):
    pass


class RemoteStart(Schema):
    id_tag: str = Field(min_length=1, max_length=255, description="Token to charge with.")
    evse_id: Id | None = Field(default=None, description="1.6 connector / 2.0.1 EVSE.")
    id_token_type: str | None = Field(
        default=None, description="2.0.1 IdToken type; taken from the token record if omitted."
    )
    charging_profile: ChargingProfile | None = Field(
        default=None,
        description="The session's profile (purpose tx, no transaction_id), the same for "
        "both OCPP versions.",
    )
    allow_unknown: bool = Field(
        default=False,
        description="Send it even if the token is not one of the organization's (to try a "
        "station, say). The token is checked first, as the station's start would be: an "
        "unknown token is refused unless this is true; a blocked, expired or invalid one, "
        "one the access rules keep from this station now, or one already charging, always.",
    )
    start_window: float | None = Field(
        default=None,
        gt=0,
        le=MAX_WINDOW,
        description="Seconds the session may take to begin once the station accepted "
        "(default: KILOWATT_REMOTE_START_WINDOW). The command's `start` says what came of it.",
    )


class RemoteStop(Schema):
    transaction_id: Id = Field(description="Kilowatt's transaction id.")


class Reset(Schema):
    type: Literal["soft", "hard", "on_idle", "immediate"] = Field(
        description="soft = 2.0.1 OnIdle, hard = 2.0.1 Immediate."
    )
    evse_id: Id | None = Field(default=None, description="2.0.1: reset only this EVSE.")


class ChangeAvailability(Schema):
    operative: bool
    evse_id: int | None = Field(default=None, ge=0, description="None or 0: the station.")
    connector_id: Id | None = Field(default=None, description="2.0.1 only.")


class UnlockConnector(Schema):
    evse_id: Id
    connector_id: Id = 1


class GetConfiguration(Schema):
    keys: list[str] = Field(default_factory=list, description="Empty: every key.")


class ChangeConfiguration(Schema):
    key: str = Field(min_length=1, max_length=50)
    value: str = Field(max_length=500)


class VariableRef(Schema):
    component: str = Field(min_length=1, max_length=50)
    variable: str = Field(min_length=1, max_length=50)
    component_instance: str | None = Field(default=None, max_length=50)
    variable_instance: str | None = Field(default=None, max_length=50)
    evse_id: Id | None = None
    connector_id: Id | None = None
    attribute_type: Literal["Actual", "Target", "MinSet", "MaxSet"] | None = None


class VariableValue(VariableRef):
    value: str = Field(max_length=1000)


class GetVariables(Schema):
    variables: list[VariableRef] = Field(min_length=1)


class SetVariables(Schema):
    variables: list[VariableValue] = Field(min_length=1)


class GetBaseReport(Schema):
    report_base: Literal["ConfigurationInventory", "FullInventory", "SummaryInventory"]


class GetReport(Schema):
    variables: list[VariableRef] = Field(default_factory=list)
    criteria: list[Literal["Active", "Available", "Enabled", "Problem"]] = Field(
        default_factory=list
    )


class TriggerMessage(Schema):
    message: Literal[
        "BootNotification",
        "DiagnosticsStatusNotification",
        "FirmwareStatusNotification",
        "Heartbeat",
        "MeterValues",
        "StatusNotification",
        "LogStatusNotification",
        "TransactionEvent",
        "PublishFirmwareStatusNotification",
        "SignChargingStationCertificate",
        "SignV2GCertificate",
        "SignCombinedCertificate",
    ]
    evse_id: Id | None = None


class DataTransfer(Schema):
    vendor_id: str = Field(min_length=1, max_length=255)
    message_id: str | None = Field(default=None, max_length=50)
    data: Any = None


class SendLocalList(Schema):
    update_type: Literal["full", "differential"] = "full"


class ReserveNow(Schema):
    id_tag: str = Field(min_length=1, max_length=255)
    expires_at: AwareDatetime
    evse_id: int = Field(default=0, ge=0, description="0: any connector.")
    id_token_type: str | None = None


class CancelReservation(Schema):
    reservation_id: Id


class SetChargingProfile(Schema):
    evse_id: int = Field(default=0, ge=0, description="0: the whole station.")
    charging_profile: ChargingProfile = Field(
        description="The profile, the same for both OCPP versions: Kilowatt translates it for "
        "the station (and checks it against the version's schema) before it is sent."
    )


class ClearChargingProfile(Schema):
    profile_id: Id | None = None
    evse_id: int | None = Field(default=None, ge=0)
    purpose: ProfilePurpose | None = None
    stack_level: int | None = Field(default=None, ge=0)


class GetCompositeSchedule(Schema):
    """The command's ``result.schedule`` is the station's answer, the same for both versions:
    ``evse_id``, ``start``, ``duration``, ``rate_unit`` and ``periods`` (``start_period``,
    ``limit``, ``number_phases``)."""

    evse_id: int = Field(default=0, ge=0)
    duration: Positive = Field(description="Seconds.")
    rate_unit: RateUnit | None = None


class GetChargingProfiles(Schema):
    evse_id: int | None = Field(default=None, ge=0)
    purpose: ProfilePurpose | None = None
    stack_level: int | None = Field(default=None, ge=0)
    profile_ids: list[int] | None = None


class SetDisplayMessage(Schema):
    message: dict[str, Any] = Field(description="A 2.0.1 MessageInfoType.")


class GetDisplayMessages(Schema):
    ids: list[int] | None = None
    priority: Literal["AlwaysFront", "InFront", "NormalCycle"] | None = None
    state: Literal["Charging", "Faulted", "Idle", "Unavailable"] | None = None


class ClearDisplayMessage(Schema):
    id: int


class UpdateFirmware(Schema):
    firmware_id: Id = Field(description="An uploaded image (POST /api/v1/firmware).")
    retrieve_at: AwareDatetime | None = Field(
        default=None, description="When the station may start downloading (default: now)."
    )
    install_at: AwareDatetime | None = Field(default=None, description="2.0.1 only.")
    retries: int | None = Field(default=None, ge=0, le=100)
    retry_interval: int | None = Field(default=None, ge=0, le=86_400, description="Seconds.")


class GetDiagnostics(Schema):
    """The station uploads to a location hosted by Kilowatt; the file is listed at
    GET /api/v1/stations/{id}/diagnostics."""

    start: AwareDatetime | None = Field(default=None, description="Oldest entries wanted.")
    stop: AwareDatetime | None = Field(default=None, description="Newest entries wanted.")
    log_type: Literal["DiagnosticsLog", "SecurityLog"] | None = Field(
        default=None, description="2.0.1 GetLog logType (default DiagnosticsLog)."
    )
    retries: int | None = Field(default=None, ge=0, le=100)
    retry_interval: int | None = Field(default=None, ge=0, le=86_400, description="Seconds.")

    @model_validator(mode="after")
    def _ordered(self) -> GetDiagnostics:
        if self.start is not None and self.stop is not None and self.start > self.stop:
            raise ValueError("start must not be after stop")
        return self


class GetLog(GetDiagnostics):
    """GetLog (2.0.1, and the 1.6 security extension): the station uploads its diagnostics or
    security log to a location hosted by Kilowatt (listed at
    GET /api/v1/stations/{id}/diagnostics)."""


class SignedUpdateFirmware(UpdateFirmware):
    """A firmware update the station verifies: the image must have been uploaded with its
    signing certificate and signature (1.6 SignedUpdateFirmware, 2.0.1 UpdateFirmware)."""


CertificateKind = Literal["csms_root", "manufacturer_root", "v2g_root", "mo_root"]


class InstallCertificate(Schema):
    certificate_type: CertificateKind = Field(
        description="csms_root (1.6 CentralSystemRootCertificate, 2.0.1 CSMSRootCertificate), "
        "manufacturer_root, or for 2.0.1 v2g_root and mo_root."
    )
    certificate: str = Field(
        min_length=1,
        max_length=5500,
        pattern=r"^-----BEGIN CERTIFICATE-----",
        description="The certificate, PEM.",
    )


class DeleteCertificate(Schema):
    """The certificate's hash data, as GetInstalledCertificateIds reports it."""

    hash_algorithm: Literal["SHA256", "SHA384", "SHA512"]
    issuer_name_hash: str = Field(min_length=1, max_length=128)
    issuer_key_hash: str = Field(min_length=1, max_length=128)
    serial_number: str = Field(min_length=1, max_length=40)


class GetInstalledCertificateIds(Schema):
    certificate_types: list[
        Literal["csms_root", "manufacturer_root", "v2g_root", "mo_root", "v2g_chain"]
    ] = Field(
        default_factory=list,
        description="2.0.1: empty for all; 1.6: exactly one of csms_root, manufacturer_root.",
    )


class ExtendedTriggerMessage(Schema):
    """1.6 security extension: also asks for a new certificate (SignChargePointCertificate)."""

    message: Literal[
        "BootNotification",
        "LogStatusNotification",
        "FirmwareStatusNotification",
        "Heartbeat",
        "MeterValues",
        "SignChargePointCertificate",
        "StatusNotification",
    ]
    evse_id: Id | None = None


class Vendor(Schema):
    template: str = Field(min_length=1, max_length=100, description="Vendor template name.")


BODIES: dict[Operation, type[Schema]] = {
    Operation.REMOTE_START: RemoteStart,
    Operation.REMOTE_STOP: RemoteStop,
    Operation.RESET: Reset,
    Operation.CHANGE_AVAILABILITY: ChangeAvailability,
    Operation.UNLOCK_CONNECTOR: UnlockConnector,
    Operation.GET_CONFIGURATION: GetConfiguration,
    Operation.CHANGE_CONFIGURATION: ChangeConfiguration,
    Operation.GET_VARIABLES: GetVariables,
    Operation.SET_VARIABLES: SetVariables,
    Operation.GET_BASE_REPORT: GetBaseReport,
    Operation.GET_REPORT: GetReport,
    Operation.TRIGGER_MESSAGE: TriggerMessage,
    Operation.CLEAR_CACHE: NoParams,
    Operation.DATA_TRANSFER: DataTransfer,
    Operation.SEND_LOCAL_LIST: SendLocalList,
    Operation.GET_LOCAL_LIST_VERSION: NoParams,
    Operation.RESERVE_NOW: ReserveNow,
    Operation.CANCEL_RESERVATION: CancelReservation,
    Operation.SET_CHARGING_PROFILE: SetChargingProfile,
    Operation.CLEAR_CHARGING_PROFILE: ClearChargingProfile,
    Operation.GET_COMPOSITE_SCHEDULE: GetCompositeSchedule,
    Operation.GET_CHARGING_PROFILES: GetChargingProfiles,
    Operation.SET_DISPLAY_MESSAGE: SetDisplayMessage,
    Operation.GET_DISPLAY_MESSAGES: GetDisplayMessages,
    Operation.CLEAR_DISPLAY_MESSAGE: ClearDisplayMessage,
    Operation.VENDOR: Vendor,
    Operation.UPDATE_FIRMWARE: UpdateFirmware,
    Operation.GET_DIAGNOSTICS: GetDiagnostics,
    Operation.ROTATE_PASSWORD: NoParams,
    Operation.INSTALL_CERTIFICATE: InstallCertificate,
    Operation.DELETE_CERTIFICATE: DeleteCertificate,
    Operation.GET_INSTALLED_CERTIFICATE_IDS: GetInstalledCertificateIds,
    Operation.EXTENDED_TRIGGER_MESSAGE: ExtendedTriggerMessage,
    Operation.GET_LOG: GetLog,
    Operation.SIGNED_UPDATE_FIRMWARE: SignedUpdateFirmware,
}


def params_of(operation: Operation, body: Schema) -> CommandParams:
    """The operation's parameters from its body (every field of a body is one of theirs)."""
    return decode(PARAMS[operation], body.model_dump(exclude_none=True), strict=True)


class StartOut(Schema):
    """What became of the session a remote start asked for."""

    outcome: StartOutcome = Field(
        description="waiting: no session yet; started: a session began and its token was "
        "accepted; refused: a session began but Kilowatt refused its token "
        "(`authorization_status`); not_started: none began within the window."
    )
    transaction_id: int | None = Field(description="Kilowatt's id of the session that began.")
    authorization_status: str | None = Field(
        description="Kilowatt's answer to the session's token (Accepted, ConcurrentTx, Blocked...)."
    )
    window: float = Field(description="Seconds the session had to begin once accepted.")
    deadline: datetime | None = Field(description="When the window closes (once accepted).")
    detail: str = Field(description="The outcome in a sentence.")


class CommandOut(Schema):
    id: int
    station_id: str
    operation: str
    params: dict[str, Any] = Field(
        description="The command's parameters as sent, with what Kilowatt filled in (a "
        "reservation id, an upload location...)."
    )
    status: CommandStatus
    requested_by: str
    action: str
    request: dict[str, Any] | None
    response: dict[str, Any] | None
    """The station's answer as it sent it."""
    result: dict[str, Any] | None
    """What the answer says, the same for both protocol versions (configuration read, list
    version, composite schedule, uploaded file name...)."""
    error: str
    timeout: float
    created_at: datetime
    sent_at: datetime | None
    completed_at: datetime | None
    start: StartOut | None = Field(
        default=None, description="Remote starts: what became of the session it asked for."
    )
