"""Which tariff prices a session, and credit records that correct a CDR."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from kilowatt.domain.cdrs import Cdr, CdrKind, Place, Scope, TariffAssignment, credit, tariff_for

NOW = datetime(2026, 12, 7, 12, tzinfo=UTC)
PLACE = Place(organization_id=1, site_id=10, station_id=100, evse_id=1, group_ids=(5,))


def assign(tariff: int, scope: Scope, scope_id: int, evse: int | None = None) -> TariffAssignment:
    return TariffAssignment(1, tariff, scope, scope_id, evse)


def test_the_strongest_scope_that_matches_wins() -> None:
    everything = [
        assign(1, Scope.ORGANIZATION, 1),
        assign(2, Scope.SITE, 10),
        assign(3, Scope.STATION, 100),
        assign(4, Scope.EVSE, 100, 1),
        assign(5, Scope.TOKEN_GROUP, 5),
    ]
    for expected in (5, 4, 3, 2, 1):
        found = tariff_for(everything, PLACE)
        assert found is not None
        assert found.tariff_id == expected
        everything = [a for a in everything if a.tariff_id != expected]
    assert tariff_for([], PLACE) is None


def test_assignments_elsewhere_do_not_match() -> None:
    others = [
        assign(1, Scope.SITE, 11),
        assign(2, Scope.STATION, 101),
        assign(3, Scope.EVSE, 100, 2),
        assign(4, Scope.TOKEN_GROUP, 6),
        TariffAssignment(2, 9, Scope.ORGANIZATION, 2),
    ]
    assert tariff_for(others, PLACE) is None


def test_a_credit_negates_the_cdr_and_leaves_it_as_it_was() -> None:
    cdr = Cdr(
        1, 3, 100, 1, 10, "TAG", 1, "EUR", NOW, NOW, 0, 1000, 1000, 60, 0,
        Decimal("1.00"), Decimal("25.5"), Decimal("0.26"), Decimal("1.26"),
        [{"amount": "1.00", "dimension": "ENERGY"}], [1], NOW, id=9,
    )  # fmt: skip
    note = credit(cdr, "wrong tariff", NOW)
    assert (note.kind, note.credits_id, note.total_incl_vat) == (
        CdrKind.CREDIT,
        9,
        Decimal("-1.26"),
    )
    assert note.lines[0]["amount"] == "-1.00"
    assert (cdr.kind, cdr.total_incl_vat, cdr.lines[0]["amount"]) == (
        CdrKind.CDR,
        Decimal("1.26"),
        "1.00",
    )
