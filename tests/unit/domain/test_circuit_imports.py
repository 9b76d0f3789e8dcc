"""A site's panels and circuits read from a table: the tree it describes, and every problem
named by row and column (a bad number, a kind that is not one, a station twice or of another
site, a cycle or an unknown parent at the row that makes it)."""

from __future__ import annotations

import pytest

from kilowatt.domain.circuit_imports import CircuitImportRefused, read_tree
from kilowatt.domain.electrical_tree import Circuit, CircuitKind, ElectricalTree

HEADER = ["key", "name", "kind", "parent", "max_current_a", "max_power_kw", "stations"]
STATIONS = {"CP-1", "CP-2", "CP-3"}


def problems(rows: list[list[object]]) -> list[str]:
    with pytest.raises(CircuitImportRefused) as refused:
        read_tree(rows, STATIONS, None)
    return [str(p) for p in refused.value.problems]


def test_a_table_becomes_the_tree_it_describes() -> None:
    rows: list[list[object]] = [
        HEADER,
        ["P1", "Panel A", "panel", "", 63, "", ""],
        ["C1", "Bay 1", "", "P1", "16", "11,04", "CP-1 CP-2"],
        [None, None, None, None, None, None, None],
        ["C2", "Bay 2", "circuit", "P1", 32.0, None, "CP-3"],
    ]
    assert read_tree(rows, STATIONS, 250.0) == ElectricalTree(
        max_current_a=250.0,
        circuits=(
            Circuit(key="P1", name="Panel A", kind=CircuitKind.PANEL, max_current_a=63.0),
            Circuit(key="C1", name="Bay 1", parent="P1", max_current_a=16.0, max_power_w=11_040),
            Circuit(key="C2", name="Bay 2", parent="P1", max_current_a=32.0),
        ),
        stations={"CP-1": "C1", "CP-2": "C1", "CP-3": "C2"},
    )


def test_every_bad_cell_is_named_by_row_and_column() -> None:
    rows: list[list[object]] = [
        HEADER,
        ["P1", "", "board", "", -5, "x", ""],
        ["C1", "Bay", "", "", 16, "", "CP-1"],
        ["C2", "Bay 2", "", "", 16, "", "CP-1"],
    ]
    assert problems(rows) == [
        "row 2, column B (name): required",
        "row 2, column C (kind): must be one of panel, circuit",
        "row 2, column E (max_current_a): above 0 A and at most 10000 A",
        "row 2, column F (max_power_kw): must be a number",
        "row 4, column G (stations): CP-1 is on row 3 too",
    ]


@pytest.mark.parametrize(
    ("rows", "problem"),
    [
        (
            [HEADER, ["A", "A", "", "B", "", "", ""], ["B", "B", "", "A", "", "", ""]],
            "row 2, column D (parent): makes a cycle: A → B → A",
        ),
        ([HEADER, ["A", "A", "", "Z", "", "", ""]], "row 2, column D (parent): no circuit has"),
        (
            [HEADER, ["A", "A", "", "", "", "", "CP-9"]],
            "row 2, column G (stations): CP-9: no station of this site has that id",
        ),
        (
            [HEADER, ["A", "A", "", "", "", "", ""], ["A", "B", "", "", "", "", ""]],
            "row 3, column A (key): another panel or circuit has the same key",
        ),
        ([["key", "name", "colour"]], "row 1, column C: unknown column 'colour'"),
        ([["name"]], "row 1: the column 'key' is missing"),
        ([], "the file is empty"),
    ],
)
def test_the_tree_s_own_refusals_land_on_their_row(rows: list[list[object]], problem: str) -> None:
    assert problems(rows)[0].startswith(problem)
