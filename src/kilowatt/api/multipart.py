"""multipart/form-data read as a stream: the file part goes to its destination chunk by chunk
as it arrives (nothing spooled, so a size limit holds from the first byte); the few small
text fields beside it are kept in memory."""

from __future__ import annotations

from collections import deque
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.exceptions import HTTPException

MAX_FIELD_BYTES = 16 * 1024
MAX_FIELDS = 20

FileSink = Callable[[str, str, AsyncIterator[bytes]], Awaitable[None]]
"""(file name as sent, its content type, its bytes) → stores it."""


def is_multipart(content_type: str) -> bool:
    return content_type.split(";", 1)[0].strip().lower() == "multipart/form-data"


def bad(detail: str) -> HTTPException:
    return HTTPException(400, detail)


@dataclass
class _Part:
    name: str = ""
    filename: str | None = None
    content_type: str = ""
    disposition: bytes = b""
    headers: dict[bytes, bytes] = field(default_factory=dict)


class _Reader:
    """Pulls body chunks through the push parser and hands out its events in order:
    ("start", part), ("data", bytes), ("end", None) per part, then ("done", None)."""

    def __init__(self, boundary: bytes, body: AsyncIterable[bytes]) -> None:
        self._body = body.__aiter__()
        self._events: deque[tuple[str, Any]] = deque()
        self._exhausted = False
        self._part = _Part()
        self._header_name = b""
        self._header_value = b""
        self.in_part = False
        self._parser = MultipartParser(
            boundary,
            {
                "on_part_begin": self._begin,
                "on_header_field": self._header_field,
                "on_header_value": self._header_value_part,
                "on_header_end": self._header_end,
                "on_headers_finished": self._headers_done,
                "on_part_data": self._data,
                "on_part_end": lambda: self._events.append(("end", None)),
                "on_end": lambda: self._events.append(("done", None)),
            },
        )

    def _begin(self) -> None:
        self._part = _Part()

    def _header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_name += data[start:end]

    def _header_value_part(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def _header_end(self) -> None:
        self._part.headers[self._header_name.lower()] = self._header_value
        self._header_name = self._header_value = b""

    def _headers_done(self) -> None:
        part = self._part
        _, options = parse_options_header(part.headers.get(b"content-disposition", b""))
        part.name = options.get(b"name", b"").decode("utf-8", "replace")
        if b"filename" in options:
            part.filename = options[b"filename"].decode("utf-8", "replace")
        part.content_type = part.headers.get(b"content-type", b"").decode("latin-1")
        self._events.append(("start", part))

    def _data(self, data: bytes, start: int, end: int) -> None:
        if end > start:
            self._events.append(("data", data[start:end]))

    async def next(self) -> tuple[str, Any]:
        while not self._events:
            if self._exhausted:
                raise bad("the multipart body ended before its closing boundary")
            try:
                chunk = await self._body.__anext__()
            except StopAsyncIteration:
                self._exhausted = True
                self._parser.finalize()
                continue
            try:
                self._parser.write(chunk)
            except FormParserError as error:
                raise bad(f"malformed multipart body: {error}") from error
        kind, value = self._events.popleft()
        if kind == "start":
            self.in_part = True
        elif kind == "end":
            self.in_part = False
        return kind, value

    async def part_data(self) -> AsyncIterator[bytes]:
        while self.in_part:
            kind, value = await self.next()
            if kind == "data":
                yield value


async def read_form(
    content_type: str,
    body: AsyncIterable[bytes],
    sink: FileSink,
    *,
    max_field_bytes: int = MAX_FIELD_BYTES,
) -> tuple[dict[str, str], bool]:
    """The form's text fields, and whether a file part was handed to ``sink`` (one at most:
    a second file is refused)."""
    _, options = parse_options_header(content_type)
    boundary = options.get(b"boundary")
    if not boundary:
        raise bad("multipart/form-data without a boundary")
    reader = _Reader(boundary, body)
    fields: dict[str, str] = {}
    got_file = False
    while True:
        kind, part = await reader.next()
        if kind == "done":
            return fields, got_file
        if kind != "start":
            raise bad("malformed multipart body")
        if part.filename is not None:
            if got_file:
                raise bad("send one file per request")
            got_file = True
            await sink(part.filename, part.content_type, reader.part_data())
            async for _ in reader.part_data():  # whatever the sink left unread
                pass
            continue
        if len(fields) >= MAX_FIELDS:
            raise bad(f"at most {MAX_FIELDS} form fields")
        value = bytearray()
        async for chunk in reader.part_data():
            value += chunk
            if len(value) > max_field_bytes:
                raise bad(f"form field {part.name!r} is longer than {max_field_bytes} bytes")
        fields[part.name] = value.decode("utf-8", "replace")
