"""Access rules in the pure domain: public and private places, rules for a site or a station,
and time windows in the site's wall-clock time, across midnight and clock changes."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo, available_timezones

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kilowatt.domain.access import (
    HORIZON,
    AccessDecision,
    AccessMode,
    AccessRule,
    AccessStatus,
    Place,
    TimeWindow,
    always_allowed,
    clock_changes,
    decide,
    effective_mode,
    is_open,
    next_change,
    window,
)
from kilowatt.domain.errors import InvalidInput
from kilowatt.domain.local_list import desired, list_status
from kilowatt.domain.tokens import (
    AuthorizationStatus,
    IdToken,
    IdTokenType,
    TokenStatus,
    authorize,
)

NOW = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)  # a Wednesday
WEEKDAYS = ["mon", "tue", "wed", "thu", "fri"]
EVERY_DAY = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
HELSINKI = ZoneInfo("Europe/Helsinki")
NEW_YORK = ZoneInfo("America/New_York")
QUARTER = timedelta(minutes=15)


def wall(text: str) -> datetime:
    return datetime.fromisoformat(text)


def at(text: str, zone: ZoneInfo, fold: int = 0) -> datetime:
    """The instant a local wall-clock time names."""
    return datetime.fromisoformat(text).replace(tzinfo=zone, fold=fold).astimezone(UTC)


def rule(group_id: int, *, site_id: int | None = None, station_id: int | None = None,
         windows: list[TimeWindow] | None = None) -> AccessRule:  # fmt: skip
    return AccessRule(
        organization_id=1,
        group_id=group_id,
        site_id=site_id,
        station_id=station_id,
        windows=windows or [],
        created_at=NOW,
        updated_at=NOW,
    )


PRIVATE = Place(station_id=10, site_id=5, mode=AccessMode.PRIVATE, timezone="UTC")
PUBLIC = Place(station_id=10, site_id=5, mode=AccessMode.PUBLIC, timezone="UTC")


# Windows on the wall clock -------------------------------------------------------------


def test_a_daytime_window_includes_its_start_and_excludes_its_end() -> None:
    office = window(WEEKDAYS, "08:00", "18:00")
    assert office.contains(wall("2026-03-04T08:00"))  # Wednesday
    assert office.contains(wall("2026-03-04T17:59:59"))
    assert not office.contains(wall("2026-03-04T18:00"))
    assert not office.contains(wall("2026-03-04T07:59"))
    assert not office.contains(wall("2026-03-07T12:00"))  # Saturday


def test_a_window_crossing_midnight_belongs_to_the_day_it_opens() -> None:
    night = window(["fri"], "22:00", "06:00")
    assert night.crosses_midnight
    assert night.contains(wall("2026-03-06T22:00"))  # Friday evening
    assert night.contains(wall("2026-03-07T05:59"))  # Saturday morning
    assert not night.contains(wall("2026-03-07T06:00"))
    assert not night.contains(wall("2026-03-06T05:00"))  # Friday morning: Thursday's night
    assert not night.contains(wall("2026-03-07T22:30"))  # Saturday evening


def test_start_equal_to_end_is_a_whole_day_from_the_start() -> None:
    whole = window(["sun"], "00:00", "00:00")
    assert whole.contains(wall("2026-03-08T00:00"))
    assert whole.contains(wall("2026-03-08T23:59"))
    assert not whole.contains(wall("2026-03-09T00:00"))
    shifted = window(["sun"], "07:00", "07:00")
    assert shifted.contains(wall("2026-03-09T06:59"))
    assert not shifted.contains(wall("2026-03-09T07:00"))


@pytest.mark.parametrize(
    ("days", "start", "end"),
    [([], "08:00", "18:00"), (["someday"], "08:00", "18:00"), (["mon"], "8:00", "18:00"),
     (["mon"], "24:00", "01:00"), (["mon"], "08:60", "09:00"), (["mon"], "08:00", "noon")],
)  # fmt: skip
def test_bad_windows_are_refused(days: list[str], start: str, end: str) -> None:
    with pytest.raises(InvalidInput) as error:
        window(days, start, end)
    assert error.value.field == "windows"


def test_windows_survive_their_json_form() -> None:
    night = window(["fri", "sat"], "22:15", "06:45")
    assert night.to_json() == {"days": ["fri", "sat"], "start": "22:15", "end": "06:45"}
    assert TimeWindow.from_json(night.to_json()) == night


# Clock changes ---------------------------------------------------------------------------


def test_a_window_in_the_skipped_hour_never_opens_that_day() -> None:
    # Helsinki skips 03:00-04:00 on Sunday 29 March 2026.
    skipped = [window(["sun"], "03:00", "03:30")]
    saturday = at("2026-03-28T12:00", HELSINKI)
    assert not any(is_open(skipped, HELSINKI, saturday + QUARTER * n) for n in range(4 * 48))
    # The next time it opens is a week later, at 03:00 summer time.
    assert next_change(skipped, HELSINKI, saturday) == at("2026-04-05T03:00", HELSINKI)


def test_a_window_starting_in_the_skipped_hour_opens_when_the_clock_jumps() -> None:
    late = [window(["sun"], "03:30", "05:00")]
    before = at("2026-03-29T02:00", HELSINKI)
    jump = at("2026-03-29T04:00", HELSINKI)  # 01:00 UTC: 02:59:59 is followed by 04:00
    assert jump == datetime(2026, 3, 29, 1, 0, tzinfo=UTC)
    assert next_change(late, HELSINKI, before) == jump
    assert is_open(late, HELSINKI, jump)
    assert not is_open(late, HELSINKI, jump - timedelta(seconds=1))


def test_a_window_in_the_repeated_hour_opens_twice() -> None:
    # New York repeats 01:00-02:00 on Sunday 1 November 2026.
    repeated = [window(["sun"], "01:00", "01:45")]
    first = at("2026-11-01T01:00", NEW_YORK, fold=0)
    second = at("2026-11-01T01:00", NEW_YORK, fold=1)
    assert second - first == timedelta(hours=1)
    assert next_change(repeated, NEW_YORK, first - timedelta(hours=3)) == first
    assert next_change(repeated, NEW_YORK, first) == first + timedelta(minutes=45)
    assert next_change(repeated, NEW_YORK, first + timedelta(minutes=50)) == second
    assert next_change(repeated, NEW_YORK, second) == second + timedelta(minutes=45)


def test_clock_changes_are_found_to_the_second() -> None:
    year = datetime(2026, 1, 1, tzinfo=UTC)
    changes = clock_changes(HELSINKI, year, year + timedelta(days=365))
    assert changes == [
        datetime(2026, 3, 29, 1, 0, tzinfo=UTC),
        datetime(2026, 10, 25, 1, 0, tzinfo=UTC),
    ]
    assert clock_changes(ZoneInfo("Asia/Tokyo"), year, year + timedelta(days=365)) == []


# Properties over windows and time zones ------------------------------------------------------

# Zones whose offsets and clock changes (since 2000) fall on quarter hours, among them
# half-hour and 45-minute offsets, a half-hour clock change (Lord Howe) and both hemispheres.
QUARTER_ZONES = [
    "UTC",
    "Europe/Helsinki",
    "Europe/London",
    "America/New_York",
    "America/St_Johns",
    "America/Santiago",
    "Australia/Lord_Howe",
    "Australia/Adelaide",
    "Asia/Kathmandu",
    "Asia/Kolkata",
    "Pacific/Chatham",
    "Pacific/Auckland",
    "Pacific/Kiritimati",
    "Pacific/Pago_Pago",
    "Africa/Casablanca",
]

clock_quarters = st.builds(lambda q: time(q // 4, (q % 4) * 15), st.integers(0, 95))
windows_on_quarters = st.lists(
    st.builds(
        lambda days, start, end: TimeWindow(frozenset(days), start, end),
        st.sets(st.integers(0, 6), min_size=1),
        clock_quarters,
        clock_quarters,
    ),
    min_size=1,
    max_size=3,
)
instants = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2037, 12, 1), timezones=st.just(UTC)
)


def brute_next_change(
    windows: list[TimeWindow], zone: ZoneInfo, instant: datetime
) -> datetime | None:
    """Walk the quarter-hour grid: where every boundary and clock change of QUARTER_ZONES
    falls for windows on quarter hours."""
    start = instant.replace(minute=instant.minute - instant.minute % 15, second=0, microsecond=0)
    now_open = is_open(windows, zone, instant)
    moment = start + QUARTER
    while moment <= instant + HORIZON:
        if is_open(windows, zone, moment) != now_open:
            return moment
        moment += QUARTER
    return None


@settings(max_examples=300, deadline=None)
@given(
    windows=windows_on_quarters,
    zone=st.sampled_from(QUARTER_ZONES).map(ZoneInfo),
    instant=instants,
)
def test_next_change_is_the_first_change_on_the_quarter_hour_grid(
    windows: list[TimeWindow], zone: ZoneInfo, instant: datetime
) -> None:
    assert next_change(windows, zone, instant) == brute_next_change(windows, zone, instant)


DST_ZONES = sorted(
    name
    for name in available_timezones()
    if not name.startswith(("posix/", "right/", "Etc/", "SystemV/")) and "/" in name
)
any_clock = st.builds(
    lambda minutes: time(minutes // 60, minutes % 60), st.integers(0, 24 * 60 - 1)
)
any_windows = st.lists(
    st.builds(
        lambda days, start, end: TimeWindow(frozenset(days), start, end),
        st.sets(st.integers(0, 6), min_size=1),
        any_clock,
        any_clock,
    ),
    min_size=1,
    max_size=3,
)


@settings(max_examples=300, deadline=None)
@given(
    windows=any_windows,
    zone=st.sampled_from(DST_ZONES).map(ZoneInfo),
    instant=st.datetimes(
        min_value=datetime(1990, 1, 1), max_value=datetime(2037, 12, 1), timezones=st.just(UTC)
    ),
    fraction=st.floats(min_value=0, max_value=1, exclude_max=True),
)
def test_the_answer_holds_until_next_change_and_flips_there(
    windows: list[TimeWindow], zone: ZoneInfo, instant: datetime, fraction: float
) -> None:
    """In any zone of the database: constant from now until the change, different at it."""
    now_open = is_open(windows, zone, instant)
    change = next_change(windows, zone, instant)
    end = change if change is not None else instant + HORIZON
    assert instant < end <= instant + HORIZON
    # (timedelta * float rounds to the microsecond: keep inside strictly before the end)
    inside = min(instant + (end - instant) * fraction, end - timedelta(microseconds=1))
    assert is_open(windows, zone, inside) == now_open
    assert is_open(windows, zone, end - timedelta(microseconds=1)) == now_open
    if change is not None:
        assert is_open(windows, zone, change) != now_open


@settings(max_examples=200, deadline=None)
@given(
    start=any_clock,
    end=any_clock,
    zone=st.sampled_from(DST_ZONES).map(ZoneInfo),
    instant=instants,
)
def test_a_window_and_its_reverse_split_every_day(
    start: time, end: time, zone: ZoneInfo, instant: datetime
) -> None:
    """Every day 08:00-18:00 and every day 18:00-08:00: exactly one is open at any instant,
    whatever the clocks do."""
    if start == end:
        return
    every = frozenset(range(7))
    day = [TimeWindow(every, start, end)]
    rest = [TimeWindow(every, end, start)]
    assert is_open(day, zone, instant) != is_open(rest, zone, instant)


@settings(max_examples=200, deadline=None)
@given(
    days=st.sets(st.integers(0, 6), min_size=1),
    start=any_clock,
    end=any_clock,
    moment=st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2037, 12, 1)),
)
def test_a_window_crossing_midnight_is_its_evening_and_the_next_morning(
    days: set[int], start: time, end: time, moment: datetime
) -> None:
    if end > start:
        start, end = end, start
    crossing = TimeWindow(frozenset(days), start, end)
    evening = moment.weekday() in days and moment.time() >= start
    morning = (moment.weekday() - 1) % 7 in days and moment.time() < end
    assert crossing.contains(moment) == (evening or morning)


# The decision ------------------------------------------------------------------------------


def test_a_public_place_lets_every_group_and_none_charge() -> None:
    assert decide(PUBLIC, None, [], NOW).allowed
    assert decide(PUBLIC, 7, [rule(8, site_id=5)], NOW).allowed


def test_a_private_place_needs_a_rule_for_the_group() -> None:
    rules = [rule(1, site_id=5), rule(2, station_id=10), rule(3, site_id=6), rule(4, station_id=11)]
    assert decide(PRIVATE, 1, rules, NOW).allowed  # the site
    assert decide(PRIVATE, 2, rules, NOW).allowed  # the station itself
    for group in (3, 4, 9, None):  # another site, another station, no rule, no group
        assert decide(PRIVATE, group, rules, NOW) == AccessDecision(
            AccessStatus.NOT_AT_THIS_LOCATION
        )


def test_a_closed_window_is_not_at_this_time_until_it_opens() -> None:
    place = Place(10, 5, AccessMode.PRIVATE, "Pacific/Auckland")
    auckland = ZoneInfo("Pacific/Auckland")
    evenings = [rule(1, site_id=5, windows=[window(EVERY_DAY, "18:00", "23:00")])]
    noon = at("2026-03-04T12:00", auckland)
    refused = decide(place, 1, evenings, noon)
    assert refused == AccessDecision(
        AccessStatus.NOT_AT_THIS_TIME, until=at("2026-03-04T18:00", auckland)
    )
    evening = at("2026-03-04T19:00", auckland)
    assert decide(place, 1, evenings, evening) == AccessDecision(
        AccessStatus.ALLOWED, until=at("2026-03-04T23:00", auckland)
    )


def test_a_rule_without_windows_outweighs_windowed_ones() -> None:
    rules = [
        rule(1, site_id=5, windows=[window(["sun"], "01:00", "02:00")]),
        rule(1, station_id=10),
    ]
    assert decide(PRIVATE, 1, rules, NOW) == AccessDecision(AccessStatus.ALLOWED)
    assert always_allowed(PRIVATE, 1, rules)
    assert not always_allowed(PRIVATE, 1, rules[:1])
    assert always_allowed(PUBLIC, None, [])


def test_windows_of_several_rules_add_up() -> None:
    rules = [
        rule(1, site_id=5, windows=[window(["wed"], "08:00", "12:00")]),
        rule(1, station_id=10, windows=[window(["wed"], "12:00", "16:00")]),
    ]
    assert decide(PRIVATE, 1, rules, NOW) == AccessDecision(
        AccessStatus.ALLOWED, until=datetime(2026, 3, 4, 16, 0, tzinfo=UTC)
    )


@pytest.mark.parametrize(
    ("site", "station", "expected"),
    [
        (None, None, AccessMode.PUBLIC),
        (AccessMode.PRIVATE, None, AccessMode.PRIVATE),
        (AccessMode.PRIVATE, AccessMode.PUBLIC, AccessMode.PUBLIC),
        (AccessMode.PUBLIC, AccessMode.PRIVATE, AccessMode.PRIVATE),
        (None, AccessMode.PRIVATE, AccessMode.PRIVATE),
    ],
)
def test_a_station_says_its_own_mode_or_follows_its_site(
    site: AccessMode | None, station: AccessMode | None, expected: AccessMode
) -> None:
    assert effective_mode(site, station) is expected


# Access in the authorization decision ----------------------------------------------------------


def token(status: TokenStatus = TokenStatus.ACCEPTED, **fields: object) -> IdToken:
    return IdToken(
        organization_id=1,
        value="04AA",
        type=IdTokenType.ISO14443,
        status=status,
        created_at=NOW,
        updated_at=NOW,
        **fields,  # type: ignore[arg-type]
    )


NOT_HERE = AccessDecision(AccessStatus.NOT_AT_THIS_LOCATION)


def test_the_tokens_own_state_comes_before_access() -> None:
    assert authorize(token(TokenStatus.BLOCKED), NOW, access=NOT_HERE).status is (
        AuthorizationStatus.BLOCKED
    )
    expired = token(expires_at=NOW - timedelta(days=1))
    assert authorize(expired, NOW, access=NOT_HERE).status is AuthorizationStatus.EXPIRED


def test_access_comes_before_concurrent_tx() -> None:
    decision = authorize(token(), NOW, access=NOT_HERE, in_other_transaction=True)
    assert decision.status is AuthorizationStatus.NOT_AT_THIS_LOCATION
    allowed = authorize(
        token(), NOW, access=AccessDecision(AccessStatus.ALLOWED), in_other_transaction=True
    )
    assert allowed.status is AuthorizationStatus.CONCURRENT_TX


@pytest.mark.parametrize("status", [AccessStatus.ALLOWED, AccessStatus.NOT_AT_THIS_TIME])
def test_the_answer_expires_when_the_window_changes_or_the_token_expires(
    status: AccessStatus,
) -> None:
    soon, later = NOW + timedelta(hours=2), NOW + timedelta(days=30)
    window_first = authorize(
        token(expires_at=later), NOW, access=AccessDecision(status, until=soon)
    )
    assert window_first.expires_at == soon
    token_first = authorize(token(expires_at=soon), NOW, access=AccessDecision(status, until=later))
    assert token_first.expires_at == soon
    no_expiry = authorize(token(), NOW, access=AccessDecision(status, until=later))
    assert no_expiry.expires_at == later
    expected = {
        AccessStatus.ALLOWED: AuthorizationStatus.ACCEPTED,
        AccessStatus.NOT_AT_THIS_TIME: AuthorizationStatus.NOT_AT_THIS_TIME,
    }[status]
    assert window_first.status is expected


# The local list --------------------------------------------------------------------------------


def test_the_local_list_holds_the_tokens_allowed_there_at_any_time() -> None:
    tokens = {
        "ALWAYS": token(group_id=1),
        "WINDOWED": token(group_id=2),
        "ELSEWHERE": token(group_id=3),
        "NOGROUP": token(),
        "BLOCKED": token(TokenStatus.BLOCKED, group_id=1),
        "INVALID": token(TokenStatus.INVALID, group_id=1),
    }
    for value, item in tokens.items():
        item.value = value
    rules = [
        rule(1, site_id=5),
        rule(2, station_id=10, windows=[window(EVERY_DAY, "08:00", "18:00")]),
        rule(3, site_id=6),
    ]
    parents = {1: "FLEET", 2: "NIGHT", 3: "OTHER"}
    private = desired(tokens.values(), NOW, parents, place=PRIVATE, rules=rules)
    assert sorted(private) == ["ALWAYS", "BLOCKED"]
    assert private["ALWAYS"]["group_id"] == "FLEET"
    public = desired(tokens.values(), NOW, parents, place=PUBLIC, rules=rules)
    assert sorted(public) == ["ALWAYS", "BLOCKED", "ELSEWHERE", "NOGROUP", "WINDOWED"]
    assert public["NOGROUP"]["group_id"] is None


def test_a_token_past_its_expiry_is_listed_as_expired() -> None:
    expired = token(expires_at=NOW - timedelta(seconds=1))
    valid = token(expires_at=NOW + timedelta(days=1))
    blocked = token(TokenStatus.BLOCKED, expires_at=NOW - timedelta(days=1))
    assert list_status(expired, NOW) is TokenStatus.EXPIRED
    assert list_status(valid, NOW) is TokenStatus.ACCEPTED
    assert list_status(blocked, NOW) is TokenStatus.BLOCKED
    listed = desired([expired], NOW)
    assert listed[expired.value]["status"] == "Expired"
