"""Storage ports of the files area."""

from __future__ import annotations

from collections.abc import AsyncIterable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol


@dataclass(frozen=True, slots=True)
class StoredFile:
    key: str
    size: int
    sha256: str


class FileStore(Protocol):
    """Where firmware images and uploaded diagnostics are kept (a directory on disk, which
    several nodes must share)."""

    async def write(self, key: str, chunks: AsyncIterable[bytes], *, max_bytes: int) -> StoredFile:
        """Stream ``chunks`` into a new file named ``key``. Past ``max_bytes`` it raises
        TooLarge and keeps nothing; an interrupted write keeps nothing either."""
        ...

    async def delete(self, key: str) -> None:
        """Remove the file; one that is not there is no error."""
        ...

    def local_path(self, key: str) -> Path:
        """The file on disk, for the HTTP edge to serve (it handles HEAD and Range);
        NotFound when it is missing."""
        ...
