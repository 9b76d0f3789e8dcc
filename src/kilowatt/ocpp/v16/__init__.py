"""OCPP 1.6J: one module per functional block, plus the pure translate and commands modules."""

__all__ = ["ROUTER", "commands"]

from kilowatt.domain.stations import ProtocolVersion
from kilowatt.ocpp.connection import Router
from kilowatt.ocpp.v16 import commands, core, firmware, security

ROUTER = Router(
    version=ProtocolVersion.OCPP16,
    handlers={
        "BootNotification": core.boot_notification,
        "Heartbeat": core.heartbeat,
        "StatusNotification": core.status_notification,
        "Authorize": core.authorize,
        "StartTransaction": core.start_transaction,
        "StopTransaction": core.stop_transaction,
        "MeterValues": core.meter_values,
        "DataTransfer": core.data_transfer,
        "FirmwareStatusNotification": firmware.firmware_status_notification,
        "DiagnosticsStatusNotification": firmware.diagnostics_status_notification,
        "SecurityEventNotification": security.security_event_notification,
        "SignCertificate": security.sign_certificate,
        "LogStatusNotification": security.log_status_notification,
        "SignedFirmwareStatusNotification": security.signed_firmware_status_notification,
    },
)
