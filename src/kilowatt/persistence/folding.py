"""Searches that ignore accents and case on both databases: ``folded(column)`` is the column
as ``domain.fuzzy.fold`` writes it, compared with the query folded the same way in Python.

A function rather than a stored, normalised column: no migration, nothing to keep in step when
a name changes, and searches with a leading wildcard scan anyway. SQLite calls ``kw_fold``, a
Python function registered on every connection (``register``: ``fold`` itself, so both sides
agree on every character); PostgreSQL runs ``lower(translate(...))`` with the table
``fold_table`` derives from ``fold`` (Latin, Greek and Cyrillic letters, U+00C0 to U+04FF),
so no extension (unaccent) has to be installed."""

from __future__ import annotations

from typing import Any

from sqlalchemy import String
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement

from kilowatt.domain.fuzzy import fold, fold_table

SQLITE_FUNCTION = "kw_fold"
_SOURCE, _TARGET = fold_table()


class folded(FunctionElement[str]):
    """The column without accents, in lower case."""

    type = String()
    inherit_cache = True
    name = SQLITE_FUNCTION


@compiles(folded)
def _sqlite(element: folded, compiler: SQLCompiler, **kw: Any) -> str:
    return f"{SQLITE_FUNCTION}({compiler.process(element.clauses, **kw)})"


@compiles(folded, "postgresql")
def _postgresql(element: folded, compiler: SQLCompiler, **kw: Any) -> str:
    column = compiler.process(element.clauses, **kw)
    return f"lower(translate({column}, '{_SOURCE}', '{_TARGET}'))"


def _kw_fold(value: object) -> object:
    return fold(value) if isinstance(value, str) else value


def register(dbapi_connection: Any) -> None:
    """Give a new SQLite connection ``kw_fold``."""
    dbapi_connection.create_function(SQLITE_FUNCTION, 1, _kw_fold, deterministic=True)


def folded_contains(column: ColumnElement[str], text: str) -> ColumnElement[bool]:
    """ "column contains text", accents and case ignored, % and _ taken literally."""
    escaped = fold(text).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return folded(column).like(f"%{escaped}%", escape="\\")
