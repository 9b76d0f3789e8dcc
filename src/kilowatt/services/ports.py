"""What the services need from the outside world, as Protocols.

persistence/ implements the storage ports; bootstrap.py wires them in. Services never import
an adapter, so they can be read (and reasoned about) without a database in mind.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any, Protocol, Self

from kilowatt.domain.access import AccessRule, Place
from kilowatt.domain.audit import AuditEntry
from kilowatt.domain.commands import Command, CommandRequest, Outcome
from kilowatt.domain.device_model import DeviceVariable
from kilowatt.domain.diagnostics import DiagnosticsUpload
from kilowatt.domain.drivers import Driver
from kilowatt.domain.events import Direction, OcppMessage, StationEvent
from kilowatt.domain.exports import SessionRow
from kilowatt.domain.faults import Fault, FaultCode, FaultFilter
from kilowatt.domain.firmware import Firmware, FirmwareCampaign, FirmwareUpdate
from kilowatt.domain.local_list import LocalList
from kilowatt.domain.metering import MeterRecord
from kilowatt.domain.monitoring import ConnectorRow, SessionSpan, SiteCard, Totals
from kilowatt.domain.organizations import Organization
from kilowatt.domain.ownership import StationOwner
from kilowatt.domain.paging import Page, PageRequest
from kilowatt.domain.reporting import Figures, Ledger, SitePoint, StatusCounts
from kilowatt.domain.reporting_periods import Bounds, Crossing
from kilowatt.domain.reservations import Reservation
from kilowatt.domain.sessions import WebSession
from kilowatt.domain.sites import Site
from kilowatt.domain.station_security import IssuedCertificate, SigningRequest
from kilowatt.domain.stations import Connector, RegistrationStatus, Station, StatusChange
from kilowatt.domain.tokens import GroupKind, IdToken, IdTokenType, TokenGroup, TokenStatus
from kilowatt.domain.transactions import Transaction, TransactionEventRecord, TransactionState
from kilowatt.domain.users import ApiKey, Role, Scope, User
from kilowatt.domain.vendor import VendorTemplate


class Clock(Protocol):
    def now(self) -> datetime: ...


@dataclass(frozen=True, slots=True)
class StationFilter:
    site_id: int | None = None
    online: bool | None = None
    registration_status: RegistrationStatus | None = None
    search: str | None = None


@dataclass(frozen=True, slots=True)
class TokenFilter:
    status: TokenStatus | None = None
    type: IdTokenType | None = None
    parent_id_tag: str | None = None
    """Tokens of the group with this parent id tag (exact)."""
    group_id: int | None = None
    group_ids: frozenset[int] | None = None
    """Tokens of any of these groups."""
    driver_id: int | None = None
    search: str | None = None


@dataclass(frozen=True, slots=True)
class TokenGroupFilter:
    kind: GroupKind | None = None
    search: str | None = None


@dataclass(frozen=True, slots=True)
class DriverFilter:
    active: bool | None = None
    search: str | None = None


@dataclass(frozen=True, slots=True)
class AccessRuleFilter:
    group_id: int | None = None
    site_id: int | None = None
    station_id: int | None = None


@dataclass(frozen=True, slots=True)
class TransactionFilter:
    station_id: int | None = None
    id_tag: str | None = None
    state: TransactionState | None = None
    started_from: datetime | None = None
    started_until: datetime | None = None
    flagged: bool | None = None
    site_id: int | None = None
    driver: str | None = None
    """Part of the name or email of the driver whose token started it."""


@dataclass(frozen=True, slots=True)
class MessageFilter:
    action: str | None = None
    direction: Direction | None = None
    since: datetime | None = None
    until: datetime | None = None


@dataclass(frozen=True, slots=True)
class DeviceModelFilter:
    component: str | None = None
    variable: str | None = None
    evse_id: int | None = None


@dataclass(frozen=True, slots=True)
class UserFilter:
    role: Role | None = None
    active: bool | None = None
    search: str | None = None


@dataclass(frozen=True, slots=True)
class AuditFilter:
    actor_type: str | None = None
    actor_id: int | None = None
    actor_name: str | None = None
    action: str | None = None
    object_type: str | None = None
    object_id: str | None = None
    since: datetime | None = None
    until: datetime | None = None


@dataclass(frozen=True, slots=True)
class StoredMessage:
    id: int
    message: OcppMessage


class OrganizationRepository(Protocol):
    async def get(self, organization_id: int) -> Organization | None: ...
    async def get_by_name(self, name: str) -> Organization | None: ...
    async def first(self) -> Organization | None: ...
    async def add(self, organization: Organization) -> Organization: ...


class SiteRepository(Protocol):
    """Reads take a Scope: a caller limited to some sites finds only those."""

    async def get(self, scope: Scope, site_id: int) -> Site | None: ...
    async def search(
        self, scope: Scope, page: PageRequest, search: str | None = None
    ) -> Page[Site]: ...
    async def add(self, site: Site) -> Site: ...
    async def delete(self, site: Site) -> None: ...


class StationRepository(Protocol):
    async def by_ocpp_id(self, ocpp_id: str) -> Station | None:
        """Across organizations: an OCPP identity is unique system-wide."""
        ...

    async def get(self, scope: Scope, ocpp_id: str) -> Station | None:
        """The station, if it is in the scope (of the organization, at one of its sites)."""
        ...

    async def get_by_id(self, station_id: int) -> Station | None: ...
    async def by_ids(self, station_ids: Collection[int]) -> list[Station]: ...
    async def search(
        self, scope: Scope, page: PageRequest, where: StationFilter
    ) -> Page[Station]: ...
    async def identities(self, station_ids: set[int]) -> dict[int, str]: ...
    async def count_at_site(self, site_id: int) -> int: ...
    async def add(self, station: Station) -> Station: ...
    async def delete(self, station: Station) -> None: ...
    async def record_presence(self, last_seen: Mapping[int, datetime]) -> None: ...
    async def mark_all_offline(self) -> int: ...
    async def online_owners(self) -> list[StationOwner]:
        """Every online station with the connection that owns it."""
        ...

    async def mark_offline(self, owners: Sequence[StationOwner]) -> list[StationOwner]:
        """Take each station offline if it is still owned by the given owner; returns those
        that were."""
        ...

    async def mark_node_offline(self, node_id: str) -> list[StationOwner]:
        """Take offline every station owned by a connection of the node ``node_id``."""
        ...


class ConnectorRepository(Protocol):
    async def for_station(self, station_id: int) -> list[Connector]: ...
    async def get(self, station_id: int, evse_id: int, connector_id: int) -> Connector | None: ...
    async def add(self, connector: Connector) -> Connector: ...
    async def delete(self, connector: Connector) -> None: ...
    async def add_status_change(self, change: StatusChange) -> None: ...
    async def status_history(
        self, station_id: int, evse_id: int, connector_id: int, page: PageRequest
    ) -> Page[StatusChange]: ...


class TokenRepository(Protocol):
    async def get(self, organization_id: int, token_id: int) -> IdToken | None: ...
    async def find(
        self, organization_id: int, value: str, type: IdTokenType | None = None
    ) -> IdToken | None: ...
    async def search(
        self, organization_id: int, page: PageRequest, where: TokenFilter
    ) -> Page[IdToken]: ...
    async def add(self, token: IdToken) -> IdToken: ...
    async def delete(self, token: IdToken) -> None: ...
    async def leave_group(self, group_id: int) -> int:
        """Take every token out of the group; returns how many were in it."""
        ...

    async def leave_driver(self, driver_id: int) -> int:
        """Unassign every token of the driver; returns how many there were."""
        ...

    async def pick(
        self, organization_id: int, text: str, limit: int
    ) -> list[tuple[IdToken, Driver | None]]:
        """Tokens whose value or label, or whose driver's name or email, contains ``text``
        (any case), each with its driver; exact token values first."""
        ...


class TokenGroupRepository(Protocol):
    async def get(self, organization_id: int, group_id: int) -> TokenGroup | None: ...
    async def by_parent_id_tag(
        self, organization_id: int, parent_id_tag: str
    ) -> TokenGroup | None: ...
    async def by_ids(
        self, organization_id: int, group_ids: Collection[int]
    ) -> list[TokenGroup]: ...
    async def search(
        self, organization_id: int, page: PageRequest, where: TokenGroupFilter
    ) -> Page[TokenGroup]: ...
    async def token_counts(self, group_ids: Collection[int]) -> dict[int, int]: ...
    async def add(self, group: TokenGroup) -> TokenGroup: ...
    async def delete(self, group: TokenGroup) -> None: ...


class DriverRepository(Protocol):
    async def get(self, organization_id: int, driver_id: int) -> Driver | None: ...
    async def by_email(self, organization_id: int, email: str) -> Driver | None:
        """``email`` as stored: normalised to lower case."""
        ...

    async def search(
        self, organization_id: int, page: PageRequest, where: DriverFilter
    ) -> Page[Driver]: ...
    async def created_between(
        self, organization_id: int, start: datetime, end: datetime
    ) -> list[datetime]:
        """When each driver made in [start, end) was made."""
        ...

    async def add(self, driver: Driver) -> Driver: ...
    async def delete(self, driver: Driver) -> None: ...


class AccessRuleRepository(Protocol):
    """Reads take a Scope: a caller limited to some sites finds the rules at those sites and
    at their stations."""

    async def get(self, scope: Scope, rule_id: int) -> AccessRule | None: ...
    async def search(
        self, scope: Scope, page: PageRequest, where: AccessRuleFilter
    ) -> Page[AccessRule]: ...
    async def at_place(self, place: Place, group_id: int | None = None) -> list[AccessRule]:
        """The rules granting the station or its site (to ``group_id`` alone, if given)."""
        ...

    async def count_outside(self, scope: Scope, group_id: int) -> int:
        """How many of the group's rules the scope does not reach."""
        ...

    async def place(self, station_id: int) -> Place | None:
        """The station as access control sees it: its site, mode and time zone."""
        ...

    async def add(self, rule: AccessRule) -> AccessRule: ...
    async def delete(self, rule: AccessRule) -> None: ...


class TransactionRepository(Protocol):
    async def get(self, scope: Scope, transaction_id: int) -> Transaction | None: ...
    async def by_start_key(self, station_id: int, key: str) -> Transaction | None: ...
    async def by_ids(self, transaction_ids: set[int]) -> list[Transaction]: ...
    async def by_ocpp_id(self, station_id: int, ocpp_transaction_id: str) -> Transaction | None: ...
    async def open_on_connector(
        self, station_id: int, evse_id: int, connector_id: int
    ) -> list[Transaction]: ...
    async def open_on_evse(self, station_id: int, evse_id: int) -> list[Transaction]:
        """The running transactions of an EVSE, whatever their connector (2.0.1 may not
        name it)."""
        ...

    async def token_in_transaction(
        self, organization_id: int, id_tag: str, exclude: set[int] | None = None
    ) -> bool:
        """Whether the tag (compared case-insensitively) has an active transaction other than
        those in ``exclude``."""
        ...

    async def add(self, transaction: Transaction) -> Transaction: ...
    async def search(
        self, scope: Scope, page: PageRequest, where: TransactionFilter
    ) -> Page[Transaction]: ...
    async def session_rows(
        self, scope: Scope, page: PageRequest, where: TransactionFilter, one: int | None = None
    ) -> Page[SessionRow]:
        """Sessions with their station, site and driver names, newest first; ``one``: only
        that transaction."""
        ...

    async def count(self, scope: Scope, where: TransactionFilter) -> int: ...
    async def count_for_station(self, station_id: int) -> int: ...
    async def add_meter_values(self, records: Sequence[MeterRecord]) -> None: ...
    async def meter_values(self, transaction_ids: Sequence[int]) -> list[MeterRecord]: ...
    async def event_seqs(self, transaction_id: int) -> set[int]: ...
    async def add_event(self, event: TransactionEventRecord) -> None: ...
    async def events(self, transaction_id: int) -> list[TransactionEventRecord]: ...


class EventRepository(Protocol):
    async def add(self, event: StationEvent) -> None: ...
    async def add_many(self, events: Sequence[StationEvent]) -> None: ...
    async def search(
        self, station_id: int, page: PageRequest, kind: str | None = None
    ) -> Page[StationEvent]: ...


class MessageLogRepository(Protocol):
    async def add_many(self, messages: Sequence[OcppMessage]) -> None: ...
    async def search(
        self, station_ocpp_id: str, page: PageRequest, where: MessageFilter
    ) -> Page[StoredMessage]: ...


class DeviceModelRepository(Protocol):
    async def for_station(self, station_id: int) -> list[DeviceVariable]: ...
    async def add_many(self, variables: list[DeviceVariable]) -> None: ...
    async def search(
        self, station_id: int, page: PageRequest, where: DeviceModelFilter
    ) -> Page[DeviceVariable]: ...


class CommandRepository(Protocol):
    async def get(self, command_id: int) -> Command | None: ...
    async def get_for_org(self, scope: Scope, command_id: int) -> Command | None: ...
    async def add(self, command: Command) -> Command: ...
    async def awaiting_start(self, station_id: int | None = None) -> list[Command]:
        """Remote starts still waiting for their session (of one station), oldest first."""
        ...

    async def search(
        self, scope: Scope, page: PageRequest, station_id: int | None = None
    ) -> Page[Command]: ...


class ReservationRepository(Protocol):
    async def get(self, reservation_id: int) -> Reservation | None: ...
    async def get_for_org(self, scope: Scope, reservation_id: int) -> Reservation | None: ...
    async def add(self, reservation: Reservation) -> Reservation: ...
    async def open_for_station(self, station_id: int) -> list[Reservation]: ...
    async def search(
        self, scope: Scope, page: PageRequest, station_id: int | None = None
    ) -> Page[Reservation]: ...


class LocalListRepository(Protocol):
    async def for_station(self, station_id: int) -> LocalList | None: ...
    async def add(self, local_list: LocalList) -> LocalList: ...


@dataclass(frozen=True, slots=True)
class FirmwareVersionCount:
    vendor: str
    model: str
    firmware_version: str
    stations: int


class FirmwareRepository(Protocol):
    async def get(self, organization_id: int, firmware_id: int) -> Firmware | None: ...
    async def get_any(self, firmware_id: int) -> Firmware | None:
        """Across organizations: for a station following a signed link."""
        ...

    async def add(self, firmware: Firmware) -> Firmware: ...
    async def delete(self, firmware: Firmware) -> None: ...
    async def search(self, organization_id: int, page: PageRequest) -> Page[Firmware]: ...
    async def versions(self, scope: Scope) -> list[FirmwareVersionCount]:
        """The stations in scope counted by vendor, model and firmware version."""
        ...


class FirmwareCampaignRepository(Protocol):
    async def get(self, scope: Scope, campaign_id: int) -> FirmwareCampaign | None:
        """For a caller limited to some sites: only a campaign none of whose stations is
        outside them."""
        ...

    async def lock(self, campaign_id: int) -> FirmwareCampaign | None:
        """The campaign, locked until the unit of work ends (SELECT ... FOR UPDATE): decisions
        about one campaign are taken one at a time, whichever node takes them."""
        ...

    async def add(self, campaign: FirmwareCampaign) -> FirmwareCampaign: ...
    async def search(self, scope: Scope, page: PageRequest) -> Page[FirmwareCampaign]: ...
    async def count_active_using(self, firmware_id: int) -> int: ...


class FirmwareUpdateRepository(Protocol):
    async def get(self, update_id: int) -> FirmwareUpdate | None: ...
    async def add(self, update: FirmwareUpdate) -> FirmwareUpdate: ...
    async def for_campaign(self, campaign_id: int) -> list[FirmwareUpdate]: ...
    async def latest_open(self, station_id: int) -> FirmwareUpdate | None:
        """The station's newest update that was sent and has not finished."""
        ...

    async def counts(self, campaign_ids: set[int]) -> dict[int, dict[str, int]]:
        """Targets of each campaign by status."""
        ...

    async def in_active_campaigns(self, station_ids: set[int]) -> set[int]:
        """Those of the stations that are unfinished targets of a running campaign."""
        ...

    async def search(
        self, scope: Scope, page: PageRequest, station_id: int | None = None
    ) -> Page[FirmwareUpdate]: ...


class DiagnosticsRepository(Protocol):
    async def get(self, upload_id: int) -> DiagnosticsUpload | None: ...
    async def by_token(self, token_digest: str, *, lock: bool = False) -> DiagnosticsUpload | None:
        """``lock``: until the unit of work ends (one upload per token, whichever node)."""
        ...

    async def latest(self, station_id: int) -> DiagnosticsUpload | None:
        """The station's newest upload still waiting for its file, else its newest one."""
        ...

    async def add(self, upload: DiagnosticsUpload) -> DiagnosticsUpload: ...
    async def search(self, station_id: int, page: PageRequest) -> Page[DiagnosticsUpload]: ...


class VendorTemplateRepository(Protocol):
    async def get(self, organization_id: int, template_id: int) -> VendorTemplate | None: ...
    async def by_name(self, organization_id: int, name: str) -> VendorTemplate | None: ...
    async def add(self, template: VendorTemplate) -> VendorTemplate: ...
    async def delete(self, template: VendorTemplate) -> None: ...
    async def search(self, organization_id: int, page: PageRequest) -> Page[VendorTemplate]: ...


class UserRepository(Protocol):
    async def by_email(self, email: str) -> User | None: ...
    async def get(self, organization_id: int, user_id: int) -> User | None: ...
    async def get_any(self, user_id: int) -> User | None:
        """Across organizations: for a browser session naming its user."""
        ...

    async def search(
        self, organization_id: int, page: PageRequest, where: UserFilter
    ) -> Page[User]: ...
    async def count_active_owners(self, organization_id: int) -> int: ...
    async def add(self, user: User) -> User: ...
    async def delete(self, user: User) -> None: ...
    async def with_site(self, organization_id: int, site_id: int) -> list[User]:
        """The users limited to sites, among them ``site_id``."""
        ...


class ApiKeyRepository(Protocol):
    async def by_prefix(self, prefix: str) -> ApiKey | None: ...
    async def get(self, organization_id: int, key_id: int) -> ApiKey | None: ...
    async def search(
        self, organization_id: int, page: PageRequest, revoked: bool | None = None
    ) -> Page[ApiKey]: ...
    async def add(self, key: ApiKey) -> ApiKey: ...
    async def touch(self, key_id: int, at: datetime) -> None: ...
    async def with_site(self, organization_id: int, site_id: int) -> list[ApiKey]: ...


class AuditRepository(Protocol):
    """Append-only: entries are added and read, never changed or removed."""

    async def add(self, entry: AuditEntry) -> AuditEntry: ...
    async def search(
        self, organization_id: int, page: PageRequest, where: AuditFilter
    ) -> Page[AuditEntry]: ...
    async def count(
        self,
        action: str,
        since: datetime,
        *,
        object_id: str | None = None,
        client_address: str | None = None,
    ) -> int:
        """Entries of ``action`` since then, for that object and/or that address."""
        ...

    async def update(self, *args: Any, **kwargs: Any) -> None:
        """Always refuses (AppendOnly)."""
        ...

    async def delete(self, *args: Any, **kwargs: Any) -> None:
        """Always refuses (AppendOnly)."""
        ...


class WebSessionRepository(Protocol):
    async def get(self, key: str) -> WebSession | None: ...
    async def add(self, session: WebSession) -> WebSession: ...
    async def delete(self, session: WebSession) -> None: ...
    async def delete_for_user(self, user_id: int) -> int: ...
    async def purge(self, now: datetime, idle_before: datetime) -> int:
        """Remove the sessions past their absolute expiry or idle since before then."""
        ...


@dataclass(frozen=True, slots=True)
class FaultRow:
    """A fault record with what the lists show of its station (``timezone``: its site's, UTC
    without a site)."""

    fault: Fault
    station_ocpp_id: str
    site_id: int | None
    vendor: str
    timezone: str = "UTC"


class FaultCodeRepository(Protocol):
    async def get(self, organization_id: int, code_id: int) -> FaultCode | None: ...
    async def for_codes(self, organization_id: int, codes: Collection[str]) -> list[FaultCode]:
        """Every entry (any vendor) for one of ``codes``."""
        ...

    async def by_ids(self, organization_id: int, code_ids: Collection[int]) -> list[FaultCode]: ...
    async def add(self, entry: FaultCode) -> FaultCode: ...
    async def delete(self, entry: FaultCode) -> None: ...
    async def delete_ids(self, organization_id: int, code_ids: Collection[int]) -> None: ...
    async def search(
        self, organization_id: int, page: PageRequest, text: str | None = None
    ) -> Page[FaultCode]: ...


class FaultRepository(Protocol):
    """Reads take a Scope: a caller limited to some sites finds faults of stations there."""

    async def open_at(self, station_id: int, evse_id: int, connector_id: int) -> Fault | None: ...
    async def add(self, fault: Fault) -> Fault: ...
    async def get(self, scope: Scope, fault_id: int) -> FaultRow | None: ...
    async def open_faults(self, scope: Scope, where: FaultFilter, limit: int) -> list[FaultRow]:
        """Open faults, newest first."""
        ...

    async def search(
        self, scope: Scope, page: PageRequest, where: FaultFilter
    ) -> Page[FaultRow]: ...


class ReportingStore(Protocol):
    """Figures aggregated in the database (persistence/read_models.py); reads take a Scope."""

    async def daily(self, scope: Scope, start: datetime, end: datetime, now: datetime) -> Ledger:
        """Sessions started in [start, end) per site-local day of their start: how many, their
        energy and their charging seconds, those of running sessions so far (``now``);
        new_drivers stays 0."""
        ...

    async def cumulative(self, scope: Scope, now: datetime) -> Figures:
        """The same, over all time."""
        ...

    async def zones(self, scope: Scope) -> list[str]:
        """The time zones of the stations in scope: their sites' (UTC without a site)."""
        ...

    async def stretch(
        self, scope: Scope, bounds: Mapping[str, Bounds]
    ) -> tuple[Figures, list[Crossing]]:
        """Sessions started in [since, until) of the bounds of their site's time zone: every
        one counted, with the energy and charging time of those that ended by ``until``; and
        the others (still running at ``until``), for domain/reporting_periods.py to share."""
        ...

    async def drivers_made(self, organization_id: int, start: datetime, end: datetime) -> int:
        """How many driver accounts were made in [start, end)."""
        ...

    async def status(self, scope: Scope) -> StatusCounts: ...
    async def sites(self, scope: Scope) -> list[SitePoint]:
        """Every site in scope, by id, with how many stations it has and how many are online."""
        ...

    async def import_history(
        self, transactions: Sequence[Transaction], drivers: Sequence[Driver]
    ) -> None:
        """Insert completed transactions and drivers in bulk (the demo's past)."""
        ...


class MonitoringRepository(Protocol):
    """Reads for site monitoring and the connector page (persistence/repositories/monitoring)."""

    async def site_cards(self, scope: Scope) -> list[SiteCard]: ...
    async def site_connectors(self, site_id: int) -> list[ConnectorRow]: ...
    async def station(self, scope: Scope, station_id: int) -> Station | None: ...
    async def sessions_since(
        self,
        organization_id: int,
        station_ids: Collection[int],
        since: datetime,
        evse: tuple[int, int] | None = None,
    ) -> list[SessionSpan]: ...
    async def connector_totals(
        self, station_id: int, evse_id: int, connector_id: int
    ) -> Totals: ...
    async def recent_sessions(
        self, station_id: int, evse_id: int, connector_id: int, limit: int = 20
    ) -> list[SessionSpan]: ...
    async def profile_commands(
        self, station_ids: Collection[int], limit: int = 500
    ) -> list[Command]: ...


class UnitOfWork(Protocol):
    """One database transaction. Leaving the block without commit() rolls everything back."""

    organizations: OrganizationRepository
    sites: SiteRepository
    stations: StationRepository
    connectors: ConnectorRepository
    tokens: TokenRepository
    token_groups: TokenGroupRepository
    drivers: DriverRepository
    access_rules: AccessRuleRepository
    transactions: TransactionRepository
    events: EventRepository
    messages: MessageLogRepository
    device_model: DeviceModelRepository
    commands: CommandRepository
    reservations: ReservationRepository
    local_lists: LocalListRepository
    firmware: FirmwareRepository
    firmware_campaigns: FirmwareCampaignRepository
    firmware_updates: FirmwareUpdateRepository
    diagnostics: DiagnosticsRepository
    vendor_templates: VendorTemplateRepository
    users: UserRepository
    api_keys: ApiKeyRepository
    audit: AuditRepository
    web_sessions: WebSessionRepository
    reporting: ReportingStore
    fault_codes: FaultCodeRepository
    faults: FaultRepository
    monitoring: MonitoringRepository

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    async def commit(self) -> None: ...


class UnitOfWorkFactory(Protocol):
    def __call__(self, *, readonly: bool = False) -> UnitOfWork: ...


class EventPublisher(Protocol):
    """Live events for dashboards and other nodes (in-process or Redis)."""

    def publish(self, topic: str, payload: Mapping[str, Any]) -> None: ...


Subscriber = Callable[[str, Mapping[str, Any]], None]


class StationGateway(Protocol):
    """Reaches a station's socket, on this node or, through Redis, on the node that holds it."""

    async def is_online(self, ocpp_id: str) -> bool: ...

    def check(self, protocol_version: str, operation: str, params: dict[str, Any]) -> None:
        """Raise InvalidInput when the command cannot become a valid CALL of that version."""
        ...

    async def execute(self, request: CommandRequest) -> Outcome:
        """Send the command and return its outcome. The node holding the socket records its
        progress (sent, outcome) through RemoteControlService before this returns."""
        ...


@dataclass(frozen=True, slots=True)
class StoredFile:
    key: str
    size: int
    sha256: str


class FileStore(Protocol):
    """Where firmware images and uploaded diagnostics are kept (a directory on disk, which
    several nodes must share)."""

    async def write(self, key: str, chunks: AsyncIterable[bytes], *, max_bytes: int) -> StoredFile:
        """Stream ``chunks`` into a new file named ``key``. Past ``max_bytes`` it raises
        TooLarge and keeps nothing; an interrupted write keeps nothing either."""
        ...

    async def delete(self, key: str) -> None:
        """Remove the file; one that is not there is no error."""
        ...

    def local_path(self, key: str) -> Path:
        """The file on disk, for the HTTP edge to serve (it handles HEAD and Range);
        NotFound when it is missing."""
        ...


class CertificateAuthority(Protocol):
    """Kilowatt's CA for station certificates (persistence/certificates.py)."""

    def certificate_pem(self) -> str: ...

    def inspect(self, csr_pem: str) -> SigningRequest:
        """What a PEM signing request asks for; InvalidInput when it is not a valid one."""
        ...

    def sign(self, csr_pem: str, days: int, now: datetime) -> IssuedCertificate:
        """A certificate for the request, valid ``days`` days, and its chain."""
        ...
