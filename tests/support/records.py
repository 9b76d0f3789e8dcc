"""Comparing domain records in unit tests."""

from __future__ import annotations

import copy


def fields(record: object) -> dict[str, object]:
    """A deep copy of the record's own attributes, without SQLAlchemy's instrumentation (which
    a domain object carries once another test in the same process configured the mapping)."""
    own = {name: value for name, value in vars(record).items() if not name.startswith("_sa_")}
    return copy.deepcopy(own)
