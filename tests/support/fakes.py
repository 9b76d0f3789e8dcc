"""In-memory stand-ins for the services' ports, for service tests that run in milliseconds:
a unit of work over a plain store, a frozen clock, a bus and a station gateway that record.

These fake only our own storage and the station's socket, never behaviour: the services
under test, their domain rules and their hooks are the real ones. A repository or method no
test has needed yet raises NotImplementedError naming itself; add it here when a test needs
it, keeping the behaviour of the SQL repository it stands for (persistence/repositories/).
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from types import TracebackType
from typing import Any, Self, TypeVar

from kilowatt.domain.access import AccessRule, Place
from kilowatt.domain.commands import Command, CommandRequest, CommandStatus, Outcome
from kilowatt.domain.errors import Conflict
from kilowatt.domain.events import StationEvent
from kilowatt.domain.live import LiveEvent
from kilowatt.domain.metering import MeterRecord, new_readings, reading_key
from kilowatt.domain.paging import Page, PageRequest
from kilowatt.domain.reservations import Reservation
from kilowatt.domain.stations import Connector, Station
from kilowatt.domain.tokens import IdToken, IdTokenType, TokenGroup
from kilowatt.domain.transactions import (
    OPEN_STATES,
    Transaction,
    TransactionEventRecord,
    TransactionState,
)
from kilowatt.domain.users import Scope
from kilowatt.services.bus import InProcessBus

E = TypeVar("E", bound=LiveEvent)

# Clock, bus, gateway -----------------------------------------------------------------------


class FrozenClock:
    """Now is what the test says it is."""

    def __init__(self, now: datetime | None = None) -> None:
        self.moment = now or datetime(2026, 12, 7, 12, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self.moment

    def advance(self, **delta: float) -> datetime:
        self.moment += timedelta(**delta)
        return self.moment


class RecordingBus(InProcessBus):
    """The real in-process bus, keeping every event published on it, in order."""

    def __init__(self) -> None:
        super().__init__()
        self.published: list[LiveEvent] = []
        self.subscribe(LiveEvent, self.published.append)

    def of(self, kind: type[E]) -> list[E]:
        """The events of one type, in order."""
        return [event for event in self.published if isinstance(event, kind)]


class RecordingGateway:
    """A station gateway that records what it is asked to send and answers as told:
    ``answers[operation]`` is an Outcome (or a function of the request returning one);
    stations in ``offline`` are not connected."""

    def __init__(self) -> None:
        self.sent: list[CommandRequest] = []
        self.answers: dict[str, Outcome | Callable[[CommandRequest], Outcome]] = {}
        self.offline: set[str] = set()

    async def is_online(self, ocpp_id: str) -> bool:
        return ocpp_id not in self.offline

    def check(self, protocol_version: str, params: Any) -> None:
        return None

    async def execute(self, request: CommandRequest) -> Outcome:
        self.sent.append(request)
        answer = self.answers.get(
            request.params.operation.value, Outcome(CommandStatus.ACCEPTED, {})
        )
        return answer(request) if callable(answer) else answer


# The store and the unit of work -------------------------------------------------------------


@dataclass
class Store:
    """Every record the fakes hold, by kind."""

    stations: list[Station] = field(default_factory=list)
    connectors: list[Connector] = field(default_factory=list)
    tokens: list[IdToken] = field(default_factory=list)
    token_groups: list[TokenGroup] = field(default_factory=list)
    access_rules: list[AccessRule] = field(default_factory=list)
    places: dict[int, Place] = field(default_factory=dict)
    transactions: list[Transaction] = field(default_factory=list)
    meter_values: list[MeterRecord] = field(default_factory=list)
    transaction_events: list[TransactionEventRecord] = field(default_factory=list)
    commands: list[Command] = field(default_factory=list)
    reservations: list[Reservation] = field(default_factory=list)
    station_events: list[StationEvent] = field(default_factory=list)
    audit: list[Any] = field(default_factory=list)
    money: Any = None
    """The money area's records (tests/support/fakes_money.py)."""
    ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def new_id(self) -> int:
        return next(self.ids)


class _NotFaked:
    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, method: str) -> Any:
        raise NotImplementedError(
            f"uow.{self._name}.{method} is not faked yet: add it to tests/support/fakes.py"
        )


class _Repository:
    def __init__(self, store: Store, name: str) -> None:
        self.store = store
        self._name = name

    def __getattr__(self, method: str) -> Any:
        raise NotImplementedError(
            f"uow.{self._name}.{method} is not faked yet: add it to tests/support/fakes.py"
        )


def _in_scope(scope: Scope, organization_id: int, site_id: int | None) -> bool:
    if scope.organization_id != organization_id:
        return False
    return scope.site_ids is None or site_id in scope.site_ids


class FakeStations(_Repository):
    async def by_ocpp_id(self, ocpp_id: str) -> Station | None:
        return next((s for s in self.store.stations if s.ocpp_id == ocpp_id), None)

    async def get(self, scope: Scope, ocpp_id: str) -> Station | None:
        station = await self.by_ocpp_id(ocpp_id)
        if station is None or not _in_scope(scope, station.organization_id, station.site_id):
            return None
        return station

    async def get_by_id(self, station_id: int) -> Station | None:
        return next((s for s in self.store.stations if s.id == station_id), None)

    async def by_ids(self, station_ids: Collection[int], lock: bool = False) -> list[Station]:
        return [s for s in self.store.stations if s.id in station_ids]

    async def identities(self, station_ids: set[int]) -> dict[int, str]:
        return {s.id: s.ocpp_id for s in self.store.stations if s.id in station_ids}

    async def add(self, station: Station) -> Station:
        station.id = self.store.new_id()
        self.store.stations.append(station)
        return station


class FakeConnectors(_Repository):
    async def for_station(self, station_id: int) -> list[Connector]:
        found = [c for c in self.store.connectors if c.station_id == station_id]
        return sorted(found, key=lambda c: (c.evse_id, c.connector_id))

    async def get(self, station_id: int, evse_id: int, connector_id: int) -> Connector | None:
        return next(
            (
                c
                for c in self.store.connectors
                if (c.station_id, c.evse_id, c.connector_id) == (station_id, evse_id, connector_id)
            ),
            None,
        )

    async def add(self, connector: Connector) -> Connector:
        connector.id = self.store.new_id()
        self.store.connectors.append(connector)
        return connector


class FakeTokens(_Repository):
    async def get(self, organization_id: int, token_id: int) -> IdToken | None:
        return next(
            (
                t
                for t in self.store.tokens
                if t.id == token_id and t.organization_id == organization_id
            ),
            None,
        )

    async def find(
        self, organization_id: int, value: str, type: IdTokenType | None = None
    ) -> IdToken | None:
        """As the SQL repository: the value compared without case, the type when given."""
        return next(
            (
                t
                for t in self.store.tokens
                if t.organization_id == organization_id
                and t.value.lower() == value.lower()
                and (type is None or t.type is type)
            ),
            None,
        )

    async def add(self, token: IdToken) -> IdToken:
        token.id = self.store.new_id()
        self.store.tokens.append(token)
        return token


class FakeTokenGroups(_Repository):
    async def get(self, organization_id: int, group_id: int) -> TokenGroup | None:
        return next(
            (
                g
                for g in self.store.token_groups
                if g.id == group_id and g.organization_id == organization_id
            ),
            None,
        )

    async def add(self, group: TokenGroup) -> TokenGroup:
        group.id = self.store.new_id()
        self.store.token_groups.append(group)
        return group


class FakeAccessRules(_Repository):
    async def place(self, station_id: int) -> Place | None:
        return self.store.places.get(station_id)

    async def at_place(self, place: Place, group_id: int | None = None) -> list[AccessRule]:
        return [
            r
            for r in self.store.access_rules
            if (r.station_id == place.station_id or r.site_id == place.site_id)
            and (group_id is None or r.group_id == group_id)
        ]


class FakeTransactions(_Repository):
    async def get(self, scope: Scope, transaction_id: int) -> Transaction | None:
        found = next((t for t in self.store.transactions if t.id == transaction_id), None)
        if found is None or found.organization_id != scope.organization_id:
            return None
        return found

    async def by_ids(self, transaction_ids: set[int]) -> list[Transaction]:
        return [t for t in self.store.transactions if t.id in transaction_ids]

    async def by_start_key(self, station_id: int, key: str) -> Transaction | None:
        return next(
            (
                t
                for t in self.store.transactions
                if t.station_id == station_id and t.start_key == key
            ),
            None,
        )

    async def by_ocpp_id(self, station_id: int, ocpp_transaction_id: str) -> Transaction | None:
        return next(
            (
                t
                for t in self.store.transactions
                if t.station_id == station_id and t.ocpp_transaction_id == ocpp_transaction_id
            ),
            None,
        )

    async def open_on_connector(
        self, station_id: int, evse_id: int, connector_id: int
    ) -> list[Transaction]:
        return [
            t
            for t in self.store.transactions
            if (t.station_id, t.evse_id, t.connector_id) == (station_id, evse_id, connector_id)
            and t.state in OPEN_STATES
        ]

    async def open_on_evse(self, station_id: int, evse_id: int) -> list[Transaction]:
        return [
            t
            for t in self.store.transactions
            if (t.station_id, t.evse_id) == (station_id, evse_id)
            and t.state is TransactionState.ACTIVE
        ]

    async def token_in_transaction(
        self, organization_id: int, id_tag: str, exclude: set[int] | None = None
    ) -> bool:
        return any(
            t.organization_id == organization_id
            and t.id_tag.lower() == id_tag.lower()
            and t.state is TransactionState.ACTIVE
            and t.auth_status == "Accepted"
            and t.id not in (exclude or set())
            for t in self.store.transactions
        )

    async def add(self, transaction: Transaction) -> Transaction:
        transaction.id = self.store.new_id()
        self.store.transactions.append(transaction)
        return transaction

    async def search(self, scope: Scope, page: PageRequest, where: Any) -> Page[Transaction]:
        found = [
            t
            for t in sorted(self.store.transactions, key=lambda t: -(t.id or 0))
            if t.organization_id == scope.organization_id
            and (where.station_id is None or t.station_id == where.station_id)
            and (where.state is None or t.state is where.state)
            and (where.id_tag is None or t.id_tag.lower() == where.id_tag.lower())
        ]
        return Page(items=found[: page.limit], next_cursor=None)

    async def add_meter_values(
        self, records: Sequence[MeterRecord], *, fresh: bool = False
    ) -> None:
        stored = set() if fresh else {reading_key(r) for r in self.store.meter_values}
        self.store.meter_values += new_readings(records, stored)

    async def latest_readings(self, station_ids: Collection[int]) -> dict[int, datetime | None]:
        latest: dict[int, datetime | None] = dict.fromkeys(station_ids)
        for reading in self.store.meter_values:
            if reading.station_id in latest:
                at = latest[reading.station_id]
                if at is None or reading.sample.timestamp > at:
                    latest[reading.station_id] = reading.sample.timestamp
        return latest

    async def meter_values(self, transaction_ids: Sequence[int]) -> list[MeterRecord]:
        return sorted(
            (r for r in self.store.meter_values if r.transaction_id in transaction_ids),
            key=lambda r: (r.transaction_id or 0, r.sample.timestamp),
        )

    async def event_seqs(self, transaction_id: int) -> set[int]:
        return {
            e.seq_no for e in self.store.transaction_events if e.transaction_id == transaction_id
        }

    async def add_event(self, event: TransactionEventRecord) -> None:
        event.id = self.store.new_id()
        self.store.transaction_events.append(event)

    async def events(self, transaction_id: int) -> list[TransactionEventRecord]:
        return sorted(
            (e for e in self.store.transaction_events if e.transaction_id == transaction_id),
            key=lambda e: e.seq_no,
        )


class FakeReservations(_Repository):
    async def get(self, reservation_id: int) -> Reservation | None:
        return next((r for r in self.store.reservations if r.id == reservation_id), None)


class FakeCommands(_Repository):
    async def get(self, command_id: int) -> Command | None:
        return next((c for c in self.store.commands if c.id == command_id), None)

    async def get_for_org(self, scope: Scope, command_id: int) -> Command | None:
        command = await self.get(command_id)
        if command is None or command.organization_id != scope.organization_id:
            return None
        return command

    async def add(self, command: Command) -> Command:
        command.id = self.store.new_id()
        self.store.commands.append(command)
        return command

    async def awaiting_start(self, station_id: int | None = None) -> list[Command]:
        return [
            c
            for c in self.store.commands
            if getattr(c, "start_outcome", None) is not None
            and str(c.start_outcome) == "waiting"
            and (station_id is None or c.station_id == station_id)
        ]


class FakeStationEvents(_Repository):
    async def add(self, event: StationEvent) -> None:
        self.store.station_events.append(event)

    async def add_many(self, events: Sequence[StationEvent]) -> None:
        self.store.station_events += list(events)


class FakeAudit(_Repository):
    async def add(self, entry: Any) -> None:
        self.store.audit.append(entry)


_REPOSITORIES: dict[str, type[_Repository]] = {
    "stations": FakeStations,
    "connectors": FakeConnectors,
    "tokens": FakeTokens,
    "token_groups": FakeTokenGroups,
    "access_rules": FakeAccessRules,
    "transactions": FakeTransactions,
    "reservations": FakeReservations,
    "commands": FakeCommands,
    "events": FakeStationEvents,
    "audit": FakeAudit,
}


class FakeUnitOfWork:
    """One unit of work over a copy of the store: commit() makes the copy the store, leaving
    without commit() throws it away, as a database transaction would. Unique keys the
    database enforces (a station's 1.6 replay key and its own transaction ids) are checked at
    commit and raise Conflict, as the SQL unit of work does."""

    def __init__(self, store: Store, *, readonly: bool = False) -> None:
        self._store = store
        self._readonly = readonly
        self.commits = 0

    async def __aenter__(self) -> Self:
        self.work = copy.deepcopy(self._store)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        return None

    def __getattr__(self, name: str) -> Any:
        repository = _REPOSITORIES.get(name)
        if repository is None:
            return _NotFaked(name)
        made = repository(self.work, name)
        setattr(self, name, made)
        return made

    async def commit(self) -> None:
        if self._readonly:
            raise RuntimeError("commit() in a read-only unit of work")
        _check_unique(self.work)
        self._store.__dict__.update(self.work.__dict__)
        self.commits += 1


def _check_unique(store: Store) -> None:
    seen: set[tuple[object, ...]] = set()
    for t in store.transactions:
        for key in (
            (t.station_id, "start", t.start_key),
            (t.station_id, "ocpp", t.ocpp_transaction_id),
        ):
            if key[2] is None:
                continue
            if key in seen:
                raise Conflict(f"conflicts with an existing record: {key}")
            seen.add(key)


class FakeUnitOfWorkFactory:
    """What a service is given: each call opens a unit of work over the same store."""

    def __init__(self, store: Store | None = None) -> None:
        self.store = store or Store()
        self.opened: list[FakeUnitOfWork] = []

    def __call__(self, *, readonly: bool = False) -> FakeUnitOfWork:
        uow = FakeUnitOfWork(self.store, readonly=readonly)
        self.opened.append(uow)
        return uow


# The money area's fakes register themselves in _REPOSITORIES.
from tests.support import fakes_money  # noqa: E402, F401
