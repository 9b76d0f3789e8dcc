"""A site's panels and circuits imported from a table (CSV or the first sheet of a workbook):
one panel or circuit a row, columns named by a header row, the stations on each listed in its
row. The file is the tree: it replaces the site's panels, circuits and station assignments
(the grid connection's limit is kept). Every problem is named by row and column
(import_sheets.py); nothing is written unless the whole file is right."""

from __future__ import annotations

import re
from collections.abc import Sequence

from kilowatt.domain import import_cells as cells
from kilowatt.domain.electrical_tree import (
    MAX_CURRENT_A,
    MAX_KEY,
    MAX_NAME,
    Circuit,
    CircuitKind,
    ElectricalTree,
    check_tree,
)
from kilowatt.domain.errors import DomainError, InvalidInput
from kilowatt.domain.import_sheets import Column, Problem, Sheet

SHEET = ""
MAX_ROWS = 500
COLUMNS = (
    Column("key", "key", True, "Names it in the site: unique, at most 40 characters."),
    Column("name", "name", True, "At most 100 characters."),
    Column("kind", "kind", False, "panel or circuit; empty: circuit."),
    Column("parent", "parent", False, "The key of the panel or circuit it hangs on."),
    Column("max_current_a", "max_current_a", False, "Its limit in amperes per phase."),
    Column("max_power_kw", "max_power_kw", False, "Its limit in kW over its phases."),
    Column("stations", "stations", False, "The stations on it, separated by spaces."),
)
_FIELDS = {"max_power_w": "max_power_kw"}
_KINDS = {kind.value: kind for kind in CircuitKind}


class CircuitImportRefused(DomainError):
    """The file has problems: nothing of it was written."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        super().__init__("; ".join(str(p) for p in problems[:5]))
        self.problems = sorted(problems, key=lambda p: (p.row or 0, p.column or ""))


def _amps(value: object) -> float | None:
    amps = cells.real(value)
    if amps is not None and not 0 < amps <= MAX_CURRENT_A:
        raise cells.BadCell(f"above 0 A and at most {MAX_CURRENT_A:g} A")
    return amps


def _stations(value: object) -> list[str]:
    return [s for s in re.split(r"[\s,;]+", cells.text(value)) if s]


def read_tree(
    rows: Sequence[Sequence[object]], stations: set[str], max_current_a: float | None
) -> ElectricalTree:
    """The tree a table describes (``stations``: the site's; ``max_current_a``: the grid
    connection's, kept); CircuitImportRefused naming every problem by row and column."""
    problems: list[Problem] = []
    if not rows:
        raise CircuitImportRefused([Problem(SHEET, None, "the file is empty")])
    sheet = Sheet(SHEET, COLUMNS, problems)
    if not sheet.locate(rows[0]):
        raise CircuitImportRefused(problems)
    if len(rows) - 1 > MAX_ROWS:
        raise CircuitImportRefused([Problem(SHEET, None, f"more than {MAX_ROWS} rows")])
    circuits: list[Circuit] = []
    numbers: list[int] = []
    placed: dict[str, str] = {}
    placed_at: dict[str, int] = {}
    for number, values in enumerate(rows[1:], start=2):
        if not any(cells.text(v) for v in values):
            continue
        found = len(problems)
        key = sheet.read(number, values, "key", cells.limited(MAX_KEY))
        name = sheet.read(number, values, "name", cells.limited(MAX_NAME))
        kind = sheet.read(number, values, "kind", cells.choice(_KINDS, CircuitKind.CIRCUIT))
        parent = sheet.read(number, values, "parent", cells.limited(MAX_KEY))
        amps = sheet.read(number, values, "max_current_a", _amps)
        watts = sheet.read(number, values, "max_power_kw", cells.power)
        on = sheet.read(number, values, "stations", _stations) or []
        for station in on:
            if station in placed_at:
                sheet.problem(number, "stations", f"{station} is on row {placed_at[station]} too")
            elif key:
                placed_at[station] = number
                placed[station] = key
        if len(problems) > found or not key or not name or kind is None:
            continue
        circuits.append(
            Circuit(
                key=key,
                name=name,
                kind=kind,
                parent=parent or None,
                max_current_a=amps,
                max_power_w=watts,
            )
        )
        numbers.append(number)
    if problems:
        raise CircuitImportRefused(problems)
    tree = ElectricalTree(max_current_a=max_current_a, circuits=tuple(circuits), stations=placed)
    try:
        check_tree(tree, stations)
    except InvalidInput as error:
        raise CircuitImportRefused([_placed(sheet, error, numbers, placed_at)]) from None
    return tree


def _placed(
    sheet: Sheet, error: InvalidInput, numbers: list[int], placed_at: dict[str, int]
) -> Problem:
    """The tree's refusal (``circuits.2.parent``, ``stations.CP-1``) at its row and column."""
    parts = error.field.split(".", 2)
    if parts[0] == "circuits" and len(parts) == 3:
        column = _FIELDS.get(parts[2], parts[2])
        sheet.problem(numbers[int(parts[1])], column, error.message)
    elif parts[0] == "stations" and len(parts) >= 2:
        station = error.field.removeprefix("stations.")
        message = "no station of this site has that id"
        sheet.problem(placed_at[station], "stations", f"{station}: {message}")
    else:
        sheet.problems.append(Problem(SHEET, None, error.message))
    return sheet.problems[-1]
