"""Whether the map's tile server answers: a page shows tiles only when it does, so that a
dashboard without the internet (a closed network, the demo on a train) draws its site map on a
plain background instead of filling the browser's console with failed loads.

One small request for the tile of the whole world, remembered for a while (longer when it
answered), shared by every page of the process; at most ``TIMEOUT`` seconds of one page's
time when the answer is not known yet."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

import httpx

TIMEOUT = 1.5
KEEP_REACHABLE = 600.0
KEEP_UNREACHABLE = 120.0


@dataclass
class _Known:
    reachable: bool
    until: float


_known: dict[str, _Known] = {}
_locks: dict[str, asyncio.Lock] = {}


def world_tile(template: str) -> str:
    """The URL of tile 0/0/0 of a ``{z}/{x}/{y}`` template (``{s}`` its first subdomain)."""
    return (
        template.replace("{s}", "a")
        .replace("{z}", "0")
        .replace("{x}", "0")
        .replace("{y}", "0")
        .replace("{r}", "")
    )


async def reachable(template: str) -> bool:
    """Whether the tile server of ``template`` answered lately (False for no template)."""
    if not template:
        return False
    now = time.monotonic()
    known = _known.get(template)
    if known is not None and known.until > now:
        return known.reachable
    lock = _locks.setdefault(template, asyncio.Lock())
    async with lock:
        known = _known.get(template)
        if known is not None and known.until > time.monotonic():
            return known.reachable
        answered = await _probe(world_tile(template))
        keep = KEEP_REACHABLE if answered else KEEP_UNREACHABLE
        _known[template] = _Known(answered, time.monotonic() + keep)
        return answered


async def _probe(url: str) -> bool:
    try:
        async with httpx.AsyncClient(timeout=TIMEOUT, follow_redirects=True) as client:
            response = await client.get(url, headers={"User-Agent": "Kilowatt CSMS"})
    except (httpx.HTTPError, OSError, ValueError):
        return False
    return response.status_code < 400
