"""Which statements empty the authorization cache (persistence/change_watch.py)."""

from __future__ import annotations

import pytest
from sqlalchemy import insert, update
from sqlalchemy.dialects import postgresql, sqlite

from kilowatt.persistence.change_watch import AUTHORIZATION_TABLES, touches
from kilowatt.persistence.models.stations import stations
from kilowatt.persistence.models.tokens import id_tokens


@pytest.mark.parametrize("dialect", [sqlite.dialect(), postgresql.dialect()])
def test_compiled_writes_are_seen_as_their_table(dialect: object) -> None:
    blocked = str(update(id_tokens).values(status="Blocked").compile(dialect=dialect))  # type: ignore[arg-type]
    assert touches(blocked, AUTHORIZATION_TABLES)
    moved = str(update(stations).values(site_id=3).compile(dialect=dialect))  # type: ignore[arg-type]
    assert touches(moved, AUTHORIZATION_TABLES)
    seen = str(update(stations).values(last_seen_at=None).compile(dialect=dialect))  # type: ignore[arg-type]
    assert not touches(seen, AUTHORIZATION_TABLES)
    added = str(insert(stations).values(ocpp_id="X").compile(dialect=dialect))  # type: ignore[arg-type]
    assert touches(added, AUTHORIZATION_TABLES)


@pytest.mark.parametrize(
    ("statement", "expected"),
    [
        ('INSERT INTO "id_tokens" (value) VALUES ($1)', True),
        ("DELETE FROM token_groups WHERE token_groups.id = ?", True),
        ("UPDATE access_rules SET windows=? WHERE access_rules.id = ?", True),
        ("UPDATE stations SET access=? WHERE stations.id = ?", True),
        ("UPDATE stations SET online=?, connected_node=? WHERE stations.site_id = ?", False),
        ("INSERT INTO meter_values (value) VALUES (?)", False),
        ("SELECT id_tokens.id FROM id_tokens", False),
        ("UPDATE id_tokens_archive SET x=1", False),
    ],
)
def test_statements(statement: str, expected: bool) -> None:
    assert touches(statement, AUTHORIZATION_TABLES) is expected
