"""Files on local disk (firmware images, uploaded diagnostics) and the secret that signs
links to them.

Several nodes must share the files directory (a shared volume) and the secret: a station
may download from, or upload to, any node.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import re
import secrets
import time
import uuid
from collections.abc import AsyncIterable
from pathlib import Path
from typing import BinaryIO

from kilowatt.domain.errors import NotFound, TooLarge
from kilowatt.services.ports import StoredFile

_KEY = re.compile(r"^[a-z0-9_-]+(/[A-Za-z0-9_-][A-Za-z0-9._-]*)*$")
SECRET_FILE = "secret_key"  # noqa: S105 (a file name)


class LocalFileStore:
    """A FileStore in a directory. Keys are relative paths of safe segments made by the
    services (never a name a client gave). A file is written under a temporary name next to
    its place and renamed into it once complete, so a reader never sees half a file."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()

    def _path(self, key: str) -> Path:
        if not _KEY.match(key) or ".." in key:
            raise ValueError(f"not a storage key: {key!r}")
        path = (self.root / key).resolve()
        if self.root not in path.parents:
            raise ValueError(f"not a storage key: {key!r}")
        return path

    async def write(self, key: str, chunks: AsyncIterable[bytes], *, max_bytes: int) -> StoredFile:
        path = self._path(key)
        await asyncio.to_thread(path.parent.mkdir, parents=True, exist_ok=True)
        partial = path.with_name(f".{path.name}.{uuid.uuid4().hex}.part")
        digest = hashlib.sha256()
        size = 0
        handle: BinaryIO = await asyncio.to_thread(partial.open, "xb")
        try:
            async for chunk in chunks:
                if not chunk:
                    continue
                size += len(chunk)
                if size > max_bytes:
                    raise TooLarge(f"the file is larger than {max_bytes} bytes", max_bytes)
                digest.update(chunk)
                await asyncio.to_thread(handle.write, chunk)
            await asyncio.to_thread(_sync_close, handle)
            await asyncio.to_thread(os.replace, partial, path)
        except BaseException:
            handle.close()
            with contextlib.suppress(OSError):
                partial.unlink()
            raise
        return StoredFile(key=key, size=size, sha256=digest.hexdigest())

    async def delete(self, key: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            await asyncio.to_thread(self._path(key).unlink)

    def local_path(self, key: str) -> Path:
        path = self._path(key)
        if not path.is_file():
            raise NotFound("file", key)
        return path


def _sync_close(handle: BinaryIO) -> None:
    handle.flush()
    os.fsync(handle.fileno())
    handle.close()


def secret_key(configured: str, data_dir: Path) -> bytes:
    """The secret that signs file links: KILOWATT_SECRET_KEY, or else one generated once and
    kept in ``<data dir>/secret_key`` (readable by its owner only)."""
    if configured:
        return configured.encode()
    path = data_dir / SECRET_FILE
    data_dir.mkdir(parents=True, exist_ok=True)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        for _ in range(50):  # another process may be writing it this very moment
            value = path.read_text(encoding="ascii").strip()
            if value:
                return value.encode()
            time.sleep(0.02)
        raise RuntimeError(f"{path} is empty: remove it or set KILOWATT_SECRET_KEY") from None
    value = secrets.token_urlsafe(48)
    with os.fdopen(descriptor, "w", encoding="ascii") as handle:
        handle.write(value + "\n")
    return value.encode()
