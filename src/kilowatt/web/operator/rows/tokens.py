"""Words of the drivers, id tokens, token groups and access rules pages."""

from __future__ import annotations

from collections.abc import Callable

from kilowatt.domain.tokens import GroupKind, IdTokenType, TokenStatus

Gettext = Callable[[str], str]


def status_words(gettext: Gettext) -> dict[str, str]:
    _ = gettext
    return {
        TokenStatus.ACCEPTED.value: _("Accepted"),
        TokenStatus.BLOCKED.value: _("Blocked"),
        TokenStatus.EXPIRED.value: _("Expired"),
        TokenStatus.INVALID.value: _("Invalid"),
    }


STATUS_TONES = {
    TokenStatus.ACCEPTED.value: "ok",
    TokenStatus.BLOCKED.value: "bad",
    TokenStatus.EXPIRED.value: "warn",
    TokenStatus.INVALID.value: "bad",
}


def type_words(gettext: Gettext) -> dict[str, str]:
    _ = gettext
    return {
        IdTokenType.ISO14443.value: _("RFID card (ISO 14443)"),
        IdTokenType.ISO15693.value: _("RFID card (ISO 15693)"),
        IdTokenType.CENTRAL.value: _("Issued by Kilowatt"),
        IdTokenType.EMAID.value: _("Contract id (eMAID)"),
        IdTokenType.KEY_CODE.value: _("Key code"),
        IdTokenType.LOCAL.value: _("Local to the station"),
        IdTokenType.MAC_ADDRESS.value: _("Vehicle MAC address"),
        IdTokenType.NO_AUTHORIZATION.value: _("No authorization"),
    }


def kind_words(gettext: Gettext) -> dict[str, str]:
    _ = gettext
    return {
        GroupKind.FLEET.value: _("Fleet"),
        GroupKind.COMPANY.value: _("Company"),
        GroupKind.LOYALTY.value: _("Loyalty programme"),
        GroupKind.TENANTS.value: _("Tenants"),
        GroupKind.OTHER.value: _("Other"),
    }
