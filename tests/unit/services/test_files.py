"""Files for stations: safe names, signed expiring links, upload tokens, the local store, the
secret that signs links, and the streaming multipart reader."""

from __future__ import annotations

import asyncio
import os
import stat
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from starlette.exceptions import HTTPException

from kilowatt.api.multipart import read_form
from kilowatt.domain.errors import Forbidden, NotFound, TooLarge
from kilowatt.domain.files import (
    MAX_NAME,
    check_signature,
    firmware_resource,
    safe_name,
    signature,
    token_digest,
)
from kilowatt.domain.firmware import Firmware
from kilowatt.persistence.files import LocalFileStore, secret_key
from kilowatt.services.files import FileLinks

SECRET = b"s3cret"
NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)

# --- safe names -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given_name", "expected"),
    [
        ("firmware-1.2.bin", "firmware-1.2.bin"),
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\x\\diag log.zip", "diag_log.zip"),
        ("..", "file"),
        (".hidden", "hidden"),
        ("", "file"),
        ("ä ö/å.tar.gz", "_.tar.gz"),
        ("a?b&c=d#e", "a_b_c_d_e"),
    ],
)
def test_names_are_made_safe(given_name: str, expected: str) -> None:
    assert safe_name(given_name) == expected


def test_long_names_keep_their_extension() -> None:
    name = safe_name("x" * 300 + ".tar.gz")
    assert len(name) == MAX_NAME
    assert name.endswith(".gz")


@given(st.text(max_size=400))
def test_a_safe_name_is_always_one_harmless_segment(name: str) -> None:
    cleaned = safe_name(name)
    assert 0 < len(cleaned) <= MAX_NAME
    assert "/" not in cleaned
    assert "\\" not in cleaned
    assert not cleaned.startswith(".")
    assert cleaned.isascii()


# --- signed links ---------------------------------------------------------------------------


def test_a_signature_checks_out_until_it_expires() -> None:
    expires = int(NOW.timestamp()) + 60
    mac = signature(SECRET, "firmware/1/a.bin", expires)
    assert len(mac) == 64
    check_signature(SECRET, "firmware/1/a.bin", expires, mac, NOW.timestamp())
    check_signature(SECRET, "firmware/1/a.bin", expires, mac.upper(), NOW.timestamp())
    with pytest.raises(Forbidden, match="expired"):
        check_signature(SECRET, "firmware/1/a.bin", expires, mac, expires)


@pytest.mark.parametrize(
    ("secret", "resource", "delta", "mac_change"),
    [
        (b"other", "firmware/1/a.bin", 0, ""),
        (SECRET, "firmware/2/a.bin", 0, ""),
        (SECRET, "firmware/1/b.bin", 0, ""),
        (SECRET, "firmware/1/a.bin", 1, ""),
        (SECRET, "firmware/1/a.bin", 0, "0"),
    ],
)
def test_any_change_breaks_the_signature(
    secret: bytes, resource: str, delta: int, mac_change: str
) -> None:
    expires = int(NOW.timestamp()) + 60
    mac = signature(SECRET, "firmware/1/a.bin", expires)
    if mac_change:
        mac = mac[:-1] + ("1" if mac[-1] == "0" else "0")
    with pytest.raises(Forbidden, match="signature"):
        check_signature(secret, resource, expires + delta, mac, NOW.timestamp())


def test_firmware_links_name_the_file_and_carry_their_expiry() -> None:
    links = FileLinks(SECRET, "https://csms.example/")
    image = Firmware(1, "2.0", "fw.bin", 3, "00", "firmware/x", "me", NOW, id=42)
    expires = datetime(2025, 6, 2, tzinfo=UTC)
    url = links.firmware_url(image, expires)
    base, firmware_id, until, mac, name = url.rsplit("/", 4)
    assert base == "https://csms.example/files/firmware"
    assert (firmware_id, until, name) == ("42", str(int(expires.timestamp())), "fw.bin")
    assert mac == signature(SECRET, firmware_resource(42, "fw.bin"), int(until))
    links.check_firmware(42, "fw.bin", int(until), mac, NOW)
    with pytest.raises(Forbidden):
        FileLinks(b"another node's secret", "x").check_firmware(42, "fw.bin", int(until), mac, NOW)
    assert links.upload_url("tok") == "https://csms.example/files/uploads/tok"
    with pytest.raises(ValueError, match="secret"):
        FileLinks(b"", "x")


def test_tokens_are_kept_as_digests() -> None:
    assert token_digest("abc") == token_digest("abc")
    assert token_digest("abc") != token_digest("abd")
    assert "abc" not in token_digest("abc")


# --- the local store ------------------------------------------------------------------------


async def chunks(*parts: bytes) -> AsyncIterator[bytes]:
    for part in parts:
        yield part


async def test_the_store_writes_streams_and_counts_them(tmp_path: Path) -> None:
    store = LocalFileStore(tmp_path)
    stored = await store.write("firmware/abc", chunks(b"hello ", b"", b"world"), max_bytes=11)
    assert (stored.size, stored.key) == (11, "firmware/abc")
    assert stored.sha256 == "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9"
    assert store.local_path("firmware/abc").read_bytes() == b"hello world"
    await store.delete("firmware/abc")
    await store.delete("firmware/abc")  # gone already: no error
    with pytest.raises(NotFound):
        store.local_path("firmware/abc")


async def test_the_store_keeps_nothing_of_a_file_too_large_or_cut_short(tmp_path: Path) -> None:
    store = LocalFileStore(tmp_path)
    with pytest.raises(TooLarge):
        await store.write("diagnostics/1/big", chunks(b"12345", b"6"), max_bytes=5)

    async def broken() -> AsyncIterator[bytes]:
        yield b"half"
        raise ConnectionResetError

    with pytest.raises(ConnectionResetError):
        await store.write("diagnostics/1/cut", broken(), max_bytes=100)
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []  # noqa: ASYNC240


@pytest.mark.parametrize("key", ["../x", "a/../../x", "/etc/passwd", "a//b", "A/b", "a/.x", ""])
async def test_the_store_refuses_keys_that_could_leave_its_directory(
    tmp_path: Path, key: str
) -> None:
    store = LocalFileStore(tmp_path / "files")
    with pytest.raises(ValueError, match="storage key"):
        await store.write(key, chunks(b"x"), max_bytes=10)


def test_a_secret_is_generated_once_and_kept_private(tmp_path: Path) -> None:
    first = secret_key("", tmp_path)
    assert len(first) >= 32
    path = tmp_path / "secret_key"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert secret_key("", tmp_path) == first
    assert secret_key("configured", tmp_path) == b"configured"


# --- the streaming multipart reader ---------------------------------------------------------


def form(*parts: tuple[str, str | None, bytes], boundary: str = "b0undary") -> bytes:
    body = b""
    for name, filename, content in parts:
        disposition = f'form-data; name="{name}"'
        if filename is not None:
            disposition += f'; filename="{filename}"'
        body += f"--{boundary}\r\nContent-Disposition: {disposition}\r\n".encode()
        if filename is not None:
            body += b"Content-Type: application/zip\r\n"
        body += b"\r\n" + content + b"\r\n"
    return body + f"--{boundary}--\r\n".encode()


async def in_pieces(body: bytes, size: int) -> AsyncIterator[bytes]:
    for start in range(0, len(body), size):
        yield body[start : start + size]
        await asyncio.sleep(0)


@pytest.mark.parametrize("piece", [1, 7, 64, 100_000])
async def test_a_form_is_read_as_a_stream_however_it_is_cut(piece: int) -> None:
    content = bytes(range(256)) * 20 + b"\r\n--b0undar"  # almost a boundary, inside the file
    body = form(("version", None, b"1.2"), ("file", "fw.zip", content), ("vendor", None, b"X"))
    received: list[tuple[str, str, bytes]] = []

    async def sink(name: str, content_type: str, data: AsyncIterator[bytes]) -> None:
        received.append((name, content_type, b"".join([c async for c in data])))

    fields, got = await read_form(
        "multipart/form-data; boundary=b0undary", in_pieces(body, piece), sink
    )
    assert got
    assert fields == {"version": "1.2", "vendor": "X"}
    assert received == [("fw.zip", "application/zip", content)]


async def test_a_sink_that_stops_early_leaves_the_rest_of_the_form_readable() -> None:
    body = form(("file", "a.bin", b"x" * 1000), ("after", None, b"yes"))

    async def sink(name: str, content_type: str, data: AsyncIterator[bytes]) -> None:
        await data.__anext__()

    fields, _ = await read_form("multipart/form-data; boundary=b0undary", in_pieces(body, 10), sink)
    assert fields == {"after": "yes"}


@pytest.mark.parametrize(
    ("content_type", "body", "message"),
    [
        ("multipart/form-data", b"", "boundary"),
        ("multipart/form-data; boundary=b0undary", b"--b0undary\r\nContent-Dis", "ended"),
        (
            "multipart/form-data; boundary=b0undary",
            form(("a", "1.bin", b"1"), ("b", "2.bin", b"2")),
            "one file",
        ),
        (
            "multipart/form-data; boundary=b0undary",
            form(("big", None, b"x" * 20_000)),
            "longer than",
        ),
    ],
)
async def test_bad_forms_are_refused(content_type: str, body: bytes, message: str) -> None:
    async def sink(name: str, content_type: str, data: AsyncIterator[bytes]) -> None:
        async for _ in data:
            pass

    with pytest.raises(HTTPException, match=message) as raised:
        await read_form(content_type, chunks(body), sink)
    assert raised.value.status_code == 400
