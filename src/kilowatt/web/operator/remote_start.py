"""The connector page's remote start: its form fields, why a token was refused, and what came
of the session, in words (the same words static/connector.js shows live)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import Field

from kilowatt.domain.command_params import RemoteStart
from kilowatt.domain.commands import Command, CommandStatus, StartOutcome
from kilowatt.domain.remote_start import TokenRefused, window_of
from kilowatt.domain.tokens import AuthorizationStatus
from kilowatt.web.kit.forms import REQUIRED, Checkbox, Fields, Says
from kilowatt.web.kit.i18n import N_

Gettext = Callable[[str], str]
MAX_TOKEN = 255


def reasons(_: Gettext) -> dict[str, str]:
    """Why Kilowatt refuses a token, as the end of a sentence about the driver's card."""
    return {
        AuthorizationStatus.UNKNOWN.value: _("Kilowatt does not know the card"),
        AuthorizationStatus.BLOCKED.value: _("the card is blocked"),
        AuthorizationStatus.EXPIRED.value: _("the card has expired"),
        AuthorizationStatus.INVALID.value: _("the card is not valid"),
        AuthorizationStatus.NOT_AT_THIS_LOCATION.value: _("it may not charge at this station"),
        AuthorizationStatus.NOT_AT_THIS_TIME.value: _(
            "it may not charge at this station at this time"
        ),
        AuthorizationStatus.CONCURRENT_TX.value: _("it is already charging at another connector"),
        AuthorizationStatus.NO_CREDIT.value: _("its prepaid wallet has too little credit"),
    }


def choice_notes(_: Gettext) -> dict[str, str]:
    """Why the picker offers a token but does not let it be picked."""
    return {
        AuthorizationStatus.BLOCKED.value: _("Blocked"),
        AuthorizationStatus.EXPIRED.value: _("Expired"),
        AuthorizationStatus.INVALID.value: _("Not valid"),
        AuthorizationStatus.NOT_AT_THIS_LOCATION.value: _("Not allowed at this station"),
        AuthorizationStatus.NOT_AT_THIS_TIME.value: _("Not allowed here at this time"),
        AuthorizationStatus.CONCURRENT_TX.value: _("Already charging"),
        AuthorizationStatus.NO_CREDIT.value: _("No credit"),
    }


def refusal(_: Gettext, error: TokenRefused) -> str:
    """The form error beside the token when Kilowatt will not send the start."""
    status = error.status
    if status is AuthorizationStatus.UNKNOWN:
        return _(
            "Kilowatt does not know this token. Register it first, or choose to send a token "
            "Kilowatt does not know."
        )
    if status is AuthorizationStatus.CONCURRENT_TX and error.running is not None:
        return _(
            "This token is already charging: session %(id)s at %(station)s, EVSE %(evse)s."
        ) % {
            "id": error.running.transaction_id,
            "station": error.running.station_ocpp_id,
            "evse": error.running.evse_id,
        }
    words = {
        AuthorizationStatus.BLOCKED: _("This token is blocked."),
        AuthorizationStatus.EXPIRED: _("This token has expired."),
        AuthorizationStatus.INVALID: _("This token is not valid."),
        AuthorizationStatus.NOT_AT_THIS_LOCATION: _(
            "This token may not charge at this station (access rules)."
        ),
        AuthorizationStatus.NOT_AT_THIS_TIME: _(
            "This token may not charge at this station at this time (access rules)."
        ),
        AuthorizationStatus.CONCURRENT_TX: _("This token is already charging."),
        AuthorizationStatus.NO_CREDIT: _(
            "This token is prepaid and its wallet has too little credit: top it up first."
        ),
    }
    return words.get(status, _("Kilowatt would refuse this token here."))


def labels(_: Gettext) -> dict[str, Any]:
    """What became of a remote start's session, for the page and its script."""
    return {
        "waiting": _("Waiting for the session to start (up to %(seconds)s s)…"),
        "started": _("Charging started: session %(id)s"),
        "refused": _("The station began a session but Kilowatt refused the card: %(reason)s"),
        "not_started": _("No session started within %(seconds)s s"),
        "reasons": reasons(_),
    }


@dataclass(frozen=True, slots=True)
class StartView:
    """The line under a remote start's answer."""

    command_id: int
    outcome: str
    """A StartOutcome value, or "" when there is nothing to follow."""
    tone: str
    """The notice's class: info, ok or bad."""
    before: str
    """The sentence; with a session, the text before its link..."""
    after: str = ""
    """...and after it."""
    transaction_id: int | None = None
    window: float = 0
    shown: bool = True


def _seconds(window: float) -> str:
    return f"{window:g}"


def sentence(words: Mapping[str, Any], event: Mapping[str, Any]) -> tuple[str, str]:
    """The sentence of an outcome (``event`` as the bus tells it), split around the session."""
    outcome = event.get("outcome") or ""
    window = _seconds(float(event.get("window") or 0))
    if outcome == StartOutcome.STARTED.value:
        before, _sep, after = str(words["started"]).partition("%(id)s")
        return before, after
    if outcome == StartOutcome.REFUSED.value:
        status = str(event.get("authorization_status") or "")
        reason = words["reasons"].get(status, status)
        return str(words["refused"]) % {"reason": reason}, ""
    if outcome == StartOutcome.NOT_STARTED.value:
        return str(words["not_started"]) % {"seconds": window}, ""
    return str(words["waiting"]) % {"seconds": window}, ""


TONES = {
    StartOutcome.WAITING.value: "info",
    StartOutcome.STARTED.value: "ok",
    StartOutcome.REFUSED.value: "bad",
    StartOutcome.NOT_STARTED.value: "bad",
}


def start_view(words: Mapping[str, Any], command: Command | None) -> StartView | None:
    if command is None or command.id is None or command.operation != "remote_start":
        return None
    outcome = command.start_outcome.value if command.start_outcome is not None else ""
    event = {
        "outcome": outcome,
        "window": window_of(command),
        "authorization_status": command.start_status,
    }
    before, after = sentence(words, event)
    # Until the station accepts, its answer is the news; a refused command has no session.
    shown = bool(outcome) and (
        outcome != StartOutcome.WAITING.value or command.status is CommandStatus.ACCEPTED
    )
    return StartView(
        command_id=command.id,
        outcome=outcome,
        tone=TONES.get(outcome, "info"),
        before=before,
        after=after,
        transaction_id=command.start_transaction_id,
        window=window_of(command),
        shown=shown,
    )


class CommandForm(Fields):
    """What every command form of the connector page sends: the picker's search (to show it
    again)."""

    q: Annotated[str, Field(max_length=MAX_TOKEN)] = ""


class StartForm(CommandForm):
    """The remote start: the token picked (or typed); ``unknown_tag`` is the text nobody holds
    that the picker offered as an option of its own, ``allow_unknown`` the plain field's box
    to tick for it."""

    id_tag: Annotated[
        str,
        Field(max_length=MAX_TOKEN),
        REQUIRED,
        Says(N_("Choose or enter the token to charge with.")),
    ] = ""
    unknown_tag: Annotated[str, Field(max_length=MAX_TOKEN)] = ""
    allow_unknown: Checkbox = False


def start_params(start: StartForm, evse_id: int) -> RemoteStart:
    """The remote start's params: the token, and whether the operator chose to send a token
    Kilowatt does not know."""
    offered = start.unknown_tag
    allow_unknown = start.allow_unknown or (bool(offered) and offered == start.id_tag)
    return RemoteStart(id_tag=start.id_tag, evse_id=evse_id, allow_unknown=allow_unknown)
