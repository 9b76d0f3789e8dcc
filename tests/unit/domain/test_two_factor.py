"""Two-factor sign-in's pure rules: TOTP codes (the window, no replay), recovery codes (once
each), and who an organization's requirement applies to."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pyotp

from kilowatt.domain.two_factor import (
    check_second_factor,
    check_totp,
    grouped,
    new_recovery_codes,
    recovery_digest,
    required,
    step_of,
    use_recovery_code,
    valid_secret,
)
from kilowatt.domain.users import Role
from kilowatt.services.two_factor import code_at, codes_of, new_secret, provisioning_uri

NOW = datetime(2026, 12, 1, 12, 0, 10, tzinfo=UTC)


def test_a_secret_is_32_base32_characters_and_its_uri_names_the_account() -> None:
    secret = new_secret()
    assert valid_secret(secret)
    assert not valid_secret(secret.lower())
    assert not valid_secret(secret[:-1])
    assert grouped(secret).replace(" ", "") == secret
    uri = provisioning_uri(secret, "ops@example.com")
    assert uri.startswith("otpauth://totp/Kilowatt:ops%40example.com?")
    assert f"secret={secret}" in uri


def test_codes_are_what_an_app_shows_within_one_step_either_way() -> None:
    secret = new_secret()
    app = pyotp.TOTP(secret)
    assert code_at(secret, NOW) == app.at(int(NOW.timestamp()))
    step = step_of(NOW)
    for offset in (-1, 0, 1):
        moment = NOW + timedelta(seconds=30 * offset)
        assert (
            check_totp(codes_of(secret), app.at(int(moment.timestamp())), NOW, None)
            == step + offset
        )
    for offset in (-2, 2):
        moment = NOW + timedelta(seconds=30 * offset)
        assert check_totp(codes_of(secret), app.at(int(moment.timestamp())), NOW, None) is None
    assert (
        check_totp(
            codes_of(secret),
            " " + code_at(secret, NOW)[:3] + " " + code_at(secret, NOW)[3:],
            NOW,
            None,
        )
        == step
    )
    assert check_totp(codes_of(secret), "12345", NOW, None) is None
    assert check_totp(codes_of(secret), "abcdef", NOW, None) is None


def test_a_code_is_accepted_once_and_older_ones_never_after_it() -> None:
    secret = new_secret()
    now_code = code_at(secret, NOW)
    step = check_totp(codes_of(secret), now_code, NOW, None)
    assert step is not None
    assert check_totp(codes_of(secret), now_code, NOW, step) is None
    earlier = code_at(secret, NOW - timedelta(seconds=30))
    assert check_totp(codes_of(secret), earlier, NOW, step) is None
    later = code_at(secret, NOW + timedelta(seconds=30))
    assert check_totp(codes_of(secret), later, NOW, step) == step + 1


def test_recovery_codes_are_random_kept_as_digests_and_work_once() -> None:
    codes = new_recovery_codes()
    assert len(codes) == len(set(codes)) == 10
    assert all(len(code) == 19 and code.count("-") == 3 for code in codes)
    digests = [recovery_digest(code) for code in codes]
    assert all(code not in digest for code, digest in zip(codes, digests, strict=True))
    left = use_recovery_code(codes[3].upper().replace("-", " "), digests)
    assert left is not None
    assert len(left) == 9
    assert use_recovery_code(codes[3], left) is None
    assert use_recovery_code("aaaa-bbbb-cccc-dddd", digests) is None


def test_the_second_factor_is_a_code_or_else_a_recovery_code() -> None:
    secret = new_secret()
    codes = new_recovery_codes(2)
    digests = [recovery_digest(code) for code in codes]
    by_code = check_second_factor(codes_of(secret), None, digests, code_at(secret, NOW), NOW)
    assert by_code is not None
    assert (by_code.method, by_code.step) == ("totp", step_of(NOW))
    by_recovery = check_second_factor(codes_of(secret), None, digests, codes[0], NOW)
    assert by_recovery is not None
    assert by_recovery.method == "recovery_code"
    assert by_recovery.recovery_digests == (digests[1],)
    assert check_second_factor(codes_of(secret), None, digests, "nonsense", NOW) is None


def test_the_requirement_applies_to_owners_and_admins_only() -> None:
    assert required(Role.OWNER, True)
    assert required(Role.ADMIN, True)
    assert not required(Role.OPERATOR, True)
    assert not required(Role.VIEWER, True)
    assert not required(Role.OWNER, False)
