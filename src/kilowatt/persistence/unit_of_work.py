"""The SQL unit of work: one session, one database transaction, every repository."""

from __future__ import annotations

from types import TracebackType
from typing import Self

from sqlalchemy.exc import IntegrityError

from kilowatt.domain.errors import Conflict
from kilowatt.persistence.db import Database
from kilowatt.persistence.read_models import SqlReportingStore
from kilowatt.persistence.repositories.access import SqlAccessRuleRepository
from kilowatt.persistence.repositories.audit import SqlAuditRepository
from kilowatt.persistence.repositories.commands import (
    SqlCommandRepository,
    SqlLocalListRepository,
    SqlReservationRepository,
)
from kilowatt.persistence.repositories.device_model import SqlDeviceModelRepository
from kilowatt.persistence.repositories.diagnostics import SqlDiagnosticsRepository
from kilowatt.persistence.repositories.drivers import SqlDriverRepository
from kilowatt.persistence.repositories.events import SqlEventRepository, SqlMessageLogRepository
from kilowatt.persistence.repositories.faults import SqlFaultCodeRepository, SqlFaultRepository
from kilowatt.persistence.repositories.firmware import (
    SqlFirmwareCampaignRepository,
    SqlFirmwareRepository,
    SqlFirmwareUpdateRepository,
)
from kilowatt.persistence.repositories.monitoring import SqlMonitoringRepository
from kilowatt.persistence.repositories.organizations import SqlOrganizationRepository
from kilowatt.persistence.repositories.sites import SqlSiteRepository
from kilowatt.persistence.repositories.stations import SqlConnectorRepository, SqlStationRepository
from kilowatt.persistence.repositories.tokens import SqlTokenGroupRepository, SqlTokenRepository
from kilowatt.persistence.repositories.transactions import SqlTransactionRepository
from kilowatt.persistence.repositories.users import (
    SqlApiKeyRepository,
    SqlUserRepository,
    SqlWebSessionRepository,
)
from kilowatt.persistence.repositories.vendor import SqlVendorTemplateRepository
from kilowatt.services.ports import (
    AccessRuleRepository,
    ApiKeyRepository,
    AuditRepository,
    CommandRepository,
    ConnectorRepository,
    DeviceModelRepository,
    DiagnosticsRepository,
    DriverRepository,
    EventRepository,
    FaultCodeRepository,
    FaultRepository,
    FirmwareCampaignRepository,
    FirmwareRepository,
    FirmwareUpdateRepository,
    LocalListRepository,
    MessageLogRepository,
    MonitoringRepository,
    OrganizationRepository,
    ReportingStore,
    ReservationRepository,
    SiteRepository,
    StationRepository,
    TokenGroupRepository,
    TokenRepository,
    TransactionRepository,
    UserRepository,
    VendorTemplateRepository,
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
            session = self.session
            self.organizations: OrganizationRepository = SqlOrganizationRepository(session)
            self.sites: SiteRepository = SqlSiteRepository(session)
            self.stations: StationRepository = SqlStationRepository(session)
            self.connectors: ConnectorRepository = SqlConnectorRepository(session)
            self.tokens: TokenRepository = SqlTokenRepository(session)
            self.token_groups: TokenGroupRepository = SqlTokenGroupRepository(session)
            self.drivers: DriverRepository = SqlDriverRepository(session)
            self.access_rules: AccessRuleRepository = SqlAccessRuleRepository(session)
            self.transactions: TransactionRepository = SqlTransactionRepository(session)
            self.events: EventRepository = SqlEventRepository(session)
            self.messages: MessageLogRepository = SqlMessageLogRepository(session)
            self.device_model: DeviceModelRepository = SqlDeviceModelRepository(session)
            self.commands: CommandRepository = SqlCommandRepository(session)
            self.reservations: ReservationRepository = SqlReservationRepository(session)
            self.local_lists: LocalListRepository = SqlLocalListRepository(session)
            self.firmware: FirmwareRepository = SqlFirmwareRepository(session)
            self.firmware_campaigns: FirmwareCampaignRepository = SqlFirmwareCampaignRepository(
                session
            )
            self.firmware_updates: FirmwareUpdateRepository = SqlFirmwareUpdateRepository(session)
            self.diagnostics: DiagnosticsRepository = SqlDiagnosticsRepository(session)
            self.vendor_templates: VendorTemplateRepository = SqlVendorTemplateRepository(session)
            self.users: UserRepository = SqlUserRepository(session)
            self.api_keys: ApiKeyRepository = SqlApiKeyRepository(session)
            self.audit: AuditRepository = SqlAuditRepository(session)
            self.web_sessions: WebSessionRepository = SqlWebSessionRepository(session)
            self.reporting: ReportingStore = SqlReportingStore(session)
            self.fault_codes: FaultCodeRepository = SqlFaultCodeRepository(session)
            self.faults: FaultRepository = SqlFaultRepository(session)
            self.monitoring: MonitoringRepository = SqlMonitoringRepository(session)
        except BaseException:
            self._release()
            raise
        return self

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
