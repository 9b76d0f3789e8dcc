"""Certificates made in the test (``cryptography``): CAs, a server certificate for 127.0.0.1,
station client certificates and signing requests, and the client side's TLS contexts."""

from __future__ import annotations

import ipaddress
import ssl
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

Key = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Kilowatt tests"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def key_pem(key: Key) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def cert_pem(certificate: x509.Certificate) -> bytes:
    return certificate.public_bytes(serialization.Encoding.PEM)


@dataclass
class TestCA:
    __test__ = False

    key: ec.EllipticCurvePrivateKey
    certificate: x509.Certificate

    @classmethod
    def create(cls, name: str) -> TestCA:
        key = ec.generate_private_key(ec.SECP256R1())
        now = datetime.now(UTC)
        certificate = (
            x509.CertificateBuilder()
            .subject_name(_name(name))
            .issuer_name(_name(name))
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(hours=1))
            .not_valid_after(now + timedelta(days=30))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
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
        return cls(key, certificate)

    @property
    def pem(self) -> bytes:
        return cert_pem(self.certificate)

    def write(self, directory: Path, stem: str) -> tuple[Path, Path]:
        cert_file, key_file = directory / f"{stem}.pem", directory / f"{stem}.key"
        cert_file.write_bytes(self.pem)
        key_file.write_bytes(key_pem(self.key))
        return cert_file, key_file

    def issue(
        self, common_name: str, *, server: bool = False, key: Key | None = None
    ) -> tuple[x509.Certificate, Key]:
        """A leaf certificate: for TLS clients (a station), or for 127.0.0.1 (a server)."""
        key = key or ec.generate_private_key(ec.SECP256R1())
        now = datetime.now(UTC)
        builder = (
            x509.CertificateBuilder()
            .subject_name(_name(common_name))
            .issuer_name(self.certificate.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(hours=1))
            .not_valid_after(now + timedelta(days=7))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(
                x509.ExtendedKeyUsage(
                    [ExtendedKeyUsageOID.SERVER_AUTH if server else ExtendedKeyUsageOID.CLIENT_AUTH]
                ),
                critical=False,
            )
        )
        if server:
            builder = builder.add_extension(
                x509.SubjectAlternativeName(
                    [
                        x509.DNSName("localhost"),
                        x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                    ]
                ),
                critical=False,
            )
        return builder.sign(self.key, hashes.SHA256()), key


def signing_request(common_name: str, key: Key | None = None) -> tuple[str, Key]:
    """A PEM PKCS#10 request for ``common_name``, as a station makes for SignCertificate."""
    key = key or ec.generate_private_key(ec.SECP256R1())
    request = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(_name(common_name))
        .sign(key, hashes.SHA256())
    )
    return request.public_bytes(serialization.Encoding.PEM).decode("ascii"), key


def chain_of(pem: str) -> list[x509.Certificate]:
    return x509.load_pem_x509_certificates(pem.encode("ascii"))


def verify_issued_by(certificate: x509.Certificate, issuer: x509.Certificate) -> None:
    """Raises unless ``issuer``'s key signed ``certificate`` (and their names chain)."""
    assert certificate.issuer == issuer.subject
    public_key = issuer.public_key()
    assert isinstance(public_key, ec.EllipticCurvePublicKey)
    assert certificate.signature_hash_algorithm is not None
    public_key.verify(
        certificate.signature,
        certificate.tbs_certificate_bytes,
        ec.ECDSA(certificate.signature_hash_algorithm),
    )


def common_name(certificate: x509.Certificate) -> str:
    value = certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value
    return value if isinstance(value, str) else value.decode()


@dataclass
class TlsFiles:
    """A server certificate for 127.0.0.1 (from its own CA) and a station CA, on disk."""

    server_ca: TestCA
    station_ca: TestCA
    server_cert_file: Path
    server_key_file: Path
    server_ca_file: Path
    station_ca_cert_file: Path
    station_ca_key_file: Path
    directory: Path

    @classmethod
    def create(cls, directory: Path) -> TlsFiles:
        directory.mkdir(parents=True, exist_ok=True)
        server_ca = TestCA.create("Test server CA")
        station_ca = TestCA.create("Test station CA")
        certificate, key = server_ca.issue("127.0.0.1", server=True)
        server_cert_file = directory / "server.pem"
        server_key_file = directory / "server.key"
        server_cert_file.write_bytes(cert_pem(certificate))
        server_key_file.write_bytes(key_pem(key))
        server_ca_file, _ = server_ca.write(directory, "server-ca")
        station_ca_cert_file, station_ca_key_file = station_ca.write(directory, "station-ca")
        return cls(
            server_ca,
            station_ca,
            server_cert_file,
            server_key_file,
            server_ca_file,
            station_ca_cert_file,
            station_ca_key_file,
            directory,
        )

    def client_context(
        self, certificate: x509.Certificate | None = None, key: Key | None = None
    ) -> ssl.SSLContext:
        """What a station trusts (the server's CA) and, for profile 3, what it presents."""
        context = ssl.create_default_context(cafile=str(self.server_ca_file))
        if certificate is not None and key is not None:
            name = f"client-{certificate.serial_number:x}"
            cert_file = self.directory / f"{name}.pem"
            key_file = self.directory / f"{name}.key"
            cert_file.write_bytes(cert_pem(certificate))
            key_file.write_bytes(key_pem(key))
            context.load_cert_chain(cert_file, key_file)
        return context

    def client_context_pem(self, chain_pem: str, key: Key) -> ssl.SSLContext:
        """A station presenting a chain it was sent (CertificateSigned)."""
        context = ssl.create_default_context(cafile=str(self.server_ca_file))
        name = f"chain-{abs(hash(chain_pem)):x}"
        cert_file = self.directory / f"{name}.pem"
        key_file = self.directory / f"{name}.key"
        cert_file.write_text(chain_pem)
        key_file.write_bytes(key_pem(key))
        context.load_cert_chain(cert_file, key_file)
        return context
