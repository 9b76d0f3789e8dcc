"""May this token charge here, now? Answered from memory on the hot path.

What a decision needs (the token and its group's parent id tag; the station's place and the
access rules there) is kept in memory after the first look, so a repeated Authorize costs no
database transaction. The time-dependent part (expiry, time windows) is evaluated afresh on
every call. The cache is emptied (``invalidate``) whenever a committed write touches tokens,
token groups, access rules, sites or a station's site or access (wired in bootstrap.py from
persistence/change_watch.py), and entries older than ``ttl`` seconds are looked up again: with
several nodes, another node's change reaches this one within ``ttl``.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from kilowatt.domain.access import ALLOWED, AccessDecision, AccessMode, AccessRule, Place
from kilowatt.domain.access import decide as decide_access
from kilowatt.domain.stations import StationRef
from kilowatt.domain.tokens import (
    AuthorizationDecision,
    AuthorizationStatus,
    IdToken,
    IdTokenType,
    TokenStatus,
    authorize,
)
from kilowatt.domain.wallets import Wallet, has_credit
from kilowatt.services.access import parent_id_tag
from kilowatt.services.base import Service
from kilowatt.services.ports import Clock, EventPublisher, UnitOfWork, UnitOfWorkFactory

TokenKey = tuple[int, str, IdTokenType | None]
AccessKey = tuple[int, int | None]


class AuthorizationService(Service):
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        bus: EventPublisher,
        *,
        ttl: float = 60.0,
        max_entries: int = 100_000,
    ) -> None:
        super().__init__(uow, clock, bus)
        self.ttl = ttl
        self.max_entries = max_entries
        self._generation = 0
        self._tokens: dict[TokenKey, tuple[float, IdToken | None, str | None]] = {}
        self._places: dict[AccessKey, tuple[float, Place | None, Sequence[AccessRule]]] = {}
        self._wallets: dict[int, tuple[float, Wallet | None]] = {}
        """A prepaid token's wallet (its balance and minimum); whether it has credit is
        decided afresh each time, less what its running sessions have run up so far."""
        self.lookups = 0
        """Units of work opened to fill the cache (for tests and the benchmark)."""

    def invalidate(self) -> None:
        """Something a decision depends on changed: forget everything (and anything being
        looked up right now, which may have read the old state)."""
        self._generation += 1
        self._tokens.clear()
        self._places.clear()
        self._wallets.clear()

    async def authorize(
        self, ref: StationRef, value: str, type: IdTokenType | None = None
    ) -> AuthorizationDecision:
        """The token's state and the access rules at the station (never ConcurrentTx: that
        only concerns a transaction start)."""
        now = self.clock.now()
        fresh_after = time.monotonic() - self.ttl
        token_key: TokenKey = (ref.organization_id, value, type)
        cached_token = self._tokens.get(token_key)
        if cached_token is None or cached_token[0] < fresh_after:
            async with self.uow(readonly=True) as uow:
                return await self._look_up(uow, ref, token_key, now)
        _, token, parent = cached_token
        access = None
        if token is not None and token.status is TokenStatus.ACCEPTED:
            cached_place = self._places.get((ref.id, token.group_id))
            if cached_place is None or cached_place[0] < fresh_after:
                async with self.uow(readonly=True) as uow:
                    return await self._look_up(uow, ref, token_key, now)
            _, place, rules = cached_place
            access = _access(place, token.group_id, rules, now)
        decision = authorize(token, now, parent_id_tag=parent, access=access)
        if decision.accepted and token is not None and token.wallet_id is not None:
            cached_wallet = self._wallets.get(token.wallet_id)
            if cached_wallet is None or cached_wallet[0] < fresh_after:
                async with self.uow(readonly=True) as uow:
                    return await self._look_up(uow, ref, token_key, now)
            if not self._has_credit(token.wallet_id, cached_wallet[1]):
                return replace(decision, status=AuthorizationStatus.NO_CREDIT)
        return decision

    async def _look_up(
        self, uow: UnitOfWork, ref: StationRef, key: TokenKey, now: datetime
    ) -> AuthorizationDecision:
        generation = self._generation
        self.lookups += 1
        organization_id, value, type = key
        token = await uow.tokens.find(organization_id, value, type)
        parent = await parent_id_tag(uow, token)
        access = None
        place: Place | None = None
        rules: Sequence[AccessRule] = ()
        if token is not None and token.status is TokenStatus.ACCEPTED:
            place = await uow.access_rules.place(ref.id)
            if place is not None and place.mode is not AccessMode.PUBLIC and token.group_id:
                rules = await uow.access_rules.at_place(place, token.group_id)
        credit = True
        wallet: Wallet | None = None
        if token is not None and token.wallet_id is not None:
            wallet = await uow.wallets.get_by_id(token.wallet_id)
            credit = self._has_credit(token.wallet_id, wallet)
        decided_at = self.clock.now()
        if token is not None and token.status is TokenStatus.ACCEPTED:
            access = _access(place, token.group_id, rules, decided_at)
        if generation == self._generation:
            if len(self._tokens) + len(self._places) >= self.max_entries:
                self.invalidate()
            stamp = time.monotonic()
            self._tokens[key] = (stamp, token, parent)
            if token is not None and token.status is TokenStatus.ACCEPTED:
                self._places[(ref.id, token.group_id)] = (stamp, place, rules)
            if token is not None and token.wallet_id is not None:
                self._wallets[token.wallet_id] = (stamp, wallet)
        decision = authorize(token, decided_at, parent_id_tag=parent, access=access)
        if decision.accepted and not credit:
            # A prepaid token charges only while its wallet has credit (2.0.1 NoCredit).
            return replace(decision, status=AuthorizationStatus.NO_CREDIT)
        return decision

    def _has_credit(self, wallet_id: int, wallet: Wallet | None) -> bool:
        return wallet is not None and has_credit(wallet, self.credit_spent(wallet_id))


def _access(
    place: Place | None, group_id: int | None, rules: Sequence[AccessRule], now: datetime
) -> AccessDecision:
    """As services/access.py's access_at, from what is cached."""
    if place is None or place.mode is AccessMode.PUBLIC:
        return ALLOWED
    return decide_access(place, group_id, rules if group_id is not None else [], now)
