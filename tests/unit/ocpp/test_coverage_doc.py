"""docs/ocpp-coverage.md is generated from the routers: it must say what the code does."""

from __future__ import annotations

from pathlib import Path

from kilowatt.domain.stations import ProtocolVersion
from kilowatt.ocpp import coverage

DOC = Path(__file__).resolve().parents[3] / "docs" / "ocpp-coverage.md"


def test_the_coverage_document_is_current() -> None:
    assert DOC.read_text(encoding="utf-8") == coverage.render(), (
        "regenerate it: python -m kilowatt.ocpp.coverage > docs/ocpp-coverage.md"
    )


def test_every_station_initiated_action_is_handled_in_both_versions() -> None:
    for version, initiated in coverage.STATION_INITIATED.items():
        missing = initiated - set(coverage.ROUTERS[version].handlers)
        assert missing == set(), f"OCPP {version.value} leaves {sorted(missing)} unhandled"


def test_station_initiated_lists_are_real_actions_of_their_version() -> None:
    from kilowatt.ocpp import schemas

    for version in (ProtocolVersion.OCPP16, ProtocolVersion.OCPP201):
        assert coverage.STATION_INITIATED[version] <= schemas.actions(version)
