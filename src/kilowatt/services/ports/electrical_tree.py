"""Storage port of a site's electrical tree (panels, circuits, the stations on them)."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from kilowatt.domain.electrical_tree import ElectricalTree


class ElectricalTreeRepository(Protocol):
    async def get(self, site_id: int) -> ElectricalTree:
        """The site's tree (an empty one when none was set)."""
        ...

    async def replace(self, site_id: int, tree: ElectricalTree, at: datetime) -> None:
        """Make ``tree`` (checked) the site's, replacing what was there."""
        ...

    async def stations(self, site_id: int) -> set[str]:
        """The OCPP identities of the site's stations."""
        ...
