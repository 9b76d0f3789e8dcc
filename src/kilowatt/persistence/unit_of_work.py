"""The SQL unit of work: one session, one database transaction, every repository (each made
when first used: a MeterValues batch builds one repository, not 28)."""

from __future__ import annotations

from functools import cached_property
from types import TracebackType
from typing import Self

from sqlalchemy.exc import IntegrityError

from kilowatt.domain.errors import Conflict
from kilowatt.persistence.db import Database
from kilowatt.persistence.read_models import SqlReportingStore
from kilowatt.persistence.repositories.access import SqlAccessRuleRepository
from kilowatt.persistence.repositories.audit import SqlAuditRepository
from kilowatt.persistence.repositories.cdrs import SqlCdrRepository
from kilowatt.persistence.repositories.charge_orders import SqlChargeOrderRepository
from kilowatt.persistence.repositories.commands import (
    SqlCommandRepository,
    SqlLocalListRepository,
    SqlReservationRepository,
)
from kilowatt.persistence.repositories.device_model import SqlDeviceModelRepository
from kilowatt.persistence.repositories.diagnostics import SqlDiagnosticsRepository
from kilowatt.persistence.repositories.drivers import SqlDriverRepository
from kilowatt.persistence.repositories.electrical_tree import SqlElectricalTreeRepository
from kilowatt.persistence.repositories.events import SqlEventRepository, SqlMessageLogRepository
from kilowatt.persistence.repositories.faults import SqlFaultCodeRepository, SqlFaultRepository
from kilowatt.persistence.repositories.firmware import (
    SqlFirmwareCampaignRepository,
    SqlFirmwareRepository,
    SqlFirmwareUpdateRepository,
)
from kilowatt.persistence.repositories.jobs import SqlJobRepository
from kilowatt.persistence.repositories.load_failsafe import SqlStationProfileRepository
from kilowatt.persistence.repositories.loads import SqlLoadRepository
from kilowatt.persistence.repositories.monitoring import SqlMonitoringRepository
from kilowatt.persistence.repositories.organizations import SqlOrganizationRepository
from kilowatt.persistence.repositories.removals import SqlRemovalStore
from kilowatt.persistence.repositories.retention import SqlRetentionStore
from kilowatt.persistence.repositories.sites import SqlSiteRepository
from kilowatt.persistence.repositories.stations import SqlConnectorRepository, SqlStationRepository
from kilowatt.persistence.repositories.tariffs import SqlTariffRepository
from kilowatt.persistence.repositories.tokens import SqlTokenGroupRepository, SqlTokenRepository
from kilowatt.persistence.repositories.transactions import SqlTransactionRepository
from kilowatt.persistence.repositories.users import (
    SqlApiKeyRepository,
    SqlUserRepository,
)
from kilowatt.persistence.repositories.vendor import SqlVendorTemplateRepository
from kilowatt.persistence.repositories.wallets import SqlWalletRepository
from kilowatt.persistence.repositories.web_sessions import SqlWebSessionRepository
from kilowatt.services.ports import (
    AccessRuleRepository,
    ApiKeyRepository,
    AuditRepository,
    CdrRepository,
    ChargeOrderRepository,
    CommandRepository,
    ConnectorRepository,
    DeviceModelRepository,
    DiagnosticsRepository,
    DriverRepository,
    ElectricalTreeRepository,
    EventRepository,
    FaultCodeRepository,
    FaultRepository,
    FirmwareCampaignRepository,
    FirmwareRepository,
    FirmwareUpdateRepository,
    JobRepository,
    LoadRepository,
    LocalListRepository,
    MessageLogRepository,
    MonitoringRepository,
    OrganizationRepository,
    RemovalStore,
    ReportingStore,
    ReservationRepository,
    RetentionStore,
    SiteRepository,
    StationProfileRepository,
    StationRepository,
    TariffRepository,
    TokenGroupRepository,
    TokenRepository,
    TransactionRepository,
    UserRepository,
    VendorTemplateRepository,
    WalletRepository,
    WebSessionRepository,
)


class SqlUnitOfWork:
    def __init__(self, database: Database, *, readonly: bool = False) -> None:
        self._database = database
        self._readonly = readonly
        self._locked = False
        self._gated = False

    async def __aenter__(self) -> Self:
        lock = self._database.write_lock
        if lock is not None and not self._readonly:
            await lock.acquire()
            self._locked = True
        gate = self._database.gate
        if gate is not None:
            try:
                await gate.acquire()
            except BaseException:
                self._release()
                raise
            self._gated = True
        try:
            self.session = self._database.session()
        except BaseException:
            self._release()
            raise
        return self

    # Repositories, made on first use -------------------------------------------------------

    @cached_property
    def organizations(self) -> OrganizationRepository:
        return SqlOrganizationRepository(self.session)

    @cached_property
    def sites(self) -> SiteRepository:
        return SqlSiteRepository(self.session)

    @cached_property
    def stations(self) -> StationRepository:
        return SqlStationRepository(self.session)

    @cached_property
    def connectors(self) -> ConnectorRepository:
        return SqlConnectorRepository(self.session)

    @cached_property
    def tokens(self) -> TokenRepository:
        return SqlTokenRepository(self.session)

    @cached_property
    def token_groups(self) -> TokenGroupRepository:
        return SqlTokenGroupRepository(self.session)

    @cached_property
    def drivers(self) -> DriverRepository:
        return SqlDriverRepository(self.session)

    @cached_property
    def access_rules(self) -> AccessRuleRepository:
        return SqlAccessRuleRepository(self.session)

    @cached_property
    def transactions(self) -> TransactionRepository:
        return SqlTransactionRepository(self.session)

    @cached_property
    def events(self) -> EventRepository:
        return SqlEventRepository(self.session)

    @cached_property
    def messages(self) -> MessageLogRepository:
        return SqlMessageLogRepository(self.session)

    @cached_property
    def device_model(self) -> DeviceModelRepository:
        return SqlDeviceModelRepository(self.session)

    @cached_property
    def commands(self) -> CommandRepository:
        return SqlCommandRepository(self.session)

    @cached_property
    def reservations(self) -> ReservationRepository:
        return SqlReservationRepository(self.session)

    @cached_property
    def local_lists(self) -> LocalListRepository:
        return SqlLocalListRepository(self.session)

    @cached_property
    def firmware(self) -> FirmwareRepository:
        return SqlFirmwareRepository(self.session)

    @cached_property
    def firmware_campaigns(self) -> FirmwareCampaignRepository:
        return SqlFirmwareCampaignRepository(self.session)

    @cached_property
    def firmware_updates(self) -> FirmwareUpdateRepository:
        return SqlFirmwareUpdateRepository(self.session)

    @cached_property
    def diagnostics(self) -> DiagnosticsRepository:
        return SqlDiagnosticsRepository(self.session)

    @cached_property
    def vendor_templates(self) -> VendorTemplateRepository:
        return SqlVendorTemplateRepository(self.session)

    @cached_property
    def users(self) -> UserRepository:
        return SqlUserRepository(self.session)

    @cached_property
    def api_keys(self) -> ApiKeyRepository:
        return SqlApiKeyRepository(self.session)

    @cached_property
    def audit(self) -> AuditRepository:
        return SqlAuditRepository(self.session)

    @cached_property
    def web_sessions(self) -> WebSessionRepository:
        return SqlWebSessionRepository(self.session)

    @cached_property
    def reporting(self) -> ReportingStore:
        return SqlReportingStore(self.session)

    @cached_property
    def fault_codes(self) -> FaultCodeRepository:
        return SqlFaultCodeRepository(self.session)

    @cached_property
    def faults(self) -> FaultRepository:
        return SqlFaultRepository(self.session)

    @cached_property
    def monitoring(self) -> MonitoringRepository:
        return SqlMonitoringRepository(self.session)

    @cached_property
    def jobs(self) -> JobRepository:
        return SqlJobRepository(self.session)

    @cached_property
    def retention(self) -> RetentionStore:
        return SqlRetentionStore(self.session)

    @cached_property
    def tariffs(self) -> TariffRepository:
        return SqlTariffRepository(self.session)

    @cached_property
    def wallets(self) -> WalletRepository:
        return SqlWalletRepository(self.session)

    @cached_property
    def cdrs(self) -> CdrRepository:
        return SqlCdrRepository(self.session)

    @cached_property
    def removals(self) -> RemovalStore:
        return SqlRemovalStore(self.session)

    @cached_property
    def loads(self) -> LoadRepository:
        return SqlLoadRepository(self.session)

    @cached_property
    def station_profiles(self) -> StationProfileRepository:
        return SqlStationProfileRepository(self.session)

    @cached_property
    def charge_orders(self) -> ChargeOrderRepository:
        return SqlChargeOrderRepository(self.session)

    @cached_property
    def electrical_tree(self) -> ElectricalTreeRepository:
        return SqlElectricalTreeRepository(self.session)

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # close() rolls back whatever was not committed and detaches the loaded objects
        # without expiring them, so callers may keep reading what the unit of work returned.
        try:
            await self.session.close()
        finally:
            self._release()

    async def commit(self) -> None:
        if self._readonly:
            raise RuntimeError("commit() in a read-only unit of work")
        try:
            await self.session.commit()
        except IntegrityError as error:
            raise Conflict(f"conflicts with an existing record: {error.orig}") from error

    def _release(self) -> None:
        if self._gated and self._database.gate is not None:
            self._database.gate.release()
            self._gated = False
        if self._locked and self._database.write_lock is not None:
            self._database.write_lock.release()
            self._locked = False


class SqlUnitOfWorkFactory:
    def __init__(self, database: Database) -> None:
        self.database = database

    def __call__(self, *, readonly: bool = False) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.database, readonly=readonly)
