"""Counting database transactions and SQL statements, for the load benchmark.

With ``KILOWATT_BENCH_SQL_COUNTS=/path/counts.json`` in its environment, the server counts
every transaction begun and every statement executed on its engine and writes the running
totals to that file four times a second, so that ``bench/hotpath.py`` can divide them by the
messages answered in its window. Off by default: a listener per statement costs a little.
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

ENVIRONMENT = "KILOWATT_BENCH_SQL_COUNTS"


class StatementCounter:
    def __init__(self, engine: AsyncEngine) -> None:
        self.transactions = 0
        self.statements = 0
        self.commits = 0
        self.rollbacks = 0
        sync = engine.sync_engine
        event.listen(sync, "begin", self._begin)
        event.listen(sync, "commit", self._commit)
        event.listen(sync, "rollback", self._rollback)
        event.listen(sync, "before_cursor_execute", self._statement)

    def _begin(self, _connection: Any) -> None:
        self.transactions += 1

    def _commit(self, _connection: Any) -> None:
        self.commits += 1

    def _rollback(self, _connection: Any) -> None:
        self.rollbacks += 1

    def _statement(self, _conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        # SQLite's explicit BEGIN (persistence/db.py) is a transaction, not a statement.
        if statement != "BEGIN":
            self.statements += 1

    def totals(self) -> dict[str, int]:
        return {
            "transactions": self.transactions,
            "statements": self.statements,
            "commits": self.commits,
            "rollbacks": self.rollbacks,
        }


def install_from_environment(engine: AsyncEngine) -> StatementCounter | None:
    path = os.environ.get(ENVIRONMENT)
    if not path:
        return None
    counter = StatementCounter(engine)
    target = Path(path)

    def write() -> None:
        while True:
            scratch = target.with_suffix(".tmp")
            scratch.write_text(json.dumps(counter.totals()))
            scratch.replace(target)
            threading.Event().wait(0.25)

    threading.Thread(target=write, name="sql-counts", daemon=True).start()
    return counter
