"""Access rules: which token groups may charge at which sites and stations, and when; and the
authorization decision every edge asks for (Authorize, transaction start), with them applied."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from typing import Any

from kilowatt.domain.access import (
    ALLOWED,
    AccessDecision,
    AccessMode,
    AccessRule,
    TimeWindow,
    check_windows,
)
from kilowatt.domain.access import decide as decide_access
from kilowatt.domain.audit import changes_of
from kilowatt.domain.errors import InvalidInput, NotFound
from kilowatt.domain.paging import Page, PageRequest
from kilowatt.domain.stations import key_of
from kilowatt.domain.tokens import (
    AuthorizationDecision,
    AuthorizationStatus,
    IdToken,
    TokenStatus,
    authorize,
)
from kilowatt.domain.users import Principal, Scope
from kilowatt.domain.wallets import has_credit
from kilowatt.services.audit import record
from kilowatt.services.base import Service, station_in_scope
from kilowatt.services.ports import AccessRuleFilter, UnitOfWork

RULE_FIELDS = frozenset({"windows", "description"})
MAX_DESCRIPTION = 500


async def parent_id_tag(uow: UnitOfWork, token: IdToken | None) -> str | None:
    """The parent id tag of the token's group (OCPP parentIdTag / groupIdToken)."""
    if token is None or token.group_id is None:
        return None
    group = await uow.token_groups.get(token.organization_id, token.group_id)
    return group.parent_id_tag if group is not None else None


async def access_at(
    uow: UnitOfWork, station_id: int, group_id: int | None, now: datetime
) -> AccessDecision:
    """May a token of ``group_id`` charge at the station now?"""
    place = await uow.access_rules.place(station_id)
    if place is None or place.mode is AccessMode.PUBLIC:
        return ALLOWED
    rules = await uow.access_rules.at_place(place, group_id) if group_id is not None else []
    return decide_access(place, group_id, rules, now)


async def decide(
    uow: UnitOfWork,
    station_id: int,
    token: IdToken | None,
    now: datetime,
    *,
    in_other_transaction: bool = False,
    at_station: bool = True,
    spent: Callable[[int], Decimal] | None = None,
) -> AuthorizationDecision:
    """The answer for ``token`` at the station: its state, then (``at_station``) the access
    rules there, then ``in_other_transaction``. Without ``at_station`` the rules are not asked:
    a driver may always present the card that stops a session. ``spent``: what a prepaid
    wallet's running sessions have run up so far (in memory), less from its balance."""
    if token is None:
        return authorize(None, now)
    access = None
    if at_station and token.status is TokenStatus.ACCEPTED:
        access = await access_at(uow, station_id, token.group_id, now)
    decision = authorize(
        token,
        now,
        in_other_transaction=in_other_transaction,
        parent_id_tag=await parent_id_tag(uow, token),
        access=access,
    )
    if decision.accepted and at_station and token.wallet_id is not None:
        # A prepaid token charges only while its wallet has credit (2.0.1 NoCredit).
        wallet = await uow.wallets.get_by_id(token.wallet_id)
        used = spent(token.wallet_id) if spent is not None else Decimal(0)
        if wallet is None or not has_credit(wallet, used):
            return replace(decision, status=AuthorizationStatus.NO_CREDIT)
    return decision


@dataclass(frozen=True, slots=True)
class AccessRuleInput:
    group_id: int
    site_id: int | None = None
    station_ocpp_id: str | None = None
    windows: Sequence[TimeWindow] = ()
    description: str = ""


@dataclass(frozen=True, slots=True)
class AccessRuleView:
    rule: AccessRule
    station_ocpp_id: str | None


def _check_description(description: str) -> str:
    if len(description) > MAX_DESCRIPTION:
        raise InvalidInput("description", f"at most {MAX_DESCRIPTION} characters")
    return description.strip()


def _windows_json(windows: Sequence[TimeWindow]) -> list[dict[str, object]]:
    return [w.to_json() for w in windows]


class AccessService(Service):
    async def create(self, principal: Principal, data: AccessRuleInput) -> AccessRuleView:
        if (data.site_id is None) == (data.station_ocpp_id is None):
            raise InvalidInput("site_id", "name either a site (site_id) or a station (station_id)")
        windows = check_windows(data.windows)
        description = _check_description(data.description)
        now = self.clock.now()
        scope = principal.scope
        async with self.uow() as uow:
            if await uow.token_groups.get(principal.organization_id, data.group_id) is None:
                raise InvalidInput(
                    "token_group_id", f"no token group {data.group_id} in this organization"
                )
            station_id = None
            if data.site_id is not None and await uow.sites.get(scope, data.site_id) is None:
                raise InvalidInput(
                    "site_id", f"no site {data.site_id} in this organization", reason="no_such_site"
                )
            if data.station_ocpp_id is not None:
                station = await uow.stations.get(scope, data.station_ocpp_id)
                if station is None:
                    raise InvalidInput(
                        "station_id", f"no station {data.station_ocpp_id} in this organization"
                    )
                station_id = station.id
            rule = await uow.access_rules.add(
                AccessRule(
                    organization_id=principal.organization_id,
                    group_id=data.group_id,
                    site_id=data.site_id,
                    station_id=station_id,
                    windows=windows,
                    description=description,
                    created_at=now,
                    updated_at=now,
                )
            )
            await record(
                uow,
                principal,
                "access_rule.create",
                "access_rule",
                rule.id,
                {
                    "token_group_id": data.group_id,
                    "site_id": data.site_id,
                    "station_id": data.station_ocpp_id,
                    "windows": _windows_json(windows),
                    "description": description,
                },
                at=now,
            )
            await uow.commit()
        return AccessRuleView(rule, data.station_ocpp_id)

    async def get(self, principal: Principal, rule_id: int) -> AccessRuleView:
        async with self.uow(readonly=True) as uow:
            rule = await self._get(uow, principal.scope, rule_id)
            return (await self._views(uow, [rule]))[0]

    async def search(
        self,
        principal: Principal,
        page: PageRequest,
        where: AccessRuleFilter,
        station_ocpp_id: str | None = None,
    ) -> Page[AccessRuleView]:
        scope = principal.scope
        async with self.uow(readonly=True) as uow:
            if station_ocpp_id is not None:
                station = await uow.stations.get(scope, station_ocpp_id)
                if station is None:
                    return Page(items=[], next_cursor=None)
                where = replace(where, station_id=station.id)
            found = await uow.access_rules.search(scope, page, where)
            return Page(items=await self._views(uow, found.items), next_cursor=found.next_cursor)

    async def update(
        self, principal: Principal, rule_id: int, changes: dict[str, Any]
    ) -> AccessRuleView:
        unknown = set(changes) - RULE_FIELDS
        if unknown:
            raise InvalidInput(sorted(unknown)[0], "cannot be changed")
        if "windows" in changes:
            changes["windows"] = check_windows(changes["windows"] or [])
        if "description" in changes:
            changes["description"] = _check_description(changes["description"] or "")
        async with self.uow() as uow:
            rule = await self._get(uow, principal.scope, rule_id)
            before = {"windows": _windows_json(rule.windows), "description": rule.description}
            for name, value in changes.items():
                setattr(rule, name, value)
            rule.updated_at = self.clock.now()
            after = {"windows": _windows_json(rule.windows), "description": rule.description}
            await record(
                uow,
                principal,
                "access_rule.update",
                "access_rule",
                rule_id,
                changes_of(before, after),
                at=rule.updated_at,
            )
            view = (await self._views(uow, [rule]))[0]
            await uow.commit()
        return view

    async def delete(self, principal: Principal, rule_id: int) -> None:
        async with self.uow() as uow:
            rule = await self._get(uow, principal.scope, rule_id)
            view = (await self._views(uow, [rule]))[0]
            await uow.access_rules.delete(rule)
            await record(
                uow,
                principal,
                "access_rule.delete",
                "access_rule",
                rule_id,
                {
                    "token_group_id": rule.group_id,
                    "site_id": rule.site_id,
                    "station_id": view.station_ocpp_id,
                },
                at=self.clock.now(),
            )
            await uow.commit()

    async def check(
        self, principal: Principal, station_ocpp_id: str, value: str
    ) -> AuthorizationDecision:
        """What a station would be answered now if it asked about the token ``value``."""
        async with self.uow(readonly=True) as uow:
            station = await station_in_scope(uow, principal.scope, station_ocpp_id)
            token = await uow.tokens.find(principal.organization_id, value)
            return await decide(
                uow, key_of(station), token, self.clock.now(), spent=self.credit_spent
            )

    @staticmethod
    async def _get(uow: UnitOfWork, scope: Scope, rule_id: int) -> AccessRule:
        rule = await uow.access_rules.get(scope, rule_id)
        if rule is None:
            raise NotFound("access rule", rule_id)
        return rule

    @staticmethod
    async def _views(uow: UnitOfWork, rules: Sequence[AccessRule]) -> list[AccessRuleView]:
        names = await uow.stations.identities(
            {r.station_id for r in rules if r.station_id is not None}
        )
        return [
            AccessRuleView(r, names.get(r.station_id) if r.station_id is not None else None)
            for r in rules
        ]
