"""Words of the administration pages: roles, account states, scopes."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from kilowatt.domain.invitations import is_invited
from kilowatt.domain.users import Role, User

Gettext = Callable[[str], str]


def role_words(gettext: Gettext) -> dict[str, str]:
    _ = gettext
    return {
        Role.OWNER.value: _("Owner"),
        Role.ADMIN.value: _("Administrator"),
        Role.OPERATOR.value: _("Operator"),
        Role.TECHNICIAN.value: _("Technician"),
        Role.FINANCE.value: _("Finance"),
        Role.VIEWER.value: _("Viewer"),
    }


def role_hints(gettext: Gettext) -> dict[str, str]:
    """What each role may do, in a sentence (beside the role's choice)."""
    _ = gettext
    return {
        Role.OWNER.value: _("Everything, including other owners and new organizations."),
        Role.ADMIN.value: _("Everything in this organization but its owners."),
        Role.OPERATOR.value: _("Sites, stations, commands, drivers and id tokens."),
        Role.TECHNICIAN.value: _("Stations, commands, firmware and diagnostics."),
        Role.FINANCE.value: _("Tariffs, wallets and invoices; reads the rest."),
        Role.VIEWER.value: _("Reads sites, stations, sessions and tokens."),
    }


def account_state(user: User, gettext: Gettext) -> tuple[str, str]:
    """(tone, words) of an account: invited, active or deactivated."""
    _ = gettext
    if is_invited(user.password_hash):
        return "warn", _("Invited, not yet accepted")
    if user.is_active:
        return "ok", _("Active")
    return "muted", _("Deactivated")


def scope_words(
    site_ids: Sequence[int] | None, site_names: Mapping[int, str], gettext: Gettext
) -> str:
    if site_ids is None:
        return gettext("Every site")
    names = [site_names.get(s, f"#{s}") for s in site_ids]
    return ", ".join(sorted(names)) or gettext("No site")
