"""Storage ports of the access area."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from kilowatt.domain.access import AccessRule, Place
from kilowatt.domain.paging import Page, PageRequest
from kilowatt.domain.users import Scope


@dataclass(frozen=True, slots=True)
class AccessRuleFilter:
    group_id: int | None = None
    site_id: int | None = None
    station_id: int | None = None


class AccessRuleRepository(Protocol):
    """Reads take a Scope: a caller limited to some sites finds the rules at those sites and
    at their stations."""

    async def get(self, scope: Scope, rule_id: int) -> AccessRule | None: ...
    async def search(
        self, scope: Scope, page: PageRequest, where: AccessRuleFilter
    ) -> Page[AccessRule]: ...
    async def at_place(self, place: Place, group_id: int | None = None) -> list[AccessRule]:
        """The rules granting the station or its site (to ``group_id`` alone, if given)."""
        ...

    async def count_outside(self, scope: Scope, group_id: int) -> int:
        """How many of the group's rules the scope does not reach."""
        ...

    async def place(self, station_id: int) -> Place | None:
        """The station as access control sees it: its site, mode and time zone."""
        ...

    async def add(self, rule: AccessRule) -> AccessRule: ...
    async def delete(self, rule: AccessRule) -> None: ...
