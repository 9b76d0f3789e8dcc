"""Who is on the other end of an HTTP request: the client's address and whether it used HTTPS.

X-Forwarded-For and X-Forwarded-Proto are believed only from a trusted proxy
(``KILOWATT_TRUSTED_PROXIES``); anyone else could write whatever they like in them.
"""

from __future__ import annotations

from collections.abc import Sequence
from ipaddress import IPv4Network, IPv6Network, ip_address

Network = IPv4Network | IPv6Network


def _trusted(address: str, networks: Sequence[Network]) -> bool:
    try:
        ip = ip_address(address)
    except ValueError:
        return False
    return any(ip.version == net.version and ip in net for net in networks)


def _valid(address: str) -> bool:
    try:
        ip_address(address)
    except ValueError:
        return False
    return True


def client_address(
    peer: str | None, forwarded_for: str | None, trusted: Sequence[Network]
) -> str | None:
    """The peer, or when the peer is a trusted proxy, the nearest address in X-Forwarded-For
    that is not itself a trusted proxy (a client can prepend anything; only what our own
    proxies appended counts)."""
    if not peer or not forwarded_for or not _trusted(peer, trusted):
        return peer
    hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
    for hop in reversed(hops):
        if not _valid(hop):
            return peer  # a malformed chain: believe only what we saw ourselves
        if not _trusted(hop, trusted):
            return hop
    return hops[0] if hops else peer


def is_https(
    scheme: str, forwarded_proto: str | None, peer: str | None, trusted: Sequence[Network]
) -> bool:
    if scheme in ("https", "wss"):
        return True
    if forwarded_proto and peer and _trusted(peer, trusted):
        return forwarded_proto.split(",")[0].strip().lower() == "https"
    return False
