"""What deleting sites and stations takes, summed."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from kilowatt.domain.removals import Contents, total

counts = st.integers(min_value=0, max_value=10**6)
contents = st.builds(Contents, counts, counts, counts, counts, counts)


def test_removal_counts_add_up() -> None:
    parts = [Contents(1, 2, 5, 1, 1), Contents(1, 1, 0, 0, 0)]
    assert total(parts) == Contents(2, 3, 5, 1, 1)
    assert not total(parts).empty
    assert Contents(1, 2).empty


@given(st.lists(contents, max_size=20))
def test_a_total_is_the_sum_of_its_parts(parts: list[Contents]) -> None:
    summed = total(parts)
    assert summed.sessions == sum(p.sessions for p in parts)
    assert summed.faults == sum(p.faults for p in parts)
    assert summed.stations == sum(p.stations for p in parts)
    assert total([*parts, Contents()]) == summed
