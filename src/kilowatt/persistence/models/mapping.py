"""Imperative mapping: the domain dataclasses stay plain, the tables know how to store them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import registry
from sqlalchemy.orm.attributes import set_committed_value

from kilowatt.domain.access import AccessRule
from kilowatt.domain.cdrs import Cdr, TariffAssignment
from kilowatt.domain.charge_orders import ChargeOrder
from kilowatt.domain.command_params import decode_params
from kilowatt.domain.commands import Command
from kilowatt.domain.device_model import DeviceVariable
from kilowatt.domain.diagnostics import DiagnosticsUpload
from kilowatt.domain.drivers import Driver
from kilowatt.domain.events import StationEvent
from kilowatt.domain.faults import Fault, FaultCode
from kilowatt.domain.firmware import Firmware, FirmwareCampaign, FirmwareUpdate
from kilowatt.domain.jobs import JobRun, JobState
from kilowatt.domain.local_list import LocalList
from kilowatt.domain.organizations import Organization
from kilowatt.domain.reservations import Reservation
from kilowatt.domain.sites import Site
from kilowatt.domain.stations import Connector, Station, StatusChange
from kilowatt.domain.tariffs import Tariff
from kilowatt.domain.tokens import IdToken, TokenGroup
from kilowatt.domain.transactions import Transaction, TransactionEventRecord
from kilowatt.domain.users import ApiKey, User
from kilowatt.domain.vendor import VendorTemplate
from kilowatt.domain.wallets import LedgerEntry, Wallet
from kilowatt.domain.web_sessions import WebSession
from kilowatt.persistence.models.access import access_rules
from kilowatt.persistence.models.cdrs import cdrs
from kilowatt.persistence.models.charge_orders import charge_orders
from kilowatt.persistence.models.commands import commands, local_lists, reservations
from kilowatt.persistence.models.device_model import device_variables
from kilowatt.persistence.models.diagnostics import diagnostics_uploads
from kilowatt.persistence.models.drivers import drivers
from kilowatt.persistence.models.events import station_events
from kilowatt.persistence.models.faults import fault_codes, faults
from kilowatt.persistence.models.firmware import firmware, firmware_campaigns, firmware_updates
from kilowatt.persistence.models.jobs import job_runs, jobs
from kilowatt.persistence.models.organizations import organizations, sites
from kilowatt.persistence.models.stations import connector_status_history, connectors, stations
from kilowatt.persistence.models.tariffs import tariff_assignments, tariffs
from kilowatt.persistence.models.tokens import id_tokens, token_groups
from kilowatt.persistence.models.transactions import transaction_events, transactions
from kilowatt.persistence.models.users import api_keys, users
from kilowatt.persistence.models.vendor import vendor_templates
from kilowatt.persistence.models.wallets import wallet_entries, wallets
from kilowatt.persistence.models.web_sessions import web_sessions

mapper_registry = registry()
_started = False


def start_mappers() -> None:
    global _started
    if _started:
        return
    _started = True
    mapper_registry.map_imperatively(Organization, organizations)
    mapper_registry.map_imperatively(Site, sites)
    mapper_registry.map_imperatively(Station, stations)
    mapper_registry.map_imperatively(Connector, connectors)
    mapper_registry.map_imperatively(StatusChange, connector_status_history)
    mapper_registry.map_imperatively(IdToken, id_tokens)
    mapper_registry.map_imperatively(TokenGroup, token_groups)
    mapper_registry.map_imperatively(Driver, drivers)
    mapper_registry.map_imperatively(AccessRule, access_rules)
    mapper_registry.map_imperatively(Transaction, transactions)
    mapper_registry.map_imperatively(TransactionEventRecord, transaction_events)
    mapper_registry.map_imperatively(StationEvent, station_events)
    mapper_registry.map_imperatively(DeviceVariable, device_variables)
    mapper_registry.map_imperatively(Command, commands)
    event.listen(Command, "load", _typed_params)
    event.listen(Command, "refresh", _typed_params)
    mapper_registry.map_imperatively(Reservation, reservations)
    mapper_registry.map_imperatively(LocalList, local_lists)
    mapper_registry.map_imperatively(Firmware, firmware)
    mapper_registry.map_imperatively(FirmwareCampaign, firmware_campaigns)
    mapper_registry.map_imperatively(FirmwareUpdate, firmware_updates)
    mapper_registry.map_imperatively(DiagnosticsUpload, diagnostics_uploads)
    mapper_registry.map_imperatively(VendorTemplate, vendor_templates)
    mapper_registry.map_imperatively(User, users)
    mapper_registry.map_imperatively(ApiKey, api_keys)
    mapper_registry.map_imperatively(WebSession, web_sessions)
    mapper_registry.map_imperatively(JobState, jobs)
    mapper_registry.map_imperatively(JobRun, job_runs)
    mapper_registry.map_imperatively(FaultCode, fault_codes)
    mapper_registry.map_imperatively(Fault, faults)
    mapper_registry.map_imperatively(Tariff, tariffs)
    mapper_registry.map_imperatively(TariffAssignment, tariff_assignments)
    mapper_registry.map_imperatively(Wallet, wallets)
    mapper_registry.map_imperatively(LedgerEntry, wallet_entries)
    mapper_registry.map_imperatively(Cdr, cdrs)
    mapper_registry.map_imperatively(ChargeOrder, charge_orders)


def _typed_params(command: Command, *_: Any) -> None:
    """A command's parameters, stored as JSON, read as the dataclass of its operation."""
    stored = command.__dict__.get("params")
    if isinstance(stored, Mapping):
        set_committed_value(command, "params", decode_params(command.operation, stored))
