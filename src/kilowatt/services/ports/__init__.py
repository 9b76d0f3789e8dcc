"""What the services need from the outside world, as Protocols: one module per area, named
as the area is in every layer (services/ports/stations.py beside services/stations.py and
persistence/repositories/stations.py).

persistence/ implements the storage ports; bootstrap.py wires them in. Services never import
an adapter, so they can be read (and reasoned about) without a database in mind. Every port is
also importable from this package.
"""

from __future__ import annotations

from kilowatt.services.ports.access import AccessRuleFilter, AccessRuleRepository
from kilowatt.services.ports.audit import AuditFilter, AuditRepository
from kilowatt.services.ports.bus import EventPublisher, Subscriber
from kilowatt.services.ports.cdrs import BillingContext, CdrRepository
from kilowatt.services.ports.charge_orders import ChargeOrderRepository
from kilowatt.services.ports.clock import Clock
from kilowatt.services.ports.commands import CommandRepository, StationGateway
from kilowatt.services.ports.device_model import DeviceModelFilter, DeviceModelRepository
from kilowatt.services.ports.diagnostics import DiagnosticsRepository
from kilowatt.services.ports.drivers import DriverFilter, DriverRepository
from kilowatt.services.ports.electrical_tree import ElectricalTreeRepository
from kilowatt.services.ports.events import EventRepository
from kilowatt.services.ports.faults import FaultCodeRepository, FaultRepository, FaultRow
from kilowatt.services.ports.files import FileStore, StoredFile
from kilowatt.services.ports.firmware import (
    FirmwareCampaignRepository,
    FirmwareRepository,
    FirmwareUpdateRepository,
    FirmwareVersionCount,
)
from kilowatt.services.ports.jobs import JobLauncher, JobRepository
from kilowatt.services.ports.load_failsafe import ManagedStation, StationProfileRepository
from kilowatt.services.ports.loads import ChargingSession, LoadRepository
from kilowatt.services.ports.local_list import LocalListRepository
from kilowatt.services.ports.message_log import MessageFilter, MessageLogRepository, StoredMessage
from kilowatt.services.ports.monitoring import MonitoringRepository
from kilowatt.services.ports.organizations import OrganizationRepository
from kilowatt.services.ports.removals import RemovalStore
from kilowatt.services.ports.reporting import ReportingStore
from kilowatt.services.ports.reservations import ReservationRepository
from kilowatt.services.ports.retention import RetentionStore
from kilowatt.services.ports.sites import SiteRepository
from kilowatt.services.ports.station_security import CertificateAuthority
from kilowatt.services.ports.stations import ConnectorRepository, StationFilter, StationRepository
from kilowatt.services.ports.tariffs import TariffRepository
from kilowatt.services.ports.tokens import (
    TokenFilter,
    TokenGroupFilter,
    TokenGroupRepository,
    TokenRepository,
)
from kilowatt.services.ports.transactions import TransactionFilter, TransactionRepository
from kilowatt.services.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from kilowatt.services.ports.users import ApiKeyRepository, UserFilter, UserRepository
from kilowatt.services.ports.vendor import VendorTemplateRepository
from kilowatt.services.ports.wallets import EntryFilter, EntryRow, WalletRepository
from kilowatt.services.ports.web_sessions import WebSessionRepository

__all__ = [
    "AccessRuleFilter",
    "AccessRuleRepository",
    "ApiKeyRepository",
    "AuditFilter",
    "AuditRepository",
    "BillingContext",
    "CdrRepository",
    "CertificateAuthority",
    "ChargeOrderRepository",
    "ChargingSession",
    "Clock",
    "CommandRepository",
    "ConnectorRepository",
    "DeviceModelFilter",
    "DeviceModelRepository",
    "DiagnosticsRepository",
    "DriverFilter",
    "DriverRepository",
    "ElectricalTreeRepository",
    "EntryFilter",
    "EntryRow",
    "EventPublisher",
    "EventRepository",
    "FaultCodeRepository",
    "FaultRepository",
    "FaultRow",
    "FileStore",
    "FirmwareCampaignRepository",
    "FirmwareRepository",
    "FirmwareUpdateRepository",
    "FirmwareVersionCount",
    "JobLauncher",
    "JobRepository",
    "LoadRepository",
    "LocalListRepository",
    "ManagedStation",
    "MessageFilter",
    "MessageLogRepository",
    "MonitoringRepository",
    "OrganizationRepository",
    "RemovalStore",
    "ReportingStore",
    "ReservationRepository",
    "RetentionStore",
    "SiteRepository",
    "StationFilter",
    "StationGateway",
    "StationProfileRepository",
    "StationRepository",
    "StoredFile",
    "StoredMessage",
    "Subscriber",
    "TariffRepository",
    "TokenFilter",
    "TokenGroupFilter",
    "TokenGroupRepository",
    "TokenRepository",
    "TransactionFilter",
    "TransactionRepository",
    "UnitOfWork",
    "UnitOfWorkFactory",
    "UserFilter",
    "UserRepository",
    "VendorTemplateRepository",
    "WalletRepository",
    "WebSessionRepository",
]
