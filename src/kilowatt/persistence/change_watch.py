"""Noticing committed writes to chosen tables, so that what is kept in memory from them
(services/authorization.py) is forgotten when they change.

An engine listener looks at each INSERT, UPDATE and DELETE statement's table; a write to a
watched table calls ``on_change`` at once and again when its transaction commits (a reader
that loaded the old rows in between is thereby forgotten too). For a table watched only for
some columns (``stations``: its site and access, not the presence written every few seconds),
an UPDATE counts when its SET clause names one of them; its INSERT and DELETE always count.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Collection, Mapping
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

_WRITE = re.compile(r'^\s*(INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)"?', re.IGNORECASE)
_FLAG = "kilowatt_watched_write"
_watches = itertools.count(1)

AUTHORIZATION_TABLES: Mapping[str, Collection[str] | None] = {
    "id_tokens": None,
    "token_groups": None,
    "access_rules": None,
    "sites": None,
    "organizations": None,
    "stations": ("site_id", "access"),
    # A prepaid token's credit: its wallet's balance and minimum.
    "wallets": ("balance", "min_balance"),
}
"""What an authorization decision reads (None: every column)."""

LOAD_SITE_TABLES: Mapping[str, Collection[str] | None] = {
    "stations": ("site_id",),
    "site_loads": None,
}
"""What says whether a station's site is load-managed (services/loads.py)."""


def touches(statement: str, tables: Mapping[str, Collection[str] | None]) -> bool:
    match = _WRITE.match(statement)
    if match is None:
        return False
    table = match.group(2).lower()
    if table not in tables:
        return False
    columns = tables[table]
    if columns is None or not match.group(1).upper().startswith("UPDATE"):
        return True
    assignments = re.split(r"\bWHERE\b", statement, maxsplit=1, flags=re.IGNORECASE)[0]
    return any(re.search(rf"\b{column}\b", assignments) for column in columns)


def watch(
    engine: AsyncEngine,
    tables: Mapping[str, Collection[str] | None],
    on_change: Callable[[], None],
) -> None:
    sync = engine.sync_engine
    # Each watch marks a connection with a flag of its own: with one flag for all, the first
    # watch to see a COMMIT would take the flag and the others would not hear of the change.
    flag = f"{_FLAG}:{next(_watches)}"

    @event.listens_for(sync, "before_cursor_execute")
    def _statement(connection: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement[:1] in "IUDiud " and touches(statement, tables):
            connection.info[flag] = True
            on_change()

    @event.listens_for(sync, "commit")
    def _commit(connection: Any) -> None:
        if connection.info.pop(flag, False):
            on_change()

    @event.listens_for(sync, "rollback")
    def _rollback(connection: Any) -> None:
        # A unit of work cancelled mid-statement leaves its connection invalidated: the DBAPI
        # connection, and its info with the flag, is gone; reading ``info`` would fail the
        # rollback itself (PendingRollbackError).
        if not connection.invalidated:
            connection.info.pop(flag, None)
