"""All services, built once by bootstrap.py and handed to every edge."""

from __future__ import annotations

from dataclasses import dataclass

from kilowatt.services.access import AccessService
from kilowatt.services.audit import AuditService
from kilowatt.services.authorization import AuthorizationService
from kilowatt.services.bus import InProcessBus
from kilowatt.services.cdrs import CdrService
from kilowatt.services.charge_orders import ChargeOrderService
from kilowatt.services.commands import CommandService
from kilowatt.services.device_model import DeviceModelService
from kilowatt.services.diagnostics import DiagnosticsService
from kilowatt.services.drivers import DriverService
from kilowatt.services.electrical_tree import ElectricalTreeService
from kilowatt.services.exports import ExportService
from kilowatt.services.faults import FaultService
from kilowatt.services.firmware import FirmwareService
from kilowatt.services.imports import ImportService
from kilowatt.services.invitations import InvitationService
from kilowatt.services.jobs import JobService
from kilowatt.services.load_meters import LoadMeterService
from kilowatt.services.loads import LoadService
from kilowatt.services.local_list import LocalListService
from kilowatt.services.message_log import MessageLogService
from kilowatt.services.metering import MeteringService
from kilowatt.services.monitoring import MonitoringService
from kilowatt.services.organizations import OrganizationService
from kilowatt.services.ports import Clock
from kilowatt.services.provisioning import ProvisioningService
from kilowatt.services.remote_start import RemoteStartService
from kilowatt.services.removals import RemovalService
from kilowatt.services.reporting import ReportingService
from kilowatt.services.reservations import ReservationService
from kilowatt.services.retention import RetentionService
from kilowatt.services.revenue import RevenueService
from kilowatt.services.session_costs import SessionCostService
from kilowatt.services.sites import SiteService
from kilowatt.services.station_reports import StationReportService
from kilowatt.services.station_security import StationSecurityService
from kilowatt.services.stations import StationService
from kilowatt.services.tariffs import TariffService
from kilowatt.services.token_imports import TokenImportService
from kilowatt.services.tokens import TokenGroupService, TokenService
from kilowatt.services.transactions import TransactionService
from kilowatt.services.two_factor import TwoFactorService
from kilowatt.services.users import UserService
from kilowatt.services.vendor import VendorService
from kilowatt.services.wallets import WalletService
from kilowatt.services.web_sessions import WebSessionService


@dataclass(frozen=True, slots=True)
class Services:
    clock: Clock
    bus: InProcessBus
    organizations: OrganizationService
    provisioning: ProvisioningService
    station_reports: StationReportService
    authorization: AuthorizationService
    transactions: TransactionService
    metering: MeteringService
    stations: StationService
    sites: SiteService
    tokens: TokenService
    token_groups: TokenGroupService
    drivers: DriverService
    access: AccessService
    message_log: MessageLogService
    device_model: DeviceModelService
    commands: CommandService
    remote_start: RemoteStartService
    reservations: ReservationService
    local_list: LocalListService
    users: UserService
    firmware: FirmwareService
    diagnostics: DiagnosticsService
    vendor: VendorService
    audit: AuditService
    web_sessions: WebSessionService
    station_security: StationSecurityService
    faults: FaultService
    two_factor: TwoFactorService
    jobs: JobService
    retention: RetentionService
    tariffs: TariffService
    wallets: WalletService
    cdrs: CdrService
    invitations: InvitationService
    loads: LoadService
    load_meters: LoadMeterService
    session_costs: SessionCostService
    charge_orders: ChargeOrderService

    @property
    def electrical_tree(self) -> ElectricalTreeService:
        """Sites' electrical trees: stateless; a changed tree makes load management look at
        the site again."""
        service = ElectricalTreeService(self.loads.uow, self.clock, self.bus)
        service.changed = self.loads.kick
        return service

    @property
    def exports(self) -> ExportService:
        """Session lists and exports: stateless, built on the transactions' unit of work."""
        return ExportService(self.transactions.uow, self.clock, self.bus)

    @property
    def imports(self) -> ImportService:
        """Bulk import of sites and stations: stateless, built on the sites' unit of work."""
        return ImportService(self.sites.uow, self.clock, self.bus, security=self.station_security)

    @property
    def token_imports(self) -> TokenImportService:
        """Id tokens (RFID cards) imported and exported in bulk: stateless."""
        return TokenImportService(self.tokens.uow, self.clock, self.bus)

    @property
    def removals(self) -> RemovalService:
        """Sites and stations deleted with what they hold: stateless, no accounting yet."""
        return RemovalService(self.sites.uow, self.clock, self.bus)

    @property
    def monitoring(self) -> MonitoringService:
        """Site monitoring and the connector page: stateless, sends through commands."""
        return MonitoringService(self.sites.uow, self.clock, self.bus, remote=self.commands)

    @property
    def reporting(self) -> ReportingService:
        """The home page's figures and the reports API: stateless, read-only."""
        return ReportingService(self.sites.uow, self.clock, self.bus)

    @property
    def revenue(self) -> RevenueService:
        """The home page's top-ups and revenue: stateless, read-only."""
        return RevenueService(self.sites.uow, self.clock, self.bus, currency=self.wallets.currency)

    async def close(self) -> None:
        """Stop background work (pending group commits are cancelled)."""
        await self.cdrs.settle()
        await self.load_meters.settle()
        await self.loads.close()
        await self.session_costs.settle()
        await self.charge_orders.settle()
        await self.firmware.close()
        await self.commands.close()
        await self.remote_start.close()
        await self.metering.close()
        await self.station_security.close()
