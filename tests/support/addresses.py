"""Client addresses for tests that come "from" somewhere (X-Forwarded-For through a trusted
proxy): documentation addresses (RFC 5737), each handed out once in this process. Two clients
drawn at random from one /24 shared an address now and then, and the second inherited the
first's failed logins (a flaky 429)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

_BLOCKS = ("192.0.2", "198.51.100", "203.0.113")


def _addresses() -> Iterator[str]:
    start = uuid.uuid4().int % 2_000
    for n in range(start, start + len(_BLOCKS) * 254):
        yield f"{_BLOCKS[n // 254 % len(_BLOCKS)]}.{n % 254 + 1}"


_UNUSED = _addresses()


def new_address() -> str:
    """An address no other client of this test process has had."""
    return next(_UNUSED)
