"""OCPP 2.0.1: one module per functional block, plus the pure translate and commands modules."""

__all__ = ["ROUTER", "commands"]

from kilowatt.domain.stations import ProtocolVersion
from kilowatt.ocpp.connection import Router
from kilowatt.ocpp.v201 import (
    authorization,
    commands,
    firmware,
    provisioning,
    reports,
    security,
)
from kilowatt.ocpp.v201 import transactions as tx

ROUTER = Router(
    version=ProtocolVersion.OCPP201,
    handlers={
        "BootNotification": provisioning.boot_notification,
        "Heartbeat": provisioning.heartbeat,
        "StatusNotification": provisioning.status_notification,
        "NotifyReport": provisioning.notify_report,
        "NotifyEvent": provisioning.notify_event,
        "DataTransfer": provisioning.data_transfer,
        "Authorize": authorization.authorize,
        "TransactionEvent": tx.transaction_event,
        "MeterValues": tx.meter_values,
        "FirmwareStatusNotification": firmware.firmware_status_notification,
        "LogStatusNotification": firmware.log_status_notification,
        "PublishFirmwareStatusNotification": firmware.publish_firmware_status_notification,
        "SecurityEventNotification": security.security_event_notification,
        "SignCertificate": security.sign_certificate,
        "Get15118EVCertificate": security.get_15118_ev_certificate,
        "GetCertificateStatus": security.get_certificate_status,
        "NotifyChargingLimit": reports.notify_charging_limit,
        "ClearedChargingLimit": reports.cleared_charging_limit,
        "ReportChargingProfiles": reports.report_charging_profiles,
        "NotifyEVChargingNeeds": reports.notify_ev_charging_needs,
        "NotifyEVChargingSchedule": reports.notify_ev_charging_schedule,
        "ReservationStatusUpdate": reports.reservation_status_update,
        "NotifyDisplayMessages": reports.notify_display_messages,
        "NotifyCustomerInformation": reports.notify_customer_information,
        "NotifyMonitoringReport": reports.notify_monitoring_report,
    },
)
