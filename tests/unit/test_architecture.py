"""Rules of the code's shape that import-linter cannot say (pyproject.toml holds the layer
contracts; `lint-imports` checks them in `make test`)."""

from __future__ import annotations

import sys
from pathlib import Path

import grimp
import pytest

SRC = Path(__file__).resolve().parents[2] / "src" / "kilowatt"


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph("kilowatt", include_external_packages=True)


def test_the_domain_imports_only_the_standard_library(graph: grimp.ImportGraph) -> None:
    """Pure domain: dataclasses and functions over the standard library, nothing installed."""
    stdlib = set(sys.stdlib_module_names)
    found = sorted(
        f"{module} -> {imported}"
        for module in graph.modules
        if module == "kilowatt.domain" or module.startswith("kilowatt.domain.")
        for imported in graph.find_modules_directly_imported_by(module)
        if not imported.startswith("kilowatt.domain") and imported.split(".")[0] not in stdlib
    )
    assert found == []


def test_ports_are_small_modules_one_per_area() -> None:
    sizes = {
        path.name: len(path.read_text(encoding="utf-8").splitlines())
        for path in (SRC / "services" / "ports").glob("*.py")
    }
    assert sizes, "services/ports/ is a package of one module per area"
    assert {name: lines for name, lines in sizes.items() if lines > 250} == {}


def test_every_area_is_named_alike_in_every_layer() -> None:
    """A service module has a domain module of the same name, or a ports module: one name
    per area (services/transactions.py beside domain/transactions.py ...)."""
    services = {p.stem for p in (SRC / "services").glob("*.py")} - {"__init__"}
    domain = {p.stem for p in (SRC / "domain").glob("*.py")}
    ports = {p.stem for p in (SRC / "services" / "ports").glob("*.py")}
    # Wiring with no area of its own.
    plumbing = {"base", "batching", "bus", "container", "authorization"}
    # Services that are one side of a larger area, named for what they do.
    sides = {
        "provisioning": "stations",  # a station on the wire: connect, boot, go away
        "station_reports": "stations",  # what a connected station reports: status, events
        "station_certificates": "station_security",
        "live": "live",  # the stream of live events (domain/live.py: their catalogue)
        "session_loading": "session_costs",  # a running session's cost, loaded at its start
        "load_passes": "loads",  # one pass over a site's sessions and the limits it sends
    }
    assert sorted(services - domain - ports - plumbing - set(sides)) == []
    assert {side: area for side, area in sides.items() if area not in domain | {"live"}} == {}
