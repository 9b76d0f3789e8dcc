"""The composition root: settings → database → services → edges. Nothing else builds them."""

from __future__ import annotations

import gc
from dataclasses import dataclass
from datetime import timedelta

from kilowatt.adapters import email
from kilowatt.adapters.mqtt_meters import MqttMeters
from kilowatt.cluster import Cluster
from kilowatt.config import Settings
from kilowatt.domain.live import (
    CommandFinished,
    MeterValuesReported,
    RemoteStartOutcome,
    TransactionEnded,
    TransactionStarted,
)
from kilowatt.domain.live_money import SessionCostUpdated, WalletChanged
from kilowatt.jobs import registered
from kilowatt.jobs.runner import JobRunner
from kilowatt.ocpp.auth import HandshakeGuard
from kilowatt.ocpp.gateway import LocalGateway
from kilowatt.ocpp.message_log import MessageLog
from kilowatt.ocpp.server import OcppServer
from kilowatt.persistence import change_watch, statement_counter
from kilowatt.persistence.certificates import certificate_authority
from kilowatt.persistence.db import Database
from kilowatt.persistence.files import LocalFileStore, secret_key
from kilowatt.persistence.group_unit_of_work import GroupedUnitOfWorkFactory
from kilowatt.persistence.migrate import is_current, upgrade_connection
from kilowatt.persistence.models import start_mappers
from kilowatt.persistence.unit_of_work import SqlUnitOfWorkFactory
from kilowatt.services.access import AccessService
from kilowatt.services.audit import AuditService
from kilowatt.services.authorization import AuthorizationService
from kilowatt.services.base import SystemClock
from kilowatt.services.bus import InProcessBus
from kilowatt.services.cdrs import CdrService
from kilowatt.services.charge_orders import ChargeOrderService
from kilowatt.services.commands import CommandService
from kilowatt.services.container import Services
from kilowatt.services.device_model import DeviceModelService
from kilowatt.services.diagnostics import DiagnosticsService
from kilowatt.services.drivers import DriverService
from kilowatt.services.faults import FaultService
from kilowatt.services.files import FileLinks
from kilowatt.services.firmware import FirmwareService
from kilowatt.services.invitations import InvitationService
from kilowatt.services.jobs import JobService
from kilowatt.services.load_meters import LoadMeterService
from kilowatt.services.loads import LoadService
from kilowatt.services.local_list import LocalListService
from kilowatt.services.message_log import MessageLogService
from kilowatt.services.metering import MeteringService, ReadingMemory
from kilowatt.services.organizations import OrganizationService
from kilowatt.services.provisioning import ProvisioningService
from kilowatt.services.remote_start import RemoteStartService
from kilowatt.services.reservations import ReservationService
from kilowatt.services.retention import RetentionService
from kilowatt.services.session_costs import SessionCostService
from kilowatt.services.sites import SiteService
from kilowatt.services.station_reports import ReportMemory, StationReportService
from kilowatt.services.station_security import StationSecurityService
from kilowatt.services.stations import StationService
from kilowatt.services.tariffs import TariffService
from kilowatt.services.tokens import TokenGroupService, TokenService
from kilowatt.services.transactions import TransactionService
from kilowatt.services.two_factor import TwoFactorService
from kilowatt.services.users import UserService
from kilowatt.services.vendor import VendorService
from kilowatt.services.wallets import WalletService
from kilowatt.services.web_sessions import SessionPolicy, WebSessionService


@dataclass
class Container:
    settings: Settings
    database: Database
    services: Services
    ocpp: OcppServer
    jobs: JobRunner
    """Scheduled and background work (started and stopped by the app)."""
    cluster: Cluster | None = None
    """Set with KILOWATT_REDIS_URL: this node is one of several (started by the app)."""
    meters: MqttMeters | None = None
    """Set with KILOWATT_MQTT_URL: site meters read over MQTT (started by the app)."""

    async def close(self) -> None:
        await self.services.close()
        await self.database.dispose()


def build_services(settings: Settings, database: Database) -> Services:
    start_mappers()
    uow = SqlUnitOfWorkFactory(database)
    # The hot path's writes share transactions (persistence/group_unit_of_work.py).
    grouped = GroupedUnitOfWorkFactory(database)
    clock = SystemClock()
    bus = InProcessBus()
    store = LocalFileStore(settings.effective_files_dir)
    secret = secret_key(settings.secret_key, settings.data_dir)
    links = FileLinks(secret, settings.effective_public_url)
    users = UserService(uow, clock, bus)
    station_security = StationSecurityService(
        uow,
        clock,
        bus,
        ca=certificate_authority(settings.ca_cert_file, settings.ca_key_file, settings.data_dir),
        certificate_days=settings.station_certificate_days,
        hash_workers=settings.ocpp_password_workers,
    )
    reports = ReportMemory()
    readings = ReadingMemory()
    services = Services(
        clock=clock,
        bus=bus,
        organizations=OrganizationService(uow, clock, bus),
        provisioning=ProvisioningService(
            grouped,
            clock,
            bus,
            unknown_station_policy=settings.unknown_station_policy,
            heartbeat_interval=settings.heartbeat_interval,
            pending_interval=settings.pending_retry_interval,
            memory=reports,
            readings=readings,
        ),
        station_reports=StationReportService(grouped, clock, bus, reports),
        # With several nodes another node's token change reaches this one's cache in 5 s.
        authorization=AuthorizationService(
            uow, clock, bus, ttl=5.0 if settings.redis_url else 60.0
        ),
        transactions=TransactionService(grouped, clock, bus, readings),
        metering=MeteringService(uow, clock, bus, readings=readings),
        stations=StationService(uow, clock, bus, security=station_security),
        sites=SiteService(uow, clock, bus),
        tokens=TokenService(uow, clock, bus),
        token_groups=TokenGroupService(uow, clock, bus),
        drivers=DriverService(uow, clock, bus),
        access=AccessService(uow, clock, bus),
        message_log=MessageLogService(uow, clock, bus),
        device_model=DeviceModelService(uow, clock, bus),
        commands=CommandService(uow, clock, bus, default_timeout=settings.ocpp_call_timeout),
        remote_start=RemoteStartService(uow, clock, bus, window=settings.remote_start_window),
        reservations=ReservationService(uow, clock, bus),
        local_list=LocalListService(uow, clock, bus),
        users=users,
        firmware=FirmwareService(
            uow,
            clock,
            bus,
            store=store,
            links=links,
            max_bytes=settings.firmware_max_bytes,
            url_ttl=settings.firmware_url_ttl,
            campaign_step=settings.firmware_campaign_step,
            offline_grace=settings.firmware_campaign_offline_grace,
        ),
        diagnostics=DiagnosticsService(
            uow,
            clock,
            bus,
            store=store,
            links=links,
            max_bytes=settings.diagnostics_max_bytes,
            upload_ttl=settings.diagnostics_upload_ttl,
        ),
        vendor=VendorService(uow, clock, bus),
        faults=FaultService(uow, clock, bus),
        two_factor=TwoFactorService(uow, clock, bus),
        audit=AuditService(uow, clock, bus),
        web_sessions=WebSessionService(
            uow,
            clock,
            bus,
            users=users,
            policy=SessionPolicy(
                idle=timedelta(seconds=settings.session_idle_timeout),
                lifetime=timedelta(seconds=settings.session_max_age),
                max_failures_per_account=settings.login_max_failures,
                max_failures_per_address=settings.login_max_failures_per_address,
                max_failures_per_account_total=settings.login_max_failures_per_account,
                known_address_age=timedelta(days=settings.login_known_address_days),
                throttle_window=timedelta(seconds=settings.login_throttle_window),
            ),
        ),
        station_security=station_security,
        jobs=JobService(uow, clock, bus),
        retention=RetentionService(
            uow,
            clock,
            bus,
            message_log_days=settings.message_log_retention_days,
            meter_values_days=settings.meter_values_retention_days,
            batch=settings.retention_batch,
        ),
        tariffs=TariffService(uow, clock, bus),
        wallets=WalletService(uow, clock, bus, currency=settings.billing_currency),
        cdrs=CdrService(uow, clock, bus, currency=settings.billing_currency),
        invitations=InvitationService(
            uow,
            clock,
            bus,
            mailer=email.mailer(settings),
            secret=secret,
            public_url=settings.effective_public_url,
        ),
        loads=LoadService(uow, clock, bus),
        load_meters=LoadMeterService(uow, clock, bus),
        session_costs=SessionCostService(uow, clock, bus, cost_every=settings.cost_updated_every),
        charge_orders=ChargeOrderService(uow, clock, bus),
    )
    # Billing follows the sessions that end on this node (each node bills its own).
    bus.subscribe(TransactionEnded, services.cdrs.on_ended, local=True)
    # Live cost follows the sessions running on this node (services/session_costs.py).
    costs = services.session_costs
    costs.remote = services.commands
    bus.subscribe(TransactionStarted, costs.on_started, local=True)
    bus.subscribe(MeterValuesReported, costs.on_meter, local=True)
    bus.subscribe(TransactionEnded, costs.on_ended, local=True)
    # Sessions of other nodes followed here (for charge orders made here), and the ledger's
    # moves wherever they happen (a prepaid wallet's balance).
    bus.subscribe(MeterValuesReported, costs.on_relayed_meter)
    bus.subscribe(TransactionEnded, costs.on_relayed_ended)
    bus.subscribe(WalletChanged, costs.on_wallet)
    bus.subscribe(SessionCostUpdated, costs.on_relayed_cost)
    for deciding in (
        services.authorization,
        services.access,
        services.transactions,
        services.remote_start,
    ):
        deciding.credit_spent = costs.spent
    # Charge orders follow their sessions through the live cost (services/charge_orders.py).
    orders = services.charge_orders
    orders.remote = services.commands
    orders.costs = costs
    costs.watch(orders.on_cost)
    bus.subscribe(RemoteStartOutcome, orders.on_start_outcome)
    bus.subscribe(CommandFinished, orders.on_command_finished)
    bus.subscribe(TransactionEnded, orders.on_ended)
    remote = services.commands
    for area in (
        services.transactions,
        services.remote_start,
        services.reservations,
        services.local_list,
    ):
        area.install(remote)
    services.device_model.install(remote)
    services.loads.install(remote, bus)
    services.load_meters.install(services.loads, bus)
    services.station_security.install(remote)
    for files_area in (services.firmware, services.diagnostics, services.vendor):
        files_area.install(remote)
    return services


def build(settings: Settings) -> Container:
    database = Database(settings.effective_database_url, pool_size=settings.db_pool_size)
    statement_counter.install_from_environment(database.engine)
    services = build_services(settings, database)
    change_watch.watch(
        database.engine, change_watch.AUTHORIZATION_TABLES, services.authorization.invalidate
    )
    change_watch.watch(database.engine, change_watch.LOAD_SITE_TABLES, services.loads.forget_sites)
    ocpp = OcppServer(
        services,
        message_log=MessageLog(
            services.message_log,
            enabled=settings.message_log_enabled,
            batch=settings.message_log_batch,
        ),
        validate_outgoing=settings.ocpp_validate_outgoing,
        call_timeout=settings.ocpp_call_timeout,
        alone=not settings.redis_url,
        guard=HandshakeGuard(
            max_failures=settings.ocpp_auth_max_failures,
            max_failures_per_source=settings.ocpp_auth_max_failures_per_source,
            window=settings.ocpp_auth_failure_window,
            block=settings.ocpp_auth_block_seconds,
            max_block=settings.ocpp_auth_max_block_seconds,
            max_handshakes=settings.ocpp_max_handshakes,
            max_waiting=settings.ocpp_handshake_queue,
            queue_timeout=settings.ocpp_handshake_queue_timeout,
            timeout=settings.ocpp_handshake_timeout,
            max_connects=settings.ocpp_max_connects,
            connect_window=settings.ocpp_connect_window,
            connect_block=settings.ocpp_connect_block_seconds,
            connect_max_block=settings.ocpp_connect_max_block_seconds,
            trusted_proxies=settings.trusted_proxy_networks,
        ),
    )
    local = LocalGateway(ocpp.registry, services)
    cluster = None
    if settings.redis_url:
        cluster = Cluster.build(settings, services, ocpp, local)
        services.commands.gateway = cluster.gateway
    else:
        services.commands.gateway = local
    jobs = JobRunner(
        services.jobs,
        registered(services, settings),
        node=ocpp.node_id,
        lease_ttl=settings.jobs_lease_ttl,
        schedule=settings.jobs_enabled,
    )
    meters = None
    if settings.mqtt_url:
        meters = MqttMeters(
            services.loads,
            settings.mqtt_url,
            settings.mqtt_topics,
            share_group=settings.redis_prefix if settings.redis_url else None,
        )
    return Container(
        settings=settings,
        database=database,
        services=services,
        ocpp=ocpp,
        jobs=jobs,
        cluster=cluster,
        meters=meters,
    )


class DatabaseNotReady(RuntimeError):
    pass


async def prepare_database(database: Database, *, upgrade: bool) -> None:
    """Bring the schema to the newest migration, or check that it is there."""
    url = database.url
    async with database.engine.connect() as connection:
        if upgrade:
            await connection.run_sync(upgrade_connection, url)
            await connection.commit()
            return
        current = await connection.run_sync(is_current, url)
    if not current:
        raise DatabaseNotReady(
            "the database schema is not at the newest migration: run `kilowatt db upgrade`"
        )


def tune_gc() -> None:
    """Freeze start-up objects and collect less often: with thousands of connections, full
    collections stalled every socket for up to 1.4 s (see docs/adr/0003-gc-tuning.md)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)
