"""The words people read for the values stations and the domain report in codes: why a
session stopped, what a connector's error code means, why a station booted, what a role is
called, how a site shares its power. Templates have them as ``stop_words``, ``error_words``,
``error_notes``, ``boot_words``, ``firmware_words``, ``role_words`` and ``strategy_words``
(value → words, in the page's language), ``explanation`` (a fault's) and ``ui.error_code``; a
value no map knows is shown as it came (a vendor's own code, say)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from kilowatt.domain.faults import FAULTED, STANDARD_CODES
from kilowatt.domain.firmware import PROGRESS
from kilowatt.domain.loads import Strategy
from kilowatt.domain.stations import NO_ERROR
from kilowatt.domain.transactions import StopReason
from kilowatt.domain.users import Role

Gettext = Callable[[str], str]

BOOT_REASONS = (
    "ApplicationReset",
    "FirmwareUpdate",
    "LocalReset",
    "PowerUp",
    "RemoteReset",
    "ScheduledReset",
    "Triggered",
    "Unknown",
    "Watchdog",
)
"""OCPP 2.0.1 BootReasonEnumType (1.6 reports none)."""


def stop_words(gettext: Gettext) -> dict[str, str]:
    """Why a session ended (StopReason values, both versions' names)."""
    _ = gettext
    words = {
        StopReason.DE_AUTHORIZED: _("The card was no longer accepted"),
        StopReason.EMERGENCY_STOP: _("Emergency stop"),
        StopReason.ENERGY_LIMIT_REACHED: _("Energy limit reached"),
        StopReason.EV_DISCONNECTED: _("Vehicle unplugged"),
        StopReason.GROUND_FAULT: _("Ground fault"),
        StopReason.HARD_RESET: _("Station restarted (hard reset)"),
        StopReason.IMMEDIATE_RESET: _("Station restarted at once"),
        StopReason.LOCAL: _("Stopped at the station"),
        StopReason.LOCAL_OUT_OF_CREDIT: _("Out of credit"),
        StopReason.MASTER_PASS: _("Stopped with a master card"),
        StopReason.OTHER: _("Other reason"),
        StopReason.OVERCURRENT_FAULT: _("Over-current fault"),
        StopReason.POWER_LOSS: _("Power cut"),
        StopReason.POWER_QUALITY: _("Poor power quality"),
        StopReason.REBOOT: _("Station restarted"),
        StopReason.REMOTE: _("Stopped remotely"),
        StopReason.SOC_LIMIT_REACHED: _("Battery charge limit reached"),
        StopReason.SOFT_RESET: _("Station restarted (soft reset)"),
        StopReason.STOPPED_BY_EV: _("Stopped by the vehicle"),
        StopReason.TIME_LIMIT_REACHED: _("Time limit reached"),
        StopReason.TIMEOUT: _("Timed out"),
        StopReason.UNLOCK_COMMAND: _("Connector unlocked remotely"),
    }
    return {reason.value: words[reason] for reason in StopReason}


def error_words(gettext: Gettext) -> dict[str, str]:
    """The OCPP error codes (STANDARD_CODES, and NoError) by name."""
    _ = gettext
    words = {
        NO_ERROR: _("No error"),
        "ConnectorLockFailure": _("Connector lock failure"),
        "EVCommunicationError": _("Vehicle communication error"),
        "GroundFailure": _("Ground failure"),
        "HighTemperature": _("High temperature"),
        "InternalError": _("Internal error"),
        "LocalListConflict": _("Local list conflict"),
        "OtherError": _("Other error"),
        "OverCurrentFailure": _("Over-current failure"),
        "OverVoltage": _("Over-voltage"),
        "PowerMeterFailure": _("Energy meter failure"),
        "PowerSwitchFailure": _("Power switch failure"),
        "ReaderFailure": _("Card reader failure"),
        "ResetFailure": _("Reset failure"),
        "UnderVoltage": _("Under-voltage"),
        "WeakSignal": _("Weak signal"),
        FAULTED: _("Faulted"),
    }
    return words


def error_notes(gettext: Gettext) -> dict[str, str]:
    """What each OCPP error code means (STANDARD_CODES, translated): what a fault explains
    when the organization's dictionary has no entry of its own."""
    _ = gettext
    return {
        "ConnectorLockFailure": _("The connector could not be locked or unlocked."),
        "EVCommunicationError": _("Communication with the vehicle failed."),
        "GroundFailure": _("Ground fault: the residual current device tripped."),
        "HighTemperature": _("Temperature inside the station is too high."),
        "InternalError": _("Error in the station's own hardware or software."),
        "LocalListConflict": _(
            "The station's local list contradicts the CSMS's answer for a token."
        ),
        "OtherError": _("Another error; see the vendor error code."),
        "OverCurrentFailure": _("Over-current protection tripped."),
        "OverVoltage": _("Supply voltage above the allowed level."),
        "PowerMeterFailure": _("The energy meter could not be read."),
        "PowerSwitchFailure": _("The power switch (contactor) failed."),
        "ReaderFailure": _("The RFID reader failed."),
        "ResetFailure": _("The station failed to reset."),
        "UnderVoltage": _("Supply voltage below the allowed level."),
        "WeakSignal": _("Weak wireless (cellular) signal."),
        FAULTED: _("The connector reports Faulted without saying why."),
    }


def explanation(code: str, description: str, gettext: Gettext) -> str:
    """A fault's explanation in the page's language: the dictionary's own words as written,
    OCPP's standard explanation (what ``domain.faults.explain`` falls back to) translated."""
    if description and description == STANDARD_CODES.get(code):
        return error_notes(gettext).get(code, description)
    return description


def boot_words(gettext: Gettext) -> dict[str, str]:
    """Why a station booted (BOOT_REASONS)."""
    _ = gettext
    words = {
        "ApplicationReset": _("Restarted by its software"),
        "FirmwareUpdate": _("Firmware update"),
        "LocalReset": _("Reset at the station"),
        "PowerUp": _("Power on"),
        "RemoteReset": _("Remote reset"),
        "ScheduledReset": _("Scheduled reset"),
        "Triggered": _("Asked to report its boot"),
        "Unknown": _("Unknown reason"),
        "Watchdog": _("Restarted by its watchdog"),
    }
    return {reason: words[reason] for reason in BOOT_REASONS}


def firmware_words(gettext: Gettext) -> dict[str, str]:
    """What a station last said of a firmware update (FirmwareStatusNotification values of
    both versions: domain.firmware.PROGRESS, and Idle)."""
    _ = gettext
    words = {
        "Idle": _("No update in progress"),
        "Downloading": _("Downloading"),
        "DownloadScheduled": _("Download scheduled"),
        "DownloadPaused": _("Download paused"),
        "Downloaded": _("Downloaded"),
        "SignatureVerified": _("Signature verified"),
        "InstallScheduled": _("Installation scheduled"),
        "Installing": _("Installing"),
        "InstallRebooting": _("Restarting to install"),
        "Installed": _("Installed"),
        "DownloadFailed": _("Download failed"),
        "InstallationFailed": _("Installation failed"),
        "InstallVerificationFailed": _("Installation could not be verified"),
        "InvalidSignature": _("Invalid signature"),
    }
    return {status: words[status] for status in ("Idle", *PROGRESS)}


def role_words(gettext: Gettext) -> dict[str, str]:
    """The roles of operators (Role values)."""
    _ = gettext
    words = {
        Role.OWNER: _("Owner"),
        Role.ADMIN: _("Administrator"),
        Role.OPERATOR: _("Operator"),
        Role.TECHNICIAN: _("Technician"),
        Role.FINANCE: _("Finance"),
        Role.VIEWER: _("Viewer"),
    }
    return {role.value: words[role] for role in Role}


def strategy_words(gettext: Gettext) -> dict[str, str]:
    """How a site shares its power among the sessions (load management's Strategy values)."""
    _ = gettext
    words = {
        Strategy.EQUAL_SHARE: _("Equal share: everyone gets the same current"),
        Strategy.FIRST_COME: _("First come, first served: earlier sessions charge fully first"),
        Strategy.PRIORITY: _("Priority: higher token group priority charges first"),
    }
    return {strategy.value: words[strategy] for strategy in Strategy}


def kit_words(gettext: Gettext) -> Mapping[str, Any]:
    """The templates' globals of this module."""
    return {
        "stop_words": stop_words(gettext),
        "error_words": error_words(gettext),
        "error_notes": error_notes(gettext),
        "boot_words": boot_words(gettext),
        "role_words": role_words(gettext),
        "firmware_words": firmware_words(gettext),
        "strategy_words": strategy_words(gettext),
        "explanation": lambda code, description: explanation(code, description, gettext),
    }
