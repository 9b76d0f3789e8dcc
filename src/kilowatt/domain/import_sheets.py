"""The sheets of an import workbook (domain/imports.py): the columns a sheet may have, its
header row located, its cells read, and every problem named by sheet, row and column."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from kilowatt.domain.import_cells import BadCell, column_letter, text

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Column:
    key: str
    header: str
    required: bool = False
    help: str = ""


@dataclass(frozen=True, slots=True)
class Problem:
    """What is wrong, and where: a sheet, a row (None: the whole sheet or file), a column."""

    sheet: str
    row: int | None
    message: str
    column: str | None = None
    """Its letter, such as C."""
    header: str | None = None

    def __str__(self) -> str:
        where = [f"Sheet {self.sheet}"] if self.sheet else []
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column {self.column}" + (f" ({self.header})" if self.header else ""))
        return (", ".join(where) + ": " if where else "") + self.message


@dataclass
class Sheet:
    """One sheet being read: its header positions and the problems found so far."""

    name: str
    columns: tuple[Column, ...]
    problems: list[Problem]
    positions: dict[str, int] = field(default_factory=dict)

    def locate(self, header_row: Sequence[object]) -> bool:
        known = {c.header.lower(): c for c in self.columns}
        ok = True
        for index, value in enumerate(header_row):
            header = text(value).rstrip("*").strip()
            if not header:
                continue
            column = known.get(header.lower())
            if column is None:
                self.problems.append(
                    Problem(self.name, 1, f"unknown column {header!r}", column_letter(index))
                )
                ok = False
            elif column.key in self.positions:
                self.problems.append(
                    Problem(self.name, 1, f"column {header!r} appears twice", column_letter(index))
                )
                ok = False
            else:
                self.positions[column.key] = index
        for column in self.columns:
            if column.required and column.key not in self.positions:
                self.problems.append(
                    Problem(self.name, 1, f"the column {column.header!r} is missing")
                )
                ok = False
        return ok

    def where(self, key: str) -> tuple[str | None, str | None]:
        index = self.positions.get(key)
        header = next(c.header for c in self.columns if c.key == key)
        return (column_letter(index) if index is not None else None), header

    def problem(self, row: int, key: str, message: str) -> None:
        letter, header = self.where(key)
        self.problems.append(Problem(self.name, row, message, letter, header))

    def cell(self, values: Sequence[object], key: str) -> object:
        index = self.positions.get(key)
        if index is None or index >= len(values):
            return None
        return values[index]

    def read(
        self, number: int, values: Sequence[object], key: str, parse: Callable[[object], T]
    ) -> T | None:
        """The parsed cell, or None with a problem recorded."""
        raw = self.cell(values, key)
        column = next(c for c in self.columns if c.key == key)
        if column.required and not text(raw):
            self.problem(number, key, "required")
            return None
        try:
            return parse(raw)
        except BadCell as bad:
            self.problem(number, key, str(bad))
            return None
