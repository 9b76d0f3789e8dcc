"""One database transaction with every repository: what a service opens for each
unit of work."""

from __future__ import annotations

from types import TracebackType
from typing import Protocol, Self

from kilowatt.services.ports.access import AccessRuleRepository
from kilowatt.services.ports.audit import AuditRepository
from kilowatt.services.ports.cdrs import CdrRepository
from kilowatt.services.ports.charge_orders import ChargeOrderRepository
from kilowatt.services.ports.commands import CommandRepository
from kilowatt.services.ports.device_model import DeviceModelRepository
from kilowatt.services.ports.diagnostics import DiagnosticsRepository
from kilowatt.services.ports.drivers import DriverRepository
from kilowatt.services.ports.electrical_tree import ElectricalTreeRepository
from kilowatt.services.ports.events import EventRepository
from kilowatt.services.ports.faults import FaultCodeRepository, FaultRepository
from kilowatt.services.ports.firmware import (
    FirmwareCampaignRepository,
    FirmwareRepository,
    FirmwareUpdateRepository,
)
from kilowatt.services.ports.jobs import JobRepository
from kilowatt.services.ports.load_failsafe import StationProfileRepository
from kilowatt.services.ports.loads import LoadRepository
from kilowatt.services.ports.local_list import LocalListRepository
from kilowatt.services.ports.message_log import MessageLogRepository
from kilowatt.services.ports.monitoring import MonitoringRepository
from kilowatt.services.ports.organizations import OrganizationRepository
from kilowatt.services.ports.removals import RemovalStore
from kilowatt.services.ports.reporting import ReportingStore
from kilowatt.services.ports.reservations import ReservationRepository
from kilowatt.services.ports.retention import RetentionStore
from kilowatt.services.ports.sites import SiteRepository
from kilowatt.services.ports.stations import ConnectorRepository, StationRepository
from kilowatt.services.ports.tariffs import TariffRepository
from kilowatt.services.ports.tokens import TokenGroupRepository, TokenRepository
from kilowatt.services.ports.transactions import TransactionRepository
from kilowatt.services.ports.users import ApiKeyRepository, UserRepository
from kilowatt.services.ports.vendor import VendorTemplateRepository
from kilowatt.services.ports.wallets import WalletRepository
from kilowatt.services.ports.web_sessions import WebSessionRepository


class UnitOfWork(Protocol):
    """One database transaction. Leaving the block without commit() rolls everything back.
    Repositories are made when first used: a unit of work pays only for the ones it needs."""

    @property
    def organizations(self) -> OrganizationRepository: ...
    @property
    def sites(self) -> SiteRepository: ...
    @property
    def stations(self) -> StationRepository: ...
    @property
    def connectors(self) -> ConnectorRepository: ...
    @property
    def tokens(self) -> TokenRepository: ...
    @property
    def token_groups(self) -> TokenGroupRepository: ...
    @property
    def drivers(self) -> DriverRepository: ...
    @property
    def access_rules(self) -> AccessRuleRepository: ...
    @property
    def transactions(self) -> TransactionRepository: ...
    @property
    def tariffs(self) -> TariffRepository: ...
    @property
    def wallets(self) -> WalletRepository: ...
    @property
    def cdrs(self) -> CdrRepository: ...
    @property
    def charge_orders(self) -> ChargeOrderRepository: ...
    @property
    def events(self) -> EventRepository: ...
    @property
    def messages(self) -> MessageLogRepository: ...
    @property
    def device_model(self) -> DeviceModelRepository: ...
    @property
    def commands(self) -> CommandRepository: ...
    @property
    def reservations(self) -> ReservationRepository: ...
    @property
    def local_lists(self) -> LocalListRepository: ...
    @property
    def firmware(self) -> FirmwareRepository: ...
    @property
    def firmware_campaigns(self) -> FirmwareCampaignRepository: ...
    @property
    def firmware_updates(self) -> FirmwareUpdateRepository: ...
    @property
    def diagnostics(self) -> DiagnosticsRepository: ...
    @property
    def vendor_templates(self) -> VendorTemplateRepository: ...
    @property
    def users(self) -> UserRepository: ...
    @property
    def api_keys(self) -> ApiKeyRepository: ...
    @property
    def audit(self) -> AuditRepository: ...
    @property
    def web_sessions(self) -> WebSessionRepository: ...
    @property
    def reporting(self) -> ReportingStore: ...
    @property
    def fault_codes(self) -> FaultCodeRepository: ...
    @property
    def faults(self) -> FaultRepository: ...
    @property
    def monitoring(self) -> MonitoringRepository: ...
    @property
    def jobs(self) -> JobRepository: ...
    @property
    def retention(self) -> RetentionStore: ...
    @property
    def removals(self) -> RemovalStore: ...
    @property
    def loads(self) -> LoadRepository: ...
    @property
    def electrical_tree(self) -> ElectricalTreeRepository: ...
    @property
    def station_profiles(self) -> StationProfileRepository: ...

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
