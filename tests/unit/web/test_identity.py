"""The pure parts of operator identity: the role table, scopes, audit redaction, client
addresses behind proxies, session expiry, and the English catalog of the dashboard."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from ipaddress import ip_network
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from kilowatt.clients import client_address, is_https
from kilowatt.domain.audit import REDACTED, changes_of, redact
from kilowatt.domain.commands import Operation
from kilowatt.domain.permissions import (
    GRANTS,
    ORGANIZATION_WIDE,
    Permission,
    allows,
    command_permissions,
    may_grant,
    permissions_of,
)
from kilowatt.domain.users import Principal, Role, Scope
from kilowatt.domain.web_sessions import WebSession, new_token, session_key
from kilowatt.web.kit.i18n import negotiate, translations

WEB = Path(__file__).resolve().parents[3] / "src" / "kilowatt" / "web"


def test_owners_hold_everything_and_viewers_only_read() -> None:
    assert GRANTS[Role.OWNER] == frozenset(Permission)
    assert Permission.ORGANIZATIONS_CREATE not in GRANTS[Role.ADMIN]
    assert GRANTS[Role.VIEWER] == {
        Permission.ASSETS_READ,
        Permission.TOKENS_READ,
        Permission.SESSIONS_READ,
    }
    for role in Role:
        assert Permission.ASSETS_READ in GRANTS[role]
        assert GRANTS[role] <= GRANTS[Role.OWNER]


def test_a_caller_limited_to_sites_never_holds_organization_wide_permissions() -> None:
    for role in Role:
        limited = permissions_of(role, limited=True)
        assert not limited & ORGANIZATION_WIDE
        assert limited == GRANTS[role] - ORGANIZATION_WIDE
    admin = Principal(1, Role.ADMIN, "a", site_ids=frozenset({3}))
    assert not allows(admin, Permission.USERS_MANAGE)
    assert allows(admin, Permission.ASSETS_WRITE)
    assert allows(Principal(1, Role.ADMIN, "a"), Permission.USERS_MANAGE)


def test_only_an_owner_grants_owner() -> None:
    assert may_grant(Role.OWNER, Role.OWNER)
    assert not may_grant(Role.ADMIN, Role.OWNER)
    assert all(may_grant(Role.ADMIN, r) for r in Role if r is not Role.OWNER)
    for granter in (Role.OPERATOR, Role.TECHNICIAN, Role.FINANCE, Role.VIEWER):
        assert not any(may_grant(granter, r) for r in Role)


def test_commands_need_more_than_commands_send_when_they_touch_firmware_or_trust() -> None:
    assert command_permissions(Operation.RESET) == {Permission.COMMANDS_SEND}
    assert Permission.FIRMWARE_MANAGE in command_permissions(Operation.UPDATE_FIRMWARE)
    assert Permission.FIRMWARE_MANAGE in command_permissions(Operation.GET_DIAGNOSTICS)
    for operation in Operation:
        assert Permission.COMMANDS_SEND in command_permissions(operation)


def test_a_scope_allows_its_sites_only() -> None:
    everything = Scope(1)
    assert everything.allows_site(None)
    assert everything.allows_site(7)
    some = Scope(1, frozenset({7}))
    assert some.allows_site(7)
    assert not some.allows_site(8)
    assert not some.allows_site(None)  # a station without a site is nobody's in particular
    assert not Scope(1, frozenset()).allows_site(7)


def test_redaction_hides_secrets_and_secret_settings() -> None:
    assert redact({"password": "x", "name": "n"}) == {"password": REDACTED, "name": "n"}
    assert redact({"new_password_hash": "h", "api_key": "k", "csrf_token": "t"}) == {
        "new_password_hash": REDACTED,
        "api_key": REDACTED,
        "csrf_token": REDACTED,
    }
    assert redact({"key": "AuthorizationKey", "value": "00112233"}) == {
        "key": "AuthorizationKey",
        "value": REDACTED,
    }
    assert redact({"key": "HeartbeatInterval", "value": "300"})["value"] == "300"
    variables = {
        "variables": [
            {"component": "SecurityCtrlr", "variable": "BasicAuthPassword", "value": "s3cret"}
        ]
    }
    assert redact(variables)["variables"][0]["value"] == REDACTED
    assert len(redact("x" * 2000)) < 600
    assert changes_of({"a": 1, "b": 2}, {"a": 1, "b": 3}) == {"b": [2, 3]}
    assert changes_of({"password": "old"}, {"password": "new"}) == {"password": REDACTED}


TRUSTED = [ip_network("10.0.0.0/8"), ip_network("::1/128")]


@pytest.mark.parametrize(
    ("peer", "forwarded", "expected"),
    [
        ("203.0.113.5", None, "203.0.113.5"),
        ("203.0.113.5", "198.51.100.1", "203.0.113.5"),  # not a proxy of ours: ignored
        ("10.0.0.2", "198.51.100.1", "198.51.100.1"),
        ("10.0.0.2", "1.2.3.4, 198.51.100.1", "198.51.100.1"),  # what the client wrote: no
        ("10.0.0.2", "198.51.100.1, 10.0.0.9", "198.51.100.1"),  # two proxies of ours
        ("10.0.0.2", "not-an-address", "10.0.0.2"),
        ("::1", "2001:db8::1", "2001:db8::1"),
        (None, "198.51.100.1", None),
    ],
)
def test_the_client_address_believes_only_trusted_proxies(
    peer: str | None, forwarded: str | None, expected: str | None
) -> None:
    assert client_address(peer, forwarded, TRUSTED) == expected
    assert client_address(peer, forwarded, []) == peer


def test_https_is_known_from_the_scheme_or_a_trusted_proxy() -> None:
    assert is_https("https", None, "203.0.113.5", [])
    assert not is_https("http", "https", "203.0.113.5", TRUSTED)
    assert is_https("http", "https", "10.1.1.1", TRUSTED)
    assert not is_https("http", "http", "10.1.1.1", TRUSTED)


def test_a_session_ends_when_idle_or_past_its_lifetime() -> None:
    start = datetime(2026, 1, 1, 12, tzinfo=UTC)
    session = WebSession(
        id=session_key(new_token()),
        csrf_token="t",
        created_at=start,
        last_seen_at=start,
        expires_at=start + timedelta(hours=12),
    )
    idle = timedelta(hours=1)
    assert session.alive(start + timedelta(minutes=59), idle)
    assert not session.alive(start + timedelta(minutes=61), idle)
    session.last_seen_at = start + timedelta(hours=11, minutes=59)
    assert session.alive(start + timedelta(hours=11, minutes=59, seconds=30), idle)
    assert not session.alive(start + timedelta(hours=12), idle)
    assert session_key("a") != session_key("b")
    assert len(new_token()) >= 43


def test_every_text_of_the_dashboard_is_in_the_english_catalog() -> None:
    found = {
        message[2] if isinstance(message[2], str) else message[2][0]
        for message in extract_from_dir(
            str(WEB),
            method_map=[("**/templates/**.html", "jinja2"), ("**.py", "python")],
            options_map={"**/templates/**.html": {"extensions": "jinja2.ext.i18n"}},
        )
    }
    assert "Sign in" in found
    with (WEB / "kit" / "translations" / "en" / "LC_MESSAGES" / "messages.po").open("rb") as po:
        catalog = read_po(po, locale="en")
    assert sorted(m for m in found if not (catalog.get(m) and catalog.get(m).string)) == []
    english = translations("en")
    for message in found:
        assert english.gettext(message) == message, message


def test_the_locale_falls_back_to_english() -> None:
    assert negotiate(None) == "en"
    assert negotiate("de-DE,de;q=0.9") == "en"
    assert negotiate("en-GB,en;q=0.8") == "en"
    assert negotiate("*") == "en"


async def test_live_events_reach_only_those_whose_scope_holds_the_station() -> None:
    from kilowatt.domain.firmware import CampaignStatus
    from kilowatt.domain.live import FirmwareCampaignChanged, StationOnlineChanged
    from kilowatt.services.live import Placement, StationDirectory, event_visible

    places: dict[str, Placement] = {"AT-7": (1, 7), "AT-8": (1, 8), "NOWHERE": (1, None)}

    async def lookup(ocpp_id: str) -> Placement | None:
        return places.get(ocpp_id)

    directory: StationDirectory[Placement] = StationDirectory(lookup)
    everything, some, other = Scope(1), Scope(1, frozenset({7})), Scope(2)
    for station, whole, limited in (
        ("AT-7", True, True),
        ("AT-8", True, False),
        ("NOWHERE", True, False),
        ("UNKNOWN", False, False),
    ):
        online = StationOnlineChanged(station, online=True)
        assert await event_visible(online, directory, everything) is whole
        assert await event_visible(online, directory, some) is limited
        assert await event_visible(online, directory, other) is False
    named = FirmwareCampaignChanged(1, 3, CampaignStatus.ROLLOUT)
    assert await event_visible(named, directory, everything)
    assert not await event_visible(named, directory, some)
    assert not await event_visible(named, directory, other)
