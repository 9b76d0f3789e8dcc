"""Files Kilowatt keeps for stations (firmware to download, diagnostics they upload) and the
signed, expiring links that let a station reach them without an API key.

A link is signed with HMAC-SHA256 over the resource it names and its expiry time, with a
secret every node shares: any node can check a link that another node made.
"""

from __future__ import annotations

import hashlib
import hmac
import re

from kilowatt.domain.errors import Forbidden

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
MAX_NAME = 100


def safe_name(name: str, default: str = "file") -> str:
    """A file name that is safe in a URL path and on any disk: the last path segment, with
    anything but letters, digits, dot, dash and underscore replaced, no leading dots (no
    hidden files, no ``..``), at most ``MAX_NAME`` characters (keeping the extension)."""
    last = name.replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = _UNSAFE.sub("_", last).strip(".")
    if len(cleaned) > MAX_NAME:
        stem, dot, extension = cleaned.rpartition(".")
        if dot and stem and len(extension) <= 16:
            cleaned = stem[: MAX_NAME - len(extension) - 1] + "." + extension
        else:
            cleaned = cleaned[:MAX_NAME].rstrip(".")
    return cleaned or default


def signature(secret: bytes, resource: str, expires: int) -> str:
    """HMAC-SHA256 (hex) of a resource name and its expiry (seconds since the epoch)."""
    message = f"{resource}\n{expires}".encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


def check_signature(
    secret: bytes, resource: str, expires: int, given: str, now_timestamp: float
) -> None:
    """Forbidden unless ``given`` is the signature of ``resource`` until ``expires``, and
    ``expires`` has not passed. The comparison takes constant time."""
    expected = signature(secret, resource, expires)
    if not hmac.compare_digest(expected, given.lower()):
        raise Forbidden("the link's signature is not valid")
    if now_timestamp >= expires:
        raise Forbidden("the link has expired")


def firmware_resource(firmware_id: int, file_name: str) -> str:
    """What a firmware download link signs: the file and its name as the URL shows it."""
    return f"firmware/{firmware_id}/{file_name}"


def token_digest(token: str) -> str:
    """Upload tokens are kept as their SHA-256: the database alone cannot be used to upload."""
    return hashlib.sha256(token.encode()).hexdigest()
