"""Id tokens: the cards, fobs and app tokens drivers charge with, and the groups they belong
to (a fleet, a company's employees...) whose parent id tag OCPP group authorization uses."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from kilowatt.domain.audit import changes_of
from kilowatt.domain.errors import Conflict, Forbidden, InvalidInput, NotFound
from kilowatt.domain.paging import Page, PageRequest
from kilowatt.domain.tokens import (
    MAX_LOAD_PRIORITY,
    GroupKind,
    IdToken,
    IdTokenType,
    TokenGroup,
    TokenStatus,
    check_parent_id_tag,
)
from kilowatt.domain.users import Principal
from kilowatt.services.audit import record
from kilowatt.services.base import Service
from kilowatt.services.ports import TokenFilter, TokenGroupFilter, UnitOfWork
from kilowatt.services.tariffs import forget_group

TOKEN_FIELDS = frozenset(
    {"status", "expires_at", "group_id", "parent_id_tag", "driver_id", "label"}
)
GROUP_FIELDS = frozenset({"name", "kind", "description", "parent_id_tag", "load_priority"})
UNSET: Any = object()


@dataclass(frozen=True, slots=True)
class TokenInput:
    value: str
    type: IdTokenType = IdTokenType.ISO14443
    status: TokenStatus = TokenStatus.ACCEPTED
    expires_at: datetime | None = None
    group_id: int | None = None
    """The token's group, by id..."""
    parent_id_tag: str | None = None
    """...or by its parent id tag; a tag no group has makes a new group (kind other)."""
    driver_id: int | None = None
    label: str = ""


@dataclass(frozen=True, slots=True)
class TokenView:
    token: IdToken
    parent_id_tag: str | None
    """Of the token's group: what stations are told as parentIdTag / groupIdToken."""


@dataclass(frozen=True, slots=True)
class GroupInput:
    name: str
    kind: GroupKind = GroupKind.OTHER
    description: str = ""
    parent_id_tag: str | None = None
    load_priority: int = 0


@dataclass(frozen=True, slots=True)
class GroupView:
    group: TokenGroup
    tokens: int


def _check_value(value: str) -> None:
    if not value or len(value) > 255 or value != value.strip():
        raise InvalidInput("value", "1 to 255 characters without surrounding spaces")


def _check_group(group: TokenGroup) -> None:
    group.name = group.name.strip()
    if not group.name or len(group.name) > 200:
        raise InvalidInput("name", "1 to 200 characters")
    if len(group.description) > 500:
        raise InvalidInput("description", "at most 500 characters")
    check_parent_id_tag(group.parent_id_tag)
    if not 0 <= group.load_priority <= MAX_LOAD_PRIORITY:
        raise InvalidInput("load_priority", f"between 0 and {MAX_LOAD_PRIORITY}")


def _group_fields(group: TokenGroup) -> dict[str, Any]:
    return {name: getattr(group, name) for name in sorted(GROUP_FIELDS)}


async def _new_group(
    uow: UnitOfWork, principal: Principal, group: TokenGroup, now: datetime
) -> TokenGroup:
    _check_group(group)
    if group.parent_id_tag is not None and await uow.token_groups.by_parent_id_tag(
        group.organization_id, group.parent_id_tag
    ):
        raise Conflict(f"a token group with parent id tag {group.parent_id_tag!r} already exists")
    await uow.token_groups.add(group)
    await record(
        uow, principal, "token_group.create", "token_group", group.id, _group_fields(group), at=now
    )
    return group


async def _resolve_group(
    uow: UnitOfWork,
    principal: Principal,
    group_id: int | None,
    parent_id_tag: str | None,
    now: datetime,
) -> TokenGroup | None:
    """The group named by id, by parent id tag (made when no group has that tag), or both
    (they must agree); None for neither."""
    organization_id = principal.organization_id
    group = None
    if group_id is not None:
        group = await uow.token_groups.get(organization_id, group_id)
        if group is None:
            raise InvalidInput("token_group_id", f"no token group {group_id} in this organization")
    if parent_id_tag is None:
        return group
    check_parent_id_tag(parent_id_tag)
    if group is not None:
        if group.parent_id_tag != parent_id_tag:
            raise InvalidInput(
                "group_id",
                f"token group {group_id} has another parent id tag than {parent_id_tag!r}",
            )
        return group
    found = await uow.token_groups.by_parent_id_tag(organization_id, parent_id_tag)
    if found is not None:
        return found
    return await _new_group(
        uow,
        principal,
        TokenGroup(
            organization_id=organization_id,
            name=parent_id_tag[:200],
            kind=GroupKind.OTHER,
            description="Made for a token naming this parent id tag.",
            parent_id_tag=parent_id_tag,
            created_at=now,
            updated_at=now,
        ),
        now,
    )


async def _check_driver(uow: UnitOfWork, organization_id: int, driver_id: int | None) -> None:
    if driver_id is not None and await uow.drivers.get(organization_id, driver_id) is None:
        raise InvalidInput("driver_id", f"no driver {driver_id} in this organization")


async def token_views(
    uow: UnitOfWork, organization_id: int, tokens: Sequence[IdToken]
) -> list[TokenView]:
    groups = await uow.token_groups.by_ids(
        organization_id, {t.group_id for t in tokens if t.group_id is not None}
    )
    parents = {g.id: g.parent_id_tag for g in groups}
    return [
        TokenView(t, parents.get(t.group_id) if t.group_id is not None else None) for t in tokens
    ]


class TokenService(Service):
    async def create(self, principal: Principal, data: TokenInput) -> TokenView:
        _check_value(data.value)
        now = self.clock.now()
        organization_id = principal.organization_id
        async with self.uow() as uow:
            existing = await uow.tokens.find(organization_id, data.value, data.type)
            if existing is not None and existing.type == data.type:
                raise Conflict(f"token {data.value!r} of type {data.type.value} already exists")
            group = await _resolve_group(uow, principal, data.group_id, data.parent_id_tag, now)
            await _check_driver(uow, organization_id, data.driver_id)
            token = IdToken(
                organization_id=organization_id,
                value=data.value,
                type=data.type,
                status=data.status,
                expires_at=data.expires_at,
                group_id=group.id if group else None,
                driver_id=data.driver_id,
                label=data.label,
                created_at=now,
                updated_at=now,
            )
            await uow.tokens.add(token)
            await record(
                uow,
                principal,
                "id_token.create",
                "id_token",
                token.id,
                {
                    "value": data.value,
                    "type": data.type,
                    "status": data.status,
                    "expires_at": data.expires_at,
                    "token_group_id": token.group_id,
                    "driver_id": data.driver_id,
                    "label": data.label,
                },
                at=now,
            )
            await uow.commit()
        return TokenView(token, group.parent_id_tag if group else None)

    async def get(self, principal: Principal, token_id: int) -> TokenView:
        async with self.uow(readonly=True) as uow:
            token = await self._get(uow, principal.organization_id, token_id)
            return (await token_views(uow, principal.organization_id, [token]))[0]

    async def search(
        self, principal: Principal, page: PageRequest, where: TokenFilter
    ) -> Page[TokenView]:
        async with self.uow(readonly=True) as uow:
            found = await uow.tokens.search(principal.organization_id, page, where)
            views = await token_views(uow, principal.organization_id, found.items)
        return Page(items=views, next_cursor=found.next_cursor)

    async def update(
        self, principal: Principal, token_id: int, changes: dict[str, Any]
    ) -> TokenView:
        """``group_id`` and ``parent_id_tag`` both name the group (None in either: out of
        its group); given together they must name the same one."""
        unknown = set(changes) - TOKEN_FIELDS
        if unknown:
            raise InvalidInput(sorted(unknown)[0], "cannot be changed")
        changes = dict(changes)
        group_id = changes.pop("group_id", UNSET)
        parent = changes.pop("parent_id_tag", UNSET)
        organization_id = principal.organization_id
        async with self.uow() as uow:
            token = await self._get(uow, organization_id, token_id)
            now = self.clock.now()
            if group_id is not UNSET or parent is not UNSET:
                if (group_id is None and parent not in (None, UNSET)) or (
                    parent is None and group_id not in (None, UNSET)
                ):
                    raise InvalidInput("group_id", "group_id and token_group_id disagree")
                group = await _resolve_group(
                    uow,
                    principal,
                    None if group_id is UNSET else group_id,
                    None if parent is UNSET else parent,
                    now,
                )
                changes["group_id"] = group.id if group else None
            if "driver_id" in changes:
                await _check_driver(uow, organization_id, changes["driver_id"])
            old = {name: getattr(token, name) for name in changes}
            for name, value in changes.items():
                setattr(token, name, value)
            token.updated_at = now
            audited = changes_of(old, changes)
            if "group_id" in audited:
                audited["token_group_id"] = audited.pop("group_id")
            await record(uow, principal, "id_token.update", "id_token", token_id, audited, at=now)
            view = (await token_views(uow, organization_id, [token]))[0]
            await uow.commit()
        return view

    async def delete(self, principal: Principal, token_id: int) -> None:
        async with self.uow() as uow:
            token = await self._get(uow, principal.organization_id, token_id)
            await uow.tokens.delete(token)
            await record(
                uow,
                principal,
                "id_token.delete",
                "id_token",
                token_id,
                {"value": token.value, "type": token.type},
                at=self.clock.now(),
            )
            await uow.commit()

    @staticmethod
    async def _get(uow: UnitOfWork, organization_id: int, token_id: int) -> IdToken:
        token = await uow.tokens.get(organization_id, token_id)
        if token is None:
            raise NotFound("id token", token_id)
        return token


class TokenGroupService(Service):
    async def create(self, principal: Principal, data: GroupInput) -> GroupView:
        now = self.clock.now()
        group = TokenGroup(
            organization_id=principal.organization_id,
            name=data.name,
            kind=data.kind,
            description=data.description,
            parent_id_tag=data.parent_id_tag,
            load_priority=data.load_priority,
            created_at=now,
            updated_at=now,
        )
        async with self.uow() as uow:
            await _new_group(uow, principal, group, now)
            await uow.commit()
        return GroupView(group, 0)

    async def get(self, principal: Principal, group_id: int) -> GroupView:
        async with self.uow(readonly=True) as uow:
            group = await self._get(uow, principal.organization_id, group_id)
            return (await self._views(uow, [group]))[0]

    async def search(
        self, principal: Principal, page: PageRequest, where: TokenGroupFilter
    ) -> Page[GroupView]:
        async with self.uow(readonly=True) as uow:
            found = await uow.token_groups.search(principal.organization_id, page, where)
            return Page(items=await self._views(uow, found.items), next_cursor=found.next_cursor)

    async def update(
        self, principal: Principal, group_id: int, changes: dict[str, Any]
    ) -> GroupView:
        unknown = set(changes) - GROUP_FIELDS
        if unknown:
            raise InvalidInput(sorted(unknown)[0], "cannot be changed")
        async with self.uow() as uow:
            group = await self._get(uow, principal.organization_id, group_id)
            before = _group_fields(group)
            new_parent = changes.get("parent_id_tag", group.parent_id_tag)
            if new_parent is not None and new_parent != group.parent_id_tag:
                other = await uow.token_groups.by_parent_id_tag(group.organization_id, new_parent)
                if other is not None:
                    raise Conflict(
                        f"a token group with parent id tag {new_parent!r} already exists"
                    )
            for name, value in changes.items():
                setattr(group, name, value)
            _check_group(group)
            group.updated_at = self.clock.now()
            await record(
                uow,
                principal,
                "token_group.update",
                "token_group",
                group_id,
                changes_of(before, _group_fields(group)),
                at=group.updated_at,
            )
            view = (await self._views(uow, [group]))[0]
            await uow.commit()
        return view

    async def delete(self, principal: Principal, group_id: int) -> None:
        """Its tokens stay, out of any group; its access rules go with it."""
        async with self.uow() as uow:
            group = await self._get(uow, principal.organization_id, group_id)
            if principal.limited and await uow.access_rules.count_outside(
                principal.scope, group_id
            ):
                raise Forbidden(
                    "the group has access rules at sites you are not limited to; "
                    "someone who sees every site must delete it"
                )
            tokens = await uow.tokens.leave_group(group_id)
            await forget_group(uow, principal.organization_id, group_id)
            await uow.token_groups.delete(group)
            await record(
                uow,
                principal,
                "token_group.delete",
                "token_group",
                group_id,
                {"name": group.name, "parent_id_tag": group.parent_id_tag, "tokens": tokens},
                at=self.clock.now(),
            )
            await uow.commit()

    @staticmethod
    async def _get(uow: UnitOfWork, organization_id: int, group_id: int) -> TokenGroup:
        group = await uow.token_groups.get(organization_id, group_id)
        if group is None:
            raise NotFound("token group", group_id)
        return group

    @staticmethod
    async def _views(uow: UnitOfWork, groups: Sequence[TokenGroup]) -> list[GroupView]:
        counts = await uow.token_groups.token_counts({g.id for g in groups if g.id is not None})
        return [GroupView(g, counts.get(g.id, 0) if g.id is not None else 0) for g in groups]
