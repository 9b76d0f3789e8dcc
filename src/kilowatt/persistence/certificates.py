"""Kilowatt's small certificate authority for station certificates (``cryptography``).

Its key and certificate are files: configured ones (``KILOWATT_CA_CERT_FILE`` and
``KILOWATT_CA_KEY_FILE``), or else a pair created on first use in ``<data dir>/ca/``. Creation
holds a lock file, so that processes sharing the data dir create one CA between them, not one
each.

It signs the certificate signing requests (PKCS#10) stations send with SignCertificate: the
station certificate is valid for TLS client authentication (security profile 3), and the same
CA is what Kilowatt trusts for client certificates unless another CA file is configured.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import secrets
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from kilowatt.domain.errors import InvalidInput
from kilowatt.domain.station_security import IssuedCertificate, SigningRequest

CA_NAME = "Kilowatt station CA"
CA_YEARS = 20
BACKDATE = timedelta(minutes=5)
"""Certificates start a little before now, for station clocks that run a little late."""

SigningKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey


def _write_private(path: Path, data: bytes, mode: int) -> None:
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)
    os.replace(temporary, path)


@contextlib.contextmanager
def _locked(directory: Path) -> Iterator[None]:
    directory.mkdir(parents=True, exist_ok=True)
    with (directory / ".lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _common_name(name: x509.Name) -> str | None:
    values = name.get_attributes_for_oid(NameOID.COMMON_NAME)
    if len(values) != 1:
        return None
    value = values[0].value
    return value if isinstance(value, str) else value.decode("utf-8", errors="replace")


class LocalCertificateAuthority:
    def __init__(self, cert_file: Path, key_file: Path, *, create: bool) -> None:
        self.cert_file = cert_file
        self.key_file = key_file
        self.create = create
        """Create the pair when it is missing (the data-dir CA); configured files must exist."""
        self._lock = threading.Lock()
        self._key: SigningKey | None = None
        self._certificate: x509.Certificate | None = None

    @classmethod
    def in_data_dir(cls, data_dir: Path) -> LocalCertificateAuthority:
        directory = data_dir / "ca"
        return cls(directory / "ca.pem", directory / "ca.key", create=True)

    # Loading -------------------------------------------------------------------------------

    def ensure(self) -> Path:
        """Load the CA (creating it first if it is ours to create); its certificate file."""
        self._loaded()
        return self.cert_file

    def _loaded(self) -> tuple[SigningKey, x509.Certificate]:
        with self._lock:
            if self._key is None or self._certificate is None:
                if self.create and not (self.key_file.exists() and self.cert_file.exists()):
                    with _locked(self.key_file.parent):
                        if not (self.key_file.exists() and self.cert_file.exists()):
                            self._generate()
                self._key, self._certificate = self._read()
            return self._key, self._certificate

    def _read(self) -> tuple[SigningKey, x509.Certificate]:
        try:
            key = serialization.load_pem_private_key(self.key_file.read_bytes(), password=None)
            certificate = x509.load_pem_x509_certificate(self.cert_file.read_bytes())
        except (OSError, ValueError, TypeError) as error:
            raise RuntimeError(f"cannot read the CA from {self.cert_file}: {error}") from error
        if not isinstance(key, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey):
            raise RuntimeError("the CA key must be an EC or RSA private key")
        return key, certificate

    def _generate(self) -> None:
        key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name(
            [
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Kilowatt"),
                x509.NameAttribute(NameOID.COMMON_NAME, CA_NAME),
            ]
        )
        now = datetime.now(UTC)
        certificate = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - BACKDATE)
            .not_valid_after(now + timedelta(days=365 * CA_YEARS))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=False,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=True,
                    crl_sign=True,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(
                x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False
            )
            .sign(key, hashes.SHA256())
        )
        _write_private(
            self.key_file,
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            ),
            0o600,
        )
        _write_private(self.cert_file, certificate.public_bytes(serialization.Encoding.PEM), 0o644)

    # The CertificateAuthority port ---------------------------------------------------------

    def certificate_pem(self) -> str:
        return self._loaded()[1].public_bytes(serialization.Encoding.PEM).decode("ascii")

    def inspect(self, csr_pem: str) -> SigningRequest:
        """What a signing request asks for; InvalidInput when it is not a valid one."""
        try:
            request = x509.load_pem_x509_csr(csr_pem.encode("ascii"))
        except (ValueError, UnicodeEncodeError):
            raise InvalidInput("csr", "not a PEM certificate signing request") from None
        if not request.is_signature_valid:
            raise InvalidInput("csr", "the request's signature does not verify")
        common_name = _common_name(request.subject)
        if common_name is None:
            raise InvalidInput("csr", "the subject must have exactly one CN")
        key = request.public_key()
        if isinstance(key, rsa.RSAPublicKey):
            return SigningRequest(common_name, "RSA", key.key_size)
        if isinstance(key, ec.EllipticCurvePublicKey):
            return SigningRequest(common_name, "EC", key.curve.key_size)
        return SigningRequest(common_name, type(key).__name__, 0)

    def sign(self, csr_pem: str, days: int, now: datetime) -> IssuedCertificate:
        """A certificate for the request (checked by the caller), and its chain."""
        ca_key, ca_certificate = self._loaded()
        request = x509.load_pem_x509_csr(csr_pem.encode("ascii"))
        public_key = request.public_key()
        if not isinstance(public_key, rsa.RSAPublicKey | ec.EllipticCurvePublicKey):
            raise InvalidInput("csr", "only RSA and EC keys are signed")
        not_after = min(now + timedelta(days=days), ca_certificate.not_valid_after_utc)
        is_rsa = isinstance(public_key, rsa.RSAPublicKey)
        ca_identifier = ca_certificate.extensions.get_extension_for_class(
            x509.SubjectKeyIdentifier
        ).value
        certificate = (
            x509.CertificateBuilder()
            .subject_name(request.subject)
            .issuer_name(ca_certificate.subject)
            .public_key(public_key)
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - BACKDATE)
            .not_valid_after(not_after)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True,
                    content_commitment=False,
                    key_encipherment=is_rsa,
                    data_encipherment=False,
                    key_agreement=not is_rsa,
                    key_cert_sign=False,
                    crl_sign=False,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_identifier),
                critical=False,
            )
            .sign(ca_key, hashes.SHA256())
        )
        chain = certificate.public_bytes(serialization.Encoding.PEM) + ca_certificate.public_bytes(
            serialization.Encoding.PEM
        )
        return IssuedCertificate(
            chain_pem=chain.decode("ascii"),
            serial_number=f"{certificate.serial_number:x}",
            not_after=certificate.not_valid_after_utc,
            fingerprint=certificate.fingerprint(hashes.SHA256()).hex(),
        )


def certificate_authority(
    cert_file: str, key_file: str, data_dir: Path
) -> LocalCertificateAuthority:
    """The configured CA (its files must exist), or the one kept in the data dir."""
    if cert_file:
        return LocalCertificateAuthority(Path(cert_file), Path(key_file or cert_file), create=False)
    return LocalCertificateAuthority.in_data_dir(data_dir)
