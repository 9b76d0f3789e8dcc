"""A service's refusal in the reader's words. Domain errors (domain/errors.py) carry English
text for logs and the API; a page shows the words chosen here by the error's stable ``code``
and ``reason`` (and, for bad input, its field), translated, never the English text."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

from kilowatt.domain.errors import DomainError, InvalidInput, NotFound, Throttled, TooLarge

Gettext = Callable[[str], str]

TRANSLATED = "translated"
"""The reason of an InvalidInput whose message is already in the reader's words (a web form's
own reading, raised again as InvalidInput)."""

_AT_MOST = re.compile(r"^at most (\d+) characters$")
_AT_LEAST = re.compile(r"^at least (\d+) characters$")
_BETWEEN = re.compile(r"^must be between (-?[\d.]+) and (-?[\d.]+)$")


def _reasons(_: Gettext) -> dict[str, str]:
    return {
        "last_owner": _("The organization's last owner cannot be demoted, deactivated or removed."),
        "self_change": _(
            "You cannot change your own role or sites, nor deactivate or remove yourself."
        ),
        "email_taken": _("This email address already has an account."),
        "role_not_grantable": _("Your role cannot give this role."),
        "not_manageable": _("Your role cannot change this account or key."),
        "limited_caller": _("Someone limited to some sites cannot manage accounts or keys."),
        "owner_scope": _("An owner sees every site: choose every site, or another role."),
        "unknown_site": _("Choose sites from the list."),
        "invitation_accepted": _("The invitation was already accepted."),
        "no_such_site": _("There is no such site, or it is not yours to see."),
        "site_required": _("Choose one of your sites: you are limited to some sites."),
        "unknown_time_zone": _("Unknown time zone: use a name such as Europe/Helsinki."),
        "coordinates_pair": _("Enter both latitude and longitude, or neither."),
        "ocpp_identity": _(
            "Use 1 to 48 characters: letters, digits and . _ - ~ * + @ = (not only dots)."
        ),
    }


def _things(_: Gettext) -> dict[str, str]:
    return {
        "user": _("There is no such operator."),
        "API key": _("There is no such API key."),
        "site": _("There is no such site, or it is not yours to see."),
        "station": _("There is no such station, or it is not yours to see."),
        "connector": _("There is no such connector."),
        "command": _("No such command."),
        "transaction": _("There is no such session."),
        "driver": _("There is no such driver."),
        "id token": _("There is no such card or token."),
        "token": _("There is no such card or token."),
    }


def _input(error: InvalidInput, _: Gettext) -> str:
    if error.reason == TRANSLATED:
        return error.message
    if error.message in ("must not be empty", "is required"):
        return _("This field is required.")
    if found := _AT_MOST.match(error.message):
        return _("At most %(count)s characters.") % {"count": found.group(1)}
    if found := _AT_LEAST.match(error.message):
        return _("At least %(count)s characters.") % {"count": found.group(1)}
    if found := _BETWEEN.match(error.message):
        return _("Enter a number from %(low)s to %(high)s.") % {
            "low": found.group(1),
            "high": found.group(2),
        }
    if error.message == "must be positive":
        return _("Enter a positive number.")
    if error.message == "cannot be changed":
        return _("This cannot be changed.")
    if error.message == "not an email address":
        return _("Enter an email address, such as name@example.com.")
    return _("This value is not accepted.")


def refusal(error: DomainError, gettext: Gettext, fields: Mapping[str, str] | None = None) -> str:
    """The words for ``error``: its reason's, else its kind's. Bad input names its field, in
    the words ``fields`` gives for it (the form's labels), when it has them."""
    _ = gettext
    if error.reason and error.reason in (reasons := _reasons(_)):
        return reasons[error.reason]
    if isinstance(error, NotFound):
        return _things(_).get(
            error.entity, _("What was asked for does not exist, or it is not yours to see.")
        )
    if isinstance(error, InvalidInput):
        text = _input(error, _)
        label = (fields or {}).get(error.field)
        return _("%(field)s: %(problem)s") % {"field": label, "problem": text} if label else text
    if isinstance(error, TooLarge):
        return _("Too much data: at most %(limit)s bytes.") % {"limit": error.limit}
    if isinstance(error, Throttled):
        return _("Too many attempts: try again in %(seconds)s seconds.") % {
            "seconds": error.retry_after
        }
    return {
        "conflict": _("This cannot be done now: something it depends on is in another state."),
        "forbidden": _("Your role or scope does not allow this."),
        "station_offline": _("The station is not connected."),
        "append_only": _("This record may only be added to, never changed."),
    }.get(error.code, _("This was refused."))


def field_refusal(
    error: InvalidInput, gettext: Gettext, aliases: Mapping[str, str] | None = None
) -> tuple[str, str]:
    """(form field, words) of bad input, to show beside the field: ``aliases`` renames the
    service's field to the form's (``site_ids`` → ``site``)."""
    return (aliases or {}).get(error.field, error.field), refusal(error, gettext)
