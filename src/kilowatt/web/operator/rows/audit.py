"""The audit log as the administration pages show and export it: actions, objects and actors
in words (an action not listed here keeps its code)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson

from kilowatt.domain.audit import AuditEntry

Gettext = Callable[[str], str]


def action_words(gettext: Gettext) -> dict[str, str]:
    _ = gettext
    return {
        "login": _("Signed in"),
        "logout": _("Signed out"),
        "login.failed": _("Sign-in failed"),
        "login.throttled": _("Sign-in throttled"),
        "access.unauthorized": _("Request without a valid API key"),
        "access.forbidden": _("Request refused: permission missing"),
        "organization.create": _("Organization created"),
        "organization.update": _("Organization changed"),
        "site.create": _("Site created"),
        "site.update": _("Site changed"),
        "site.delete": _("Site deleted"),
        "station.create": _("Station created"),
        "station.update": _("Station changed"),
        "station.delete": _("Station deleted"),
        "station.credentials": _("Station password issued"),
        "connector.create": _("Connector added"),
        "connector.update": _("Connector changed"),
        "connector.delete": _("Connector deleted"),
        "user.create": _("Operator account created"),
        "user.invite": _("Operator invited"),
        "user.accept_invitation": _("Invitation accepted"),
        "user.invitation_withdrawn": _("Invitation withdrawn"),
        "user.update": _("Operator account changed"),
        "user.delete": _("Operator account deleted"),
        "user.recovery_codes": _("Recovery codes made"),
        "user.two_factor_enable": _("Two-factor sign-in turned on"),
        "user.two_factor_disable": _("Two-factor sign-in turned off"),
        "user.two_factor_reset": _("Two-factor sign-in reset"),
        "api_key.create": _("API key created"),
        "api_key.revoke": _("API key revoked"),
        "driver.create": _("Driver created"),
        "driver.update": _("Driver changed"),
        "driver.delete": _("Driver deleted"),
        "id_token.create": _("ID token created"),
        "id_token.update": _("ID token changed"),
        "id_token.delete": _("ID token deleted"),
        "id_token.import": _("ID tokens imported"),
        "token_group.create": _("Token group created"),
        "token_group.update": _("Token group changed"),
        "token_group.delete": _("Token group deleted"),
        "access_rule.create": _("Access rule created"),
        "access_rule.update": _("Access rule changed"),
        "access_rule.delete": _("Access rule deleted"),
        "fault_code.create": _("Fault code added"),
        "fault_code.update": _("Fault code changed"),
        "fault_code.delete": _("Fault code deleted"),
        "firmware.create": _("Firmware uploaded"),
        "firmware.delete": _("Firmware deleted"),
        "firmware.bin": _("Firmware moved to the bin"),
        "firmware_campaign.create": _("Firmware campaign started"),
        "firmware_campaign.cancel": _("Firmware campaign cancelled"),
        "vendor_template.create": _("Vendor operation created"),
        "vendor_template.update": _("Vendor operation changed"),
        "vendor_template.delete": _("Vendor operation deleted"),
        "job.run": _("Job run asked for"),
    }


def object_words(gettext: Gettext) -> dict[str, str]:
    _ = gettext
    return {
        "organization": _("Organization"),
        "site": _("Site"),
        "station": _("Station"),
        "connector": _("Connector"),
        "user": _("Operator"),
        "api_key": _("API key"),
        "driver": _("Driver"),
        "id_token": _("ID token"),
        "token_group": _("Token group"),
        "access_rule": _("Access rule"),
        "fault_code": _("Fault code"),
        "firmware": _("Firmware"),
        "firmware_campaign": _("Firmware campaign"),
        "vendor_template": _("Vendor operation"),
        "command": _("Command"),
        "route": _("Page or API route"),
        "job": _("Job"),
    }


def actor_words(gettext: Gettext) -> dict[str, str]:
    _ = gettext
    return {
        "user": _("Operator"),
        "api_key": _("API key"),
        "system": _("Kilowatt"),
        "anonymous": _("Not signed in"),
    }


@dataclass(frozen=True, slots=True)
class AuditRow:
    id: int
    at: str
    """UTC, to the second."""
    action: str
    object_type: str
    object_id: str
    actor_type: str
    actor_name: str
    address: str
    changes: str
    """The recorded changes as compact JSON."""

    @classmethod
    def of(cls, entry: AuditEntry, gettext: Gettext) -> AuditRow:
        actions, objects, actors = (
            action_words(gettext),
            object_words(gettext),
            actor_words(gettext),
        )
        action = actions.get(entry.action)
        if action is None and entry.action.startswith("command."):
            action = gettext("Command: %(name)s") % {
                "name": entry.action.removeprefix("command.").replace("_", " ")
            }
        assert entry.id is not None
        return cls(
            id=entry.id,
            at=entry.at.strftime("%Y-%m-%d %H:%M:%S"),
            action=action or entry.action,
            object_type=objects.get(entry.object_type, entry.object_type),
            object_id=entry.object_id,
            actor_type=actors.get(entry.actor_type.value, entry.actor_type.value),
            actor_name=entry.actor_name,
            address=entry.client_address or "",
            changes=_json(entry.changes) if entry.changes else "",
        )


def _json(value: Any) -> str:
    return orjson.dumps(value, default=str, option=orjson.OPT_SORT_KEYS).decode()
