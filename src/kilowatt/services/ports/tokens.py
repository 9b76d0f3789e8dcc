"""Storage ports of the tokens area."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Protocol

from kilowatt.domain.drivers import Driver
from kilowatt.domain.paging import Page, PageRequest
from kilowatt.domain.tokens import GroupKind, IdToken, IdTokenType, TokenGroup, TokenStatus


@dataclass(frozen=True, slots=True)
class TokenFilter:
    status: TokenStatus | None = None
    type: IdTokenType | None = None
    parent_id_tag: str | None = None
    """Tokens of the group with this parent id tag (exact)."""
    group_id: int | None = None
    group_ids: frozenset[int] | None = None
    """Tokens of any of these groups."""
    driver_id: int | None = None
    search: str | None = None
    wallet_id: int | None = None
    """Prepaid tokens paying from this wallet."""


@dataclass(frozen=True, slots=True)
class TokenGroupFilter:
    kind: GroupKind | None = None
    search: str | None = None


class TokenRepository(Protocol):
    async def get(self, organization_id: int, token_id: int) -> IdToken | None: ...
    async def find(
        self, organization_id: int, value: str, type: IdTokenType | None = None
    ) -> IdToken | None: ...
    async def search(
        self, organization_id: int, page: PageRequest, where: TokenFilter
    ) -> Page[IdToken]: ...
    async def add(self, token: IdToken) -> IdToken: ...
    async def delete(self, token: IdToken) -> None: ...
    async def leave_group(self, group_id: int) -> int:
        """Take every token out of the group; returns how many were in it."""
        ...

    async def leave_driver(self, driver_id: int) -> int:
        """Unassign every token of the driver; returns how many there were."""
        ...

    async def pick(
        self, organization_id: int, text: str, limit: int
    ) -> list[tuple[IdToken, Driver | None]]:
        """Tokens whose value or label, or whose driver's name or email, contains ``text``
        (any case), each with its driver; exact token values first."""
        ...


class TokenGroupRepository(Protocol):
    async def get(self, organization_id: int, group_id: int) -> TokenGroup | None: ...
    async def by_parent_id_tag(
        self, organization_id: int, parent_id_tag: str
    ) -> TokenGroup | None: ...
    async def by_ids(
        self, organization_id: int, group_ids: Collection[int]
    ) -> list[TokenGroup]: ...
    async def search(
        self, organization_id: int, page: PageRequest, where: TokenGroupFilter
    ) -> Page[TokenGroup]: ...
    async def token_counts(self, group_ids: Collection[int]) -> dict[int, int]: ...
    async def add(self, group: TokenGroup) -> TokenGroup: ...
    async def delete(self, group: TokenGroup) -> None: ...
