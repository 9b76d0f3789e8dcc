"""Remote commands as the station's page shows them: what was asked, and what came of it, in
words."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from kilowatt.domain.commands import Command, CommandStatus, Operation
from kilowatt.domain.exports import format_local

Gettext = Callable[[str], str]


def status_words(gettext: Gettext) -> dict[str, str]:
    """What became of a command (CommandStatus values)."""
    _ = gettext
    return {
        CommandStatus.QUEUED.value: _("Waiting for the station…"),
        CommandStatus.SENT.value: _("Waiting for the station…"),
        CommandStatus.ACCEPTED.value: _("Accepted by the station"),
        CommandStatus.REJECTED.value: _("Rejected by the station"),
        CommandStatus.FAILED.value: _("Failed"),
        CommandStatus.TIMED_OUT.value: _("The station did not answer in time"),
    }


def operation_words(gettext: Gettext) -> dict[str, str]:
    """The commands (Operation values) by name."""
    _ = gettext
    words = {
        Operation.REMOTE_START: _("Remote start"),
        Operation.REMOTE_STOP: _("Remote stop"),
        Operation.RESET: _("Reset"),
        Operation.CHANGE_AVAILABILITY: _("Change availability"),
        Operation.UNLOCK_CONNECTOR: _("Unlock connector"),
        Operation.GET_CONFIGURATION: _("Get configuration"),
        Operation.CHANGE_CONFIGURATION: _("Change configuration"),
        Operation.GET_VARIABLES: _("Get variables"),
        Operation.SET_VARIABLES: _("Set variables"),
        Operation.GET_BASE_REPORT: _("Get base report"),
        Operation.GET_REPORT: _("Get report"),
        Operation.TRIGGER_MESSAGE: _("Trigger message"),
        Operation.CLEAR_CACHE: _("Clear cache"),
        Operation.DATA_TRANSFER: _("Data transfer"),
        Operation.SEND_LOCAL_LIST: _("Send local list"),
        Operation.GET_LOCAL_LIST_VERSION: _("Get local list version"),
        Operation.RESERVE_NOW: _("Reserve now"),
        Operation.CANCEL_RESERVATION: _("Cancel reservation"),
        Operation.SET_CHARGING_PROFILE: _("Set charging profile"),
        Operation.CLEAR_CHARGING_PROFILE: _("Clear charging profile"),
        Operation.GET_COMPOSITE_SCHEDULE: _("Get composite schedule"),
        Operation.GET_CHARGING_PROFILES: _("Get charging profiles"),
        Operation.SET_DISPLAY_MESSAGE: _("Set display message"),
        Operation.GET_DISPLAY_MESSAGES: _("Get display messages"),
        Operation.CLEAR_DISPLAY_MESSAGE: _("Clear display message"),
        Operation.UPDATE_FIRMWARE: _("Update firmware"),
        Operation.GET_DIAGNOSTICS: _("Get diagnostics"),
        Operation.VENDOR: _("Vendor command"),
        Operation.ROTATE_PASSWORD: _("Rotate password"),
        Operation.INSTALL_CERTIFICATE: _("Install certificate"),
        Operation.DELETE_CERTIFICATE: _("Delete certificate"),
        Operation.GET_INSTALLED_CERTIFICATE_IDS: _("Get installed certificates"),
        Operation.EXTENDED_TRIGGER_MESSAGE: _("Extended trigger message"),
        Operation.GET_LOG: _("Get log"),
        Operation.SIGNED_UPDATE_FIRMWARE: _("Signed firmware update"),
    }
    return {operation.value: word for operation, word in words.items()}


@dataclass(frozen=True, slots=True)
class CommandRow:
    """A command and its outcome; ``created`` in the station's zone."""

    id: int | None
    operation: str
    """In words."""
    status: str
    """The CommandStatus value (for scripts and tests)."""
    status_text: str
    done: bool
    ok: bool
    error: str
    created: str

    @classmethod
    def of(cls, command: Command, zone: ZoneInfo, gettext: Gettext) -> CommandRow:
        operation = str(command.operation)
        return cls(
            id=command.id,
            operation=operation_words(gettext).get(operation, operation),
            status=command.status.value,
            status_text=status_words(gettext)[command.status.value],
            done=command.done,
            ok=command.status is CommandStatus.ACCEPTED,
            error=command.error,
            created=format_local(command.created_at, zone),
        )
