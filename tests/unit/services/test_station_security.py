"""Station security without I/O: who gets in at which profile, the throttle, the handshake's
parsing, and Kilowatt's CA on files in a temporary directory."""

from __future__ import annotations

import base64
import os
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from hypothesis import given
from hypothesis import strategies as st

from kilowatt.domain.errors import InvalidInput
from kilowatt.domain.station_security import (
    PASSWORD_ALPHABET,
    PasswordCheck,
    Presented,
    Refusal,
    SecurityProfile,
    SigningRequest,
    admit,
    authorization_key,
    check_signing_request,
    from_authorization_key,
)
from kilowatt.domain.throttling import Sampler, Throttle
from kilowatt.ocpp.auth import HandshakeGuard, basic_credentials, certificate_common_name, tls_of
from kilowatt.persistence.certificates import LocalCertificateAuthority, certificate_authority
from kilowatt.services.station_security import new_password
from tests.support.tls import (
    TestCA,
    cert_pem,
    chain_of,
    common_name,
    signing_request,
    verify_issued_by,
)

ID = "CP-1"
PLAIN = Presented(tls=False)
TLS = Presented(tls=True)


def basic(tls: bool = False) -> Presented:
    return Presented(tls=tls, username=ID, password="secret-password-1234")


def certificate(cn: str = ID) -> Presented:
    return Presented(tls=True, certificate_cn=cn)


# Who gets in ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("profile", "shown", "check", "refusal", "after"),
    [
        # Profile 0: anything that is not wrong gets in; what is shown raises it.
        (0, PLAIN, PasswordCheck.NOT_PRESENTED, None, 0),
        (0, basic(), PasswordCheck.NOT_SET, None, 0),
        (0, basic(), PasswordCheck.CURRENT, None, 1),
        (0, basic(tls=True), PasswordCheck.CURRENT, None, 2),
        (0, certificate(), PasswordCheck.NOT_PRESENTED, None, 3),
        (0, basic(), PasswordCheck.WRONG, Refusal.CREDENTIALS_WRONG, 0),
        # Profile 1
        (1, PLAIN, PasswordCheck.NOT_PRESENTED, Refusal.CREDENTIALS_MISSING, 1),
        (1, basic(), PasswordCheck.CURRENT, None, 1),
        (1, basic(), PasswordCheck.PENDING, None, 1),
        (1, basic(), PasswordCheck.WRONG, Refusal.CREDENTIALS_WRONG, 1),
        (1, basic(), PasswordCheck.WRONG_USER, Refusal.CREDENTIALS_WRONG, 1),
        (1, basic(tls=True), PasswordCheck.CURRENT, None, 2),
        # Profile 2: TLS first
        (2, basic(), PasswordCheck.CURRENT, Refusal.TLS_REQUIRED, 2),
        (2, PLAIN, PasswordCheck.NOT_PRESENTED, Refusal.TLS_REQUIRED, 2),
        (2, TLS, PasswordCheck.NOT_PRESENTED, Refusal.CREDENTIALS_MISSING, 2),
        (2, basic(tls=True), PasswordCheck.CURRENT, None, 2),
        (2, certificate(), PasswordCheck.NOT_PRESENTED, None, 3),
        # Profile 3: a certificate for this identity, nothing less
        (3, basic(tls=True), PasswordCheck.CURRENT, Refusal.CREDENTIALS_MISSING, 3),
        (3, TLS, PasswordCheck.NOT_PRESENTED, Refusal.CREDENTIALS_MISSING, 3),
        (3, certificate(), PasswordCheck.NOT_PRESENTED, None, 3),
        (3, certificate("CP-2"), PasswordCheck.NOT_PRESENTED, Refusal.CERTIFICATE_WRONG, 3),
        (3, certificate(""), PasswordCheck.NOT_PRESENTED, Refusal.CERTIFICATE_WRONG, 3),
        (1, certificate("CP-2"), PasswordCheck.CURRENT, Refusal.CERTIFICATE_WRONG, 1),
        (
            3,
            Presented(tls=False, certificate_cn=ID),
            PasswordCheck.NOT_PRESENTED,
            Refusal.TLS_REQUIRED,
            3,
        ),
    ],
)
def test_admission(
    profile: int, shown: Presented, check: PasswordCheck, refusal: Refusal | None, after: int
) -> None:
    admission = admit(ID, SecurityProfile(profile), shown, check)
    assert admission.refusal is refusal
    assert admission.profile == after
    assert admission.before == profile
    assert admission.raised == (refusal is None and after > profile)
    assert admission.accepted == (refusal is None)


def test_refusals_answer_401_or_403_and_what_counts_as_a_failure() -> None:
    wrong = admit(ID, SecurityProfile.BASIC, basic(), PasswordCheck.WRONG)
    missing = admit(ID, SecurityProfile.BASIC, PLAIN, PasswordCheck.NOT_PRESENTED)
    plain = admit(ID, SecurityProfile.TLS_BASIC, basic(), PasswordCheck.CURRENT)
    other = admit(ID, SecurityProfile.MUTUAL_TLS, certificate("X"), PasswordCheck.NOT_PRESENTED)
    assert [a.status for a in (wrong, missing, plain, other)] == [401, 401, 403, 401]
    assert [a.failure for a in (wrong, missing, plain, other)] == [True, True, False, True]
    assert [a.wrong for a in (wrong, missing, plain, other)] == [True, False, False, True]


def test_the_pending_password_is_promoted_when_used() -> None:
    assert admit(ID, SecurityProfile.BASIC, basic(), PasswordCheck.PENDING).promote_pending
    assert not admit(ID, SecurityProfile.BASIC, basic(), PasswordCheck.CURRENT).promote_pending


@given(
    profile=st.sampled_from(list(SecurityProfile)),
    tls=st.booleans(),
    check=st.sampled_from(list(PasswordCheck)),
    cn=st.sampled_from([None, ID, "CP-2"]),
)
def test_no_connection_lowers_a_profile(
    profile: SecurityProfile, tls: bool, check: PasswordCheck, cn: str | None
) -> None:
    shown = Presented(tls=tls, username=ID, password="p" * 20, certificate_cn=cn)
    admission = admit(ID, profile, shown, check)
    assert admission.profile >= profile
    if admission.accepted:
        assert admission.shown >= profile
    if profile >= SecurityProfile.TLS_BASIC and not tls:
        assert not admission.accepted


def test_the_presented_password_never_shows_in_its_repr() -> None:
    shown = Presented(tls=False, username=ID, password="hunter2-hunter2-hunter2")
    assert "hunter2" not in repr(shown)
    assert "hunter2" not in str(shown)


# Passwords --------------------------------------------------------------------------------


def test_passwords_are_random_and_fit_both_versions() -> None:
    passwords = {new_password() for _ in range(50)}
    assert len(passwords) == 50
    for password in passwords:
        assert len(password) == 20
        assert set(password) <= set(PASSWORD_ALPHABET)
        key = authorization_key(password)
        assert len(key) == 40  # 1.6: at most 20 bytes, as hex
        assert from_authorization_key(key) == password


def test_only_an_authorization_key_reads_as_one() -> None:
    assert from_authorization_key("abc") is None
    assert from_authorization_key("zz" * 20) is None
    assert from_authorization_key("00" * 20) is None  # not printable
    assert from_authorization_key("41" * 15) is None  # too short for a password


# The throttle -----------------------------------------------------------------------------


def test_the_throttle_blocks_after_the_limit_and_doubles_each_time() -> None:
    throttle = Throttle(limit=3, window=60, block=10, max_block=25)
    assert throttle.fail("k", 0) is None
    assert throttle.fail("k", 1) is None
    started = throttle.fail("k", 2)
    assert started is not None
    assert started.started
    assert (started.retry_after, started.failures) == (10, 3)
    assert throttle.blocked("k", 5) == 7
    again = throttle.fail("k", 6)  # during the block: counted as blocked, nothing extends it
    assert again is not None
    assert not again.started
    assert throttle.blocked("k", 12) == 0
    for moment in (13, 14):
        assert throttle.fail("k", moment) is None
    second = throttle.fail("k", 15)
    assert second is not None
    assert second.retry_after == 20
    for moment in (40, 41):
        throttle.fail("k", moment)
    third = throttle.fail("k", 42)
    assert third is not None
    assert third.retry_after == 25  # capped


def test_failures_age_out_of_the_window_and_a_quiet_window_forgives() -> None:
    throttle = Throttle(limit=2, window=10, block=5, max_block=100)
    throttle.fail("k", 0)
    assert throttle.fail("k", 11) is None  # the first one is out of the window
    assert throttle.fail("k", 12) is not None  # blocked until 17
    throttle.fail("k", 40)
    started = throttle.fail("k", 41)
    assert started is not None
    assert started.retry_after == 5  # quiet for a window since the block: starts over


def test_a_success_forgets_but_not_during_a_block() -> None:
    throttle = Throttle(limit=2, window=60, block=5, max_block=5)
    throttle.fail("k", 0)
    throttle.succeed("k", 1)
    assert throttle.fail("k", 2) is None
    throttle.fail("k", 3)
    throttle.succeed("k", 4)
    assert throttle.blocked("k", 4) > 0


def test_the_throttle_forgets_the_oldest_keys_first() -> None:
    throttle = Throttle(limit=5, window=60, block=5, max_block=5, max_keys=3)
    for key in "abcd":
        throttle.fail(key, 0)
    assert len(throttle) == 3


def test_the_guard_counts_per_station_and_per_source_and_exempts_the_known() -> None:
    now = [0.0]
    guard = HandshakeGuard(
        max_failures=2, max_failures_per_source=3, window=60, block=10, clock=lambda: now[0]
    )
    guard.succeeded("CP", "10.0.0.1")
    assert guard.failed("CP", "10.0.0.9") == []
    [started] = guard.failed("CP", "10.0.0.8")
    assert started.key == "station CP"
    assert guard.blocked("CP", "10.0.0.7", None) == 10
    assert guard.blocked("CP", "10.0.0.1", None) == 0  # where the station usually is
    assert guard.blocked("CP", "10.0.0.7", "CP") == 0  # a certificate issued to it
    guard.failed("A", "10.0.0.5")
    guard.failed("B", "10.0.0.5")
    [source] = guard.failed("C", "10.0.0.5")
    assert source.key == "address 10.0.0.5"
    assert guard.blocked("D", "10.0.0.5", None) == 10
    assert guard.blocked("D", "10.0.0.6", None) == 0


def test_the_guard_refuses_the_connection_over_the_limit_with_a_growing_block() -> None:
    now = [0.0]
    guard = HandshakeGuard(
        max_connects=3, connect_window=60, connect_block=10, clock=lambda: now[0]
    )
    for moment in (0.0, 0.1, 0.2):
        now[0] = moment
        assert guard.flapping("CP") == 0
        assert guard.admitted("CP") is None
    now[0] = 0.3
    blocked = guard.admitted("CP")
    assert blocked is not None
    assert (blocked.failures, blocked.retry_after) == (4, 10)
    assert guard.flapping("CP") == 10
    assert guard.flapping("OTHER") == 0
    assert guard.admitted("OTHER") is None
    now[0] = 10.3  # the block is over: three more get in, the fourth blocks twice as long
    assert guard.flapping("CP") == 0
    for _ in range(3):
        assert guard.admitted("CP") is None
    again = guard.admitted("CP")
    assert again is not None
    assert again.retry_after == 20


def test_the_sampler_takes_one_per_key_and_interval_and_counts_the_rest() -> None:
    sampler = Sampler(interval=60, total=2)
    assert sampler.take("a", 0) == 0
    assert sampler.take("a", 1) is None
    assert sampler.take("a", 2) is None
    assert sampler.take("b", 2) == 0
    assert sampler.take("c", 3) is None  # two taken within the interval: the cap
    assert sampler.take("a", 61) == 2  # two left out since the last one taken
    assert sampler.take("c", 61.5) is None  # the cap again (b at 2, a at 61)
    assert sampler.take("c", 122) == 2


def test_the_guard_bounds_handshakes_at_once() -> None:
    guard = HandshakeGuard(max_handshakes=2)
    assert guard.enter()
    assert guard.enter()
    assert not guard.enter()
    guard.leave()
    assert guard.enter()


# What a client presents -------------------------------------------------------------------


def _basic(text: str) -> str:
    return "Basic " + base64.b64encode(text.encode()).decode()


def test_basic_credentials() -> None:
    assert basic_credentials(None) == (None, None, "")
    assert basic_credentials(_basic("CP-1:pass:with:colons")) == ("CP-1", "pass:with:colons", "")
    assert basic_credentials(_basic("CP-1:")) == ("CP-1", "", "")
    assert basic_credentials("basic " + base64.b64encode(b"a:b").decode())[:2] == ("a", "b")
    assert basic_credentials("Bearer abc")[2]
    assert basic_credentials("Basic !!!")[2]
    assert basic_credentials(_basic("no colon"))[2]
    latin = "Basic " + base64.b64encode(b"CP:\xe9t\xe9").decode()
    assert basic_credentials(latin)[:2] == ("CP", "été")


def test_the_tls_extension_gives_the_certificates_common_name() -> None:
    ca = TestCA.create("CA")
    leaf, _ = ca.issue("CP-9")
    pem = cert_pem(leaf).decode()
    assert tls_of({"type": "websocket"}) == (False, None)
    assert tls_of({"extensions": {"tls": {"client_cert_chain": []}}}) == (True, None)
    assert tls_of({"extensions": {"tls": {"client_cert_chain": [pem]}}}) == (True, "CP-9")
    unverified = {"client_cert_chain": [pem], "client_cert_error": "unknown ca"}
    assert tls_of({"extensions": {"tls": unverified}}) == (True, None)
    assert certificate_common_name("not a certificate") == ""


# The CA -------------------------------------------------------------------------------------


def test_the_data_dir_ca_is_made_once_and_kept(tmp_path: Path) -> None:
    ca = LocalCertificateAuthority.in_data_dir(tmp_path)
    cert_file = ca.ensure()
    assert cert_file == tmp_path / "ca" / "ca.pem"
    key_mode = stat.S_IMODE(os.stat(tmp_path / "ca" / "ca.key").st_mode)
    assert key_mode == 0o600
    again = LocalCertificateAuthority.in_data_dir(tmp_path)
    assert again.certificate_pem() == ca.certificate_pem()
    [certificate] = chain_of(ca.certificate_pem())
    constraints = certificate.extensions.get_extension_for_class(x509.BasicConstraints).value
    assert constraints.ca


def test_the_ca_signs_a_request_for_a_chain_that_verifies(tmp_path: Path) -> None:
    ca = LocalCertificateAuthority.in_data_dir(tmp_path)
    request, key = signing_request("CP-7")
    assert ca.inspect(request) == SigningRequest("CP-7", "EC", 256)
    now = datetime.now(UTC)
    issued = ca.sign(request, 30, now)
    leaf, root = chain_of(issued.chain_pem)
    verify_issued_by(leaf, root)
    assert common_name(leaf) == "CP-7"
    assert leaf.public_key() == key.public_key()
    assert issued.serial_number == f"{leaf.serial_number:x}"
    assert abs(leaf.not_valid_after_utc - (now + timedelta(days=30))) < timedelta(seconds=2)
    usage = leaf.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert x509.oid.ExtendedKeyUsageOID.CLIENT_AUTH in usage
    assert not leaf.extensions.get_extension_for_class(x509.BasicConstraints).value.ca


def test_the_ca_reads_what_a_request_asks_and_refuses_what_is_not_one(tmp_path: Path) -> None:
    ca = LocalCertificateAuthority.in_data_dir(tmp_path)
    with pytest.raises(InvalidInput):
        ca.inspect("-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n")
    rsa_request, _ = signing_request("CP-8", rsa.generate_private_key(65537, 2048))
    assert ca.inspect(rsa_request) == SigningRequest("CP-8", "RSA", 2048)
    weak, _ = signing_request("CP-8", ec.generate_private_key(ec.SECP192R1()))
    with pytest.raises(InvalidInput, match="EC keys"):
        check_signing_request("CP-8", ca.inspect(weak))
    with pytest.raises(InvalidInput, match="not the station identity"):
        check_signing_request("CP-9", ca.inspect(rsa_request))


def test_a_configured_ca_must_exist(tmp_path: Path) -> None:
    configured = certificate_authority(str(tmp_path / "ca.pem"), "", tmp_path)
    with pytest.raises(RuntimeError, match="cannot read the CA"):
        configured.ensure()
    test_ca = TestCA.create("Operator CA")
    cert_file, key_file = test_ca.write(tmp_path, "operator")
    operator = certificate_authority(str(cert_file), str(key_file), tmp_path)
    assert operator.certificate_pem() == test_ca.pem.decode()
    assert not (tmp_path / "ca").exists()
