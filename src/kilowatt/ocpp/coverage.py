"""docs/ocpp-coverage.md, generated from the routers so that it cannot drift from the code.

python -m kilowatt.ocpp.coverage > docs/ocpp-coverage.md
"""

from __future__ import annotations

from kilowatt.domain.stations import ProtocolVersion
from kilowatt.ocpp import schemas, v16, v201
from kilowatt.ocpp.connection import Router
from kilowatt.ocpp.gateway import TABLES

# Messages a charging station initiates; every other action is initiated by the CSMS.
STATION_INITIATED = {
    ProtocolVersion.OCPP16: {
        "Authorize",
        "BootNotification",
        "DataTransfer",
        "DiagnosticsStatusNotification",
        "FirmwareStatusNotification",
        "Heartbeat",
        "LogStatusNotification",
        "MeterValues",
        "SecurityEventNotification",
        "SignCertificate",
        "SignedFirmwareStatusNotification",
        "StartTransaction",
        "StatusNotification",
        "StopTransaction",
    },
    ProtocolVersion.OCPP201: {
        "Authorize",
        "BootNotification",
        "ClearedChargingLimit",
        "DataTransfer",
        "FirmwareStatusNotification",
        "Get15118EVCertificate",
        "GetCertificateStatus",
        "Heartbeat",
        "LogStatusNotification",
        "MeterValues",
        "NotifyChargingLimit",
        "NotifyCustomerInformation",
        "NotifyDisplayMessages",
        "NotifyEVChargingNeeds",
        "NotifyEVChargingSchedule",
        "NotifyEvent",
        "NotifyMonitoringReport",
        "NotifyReport",
        "PublishFirmwareStatusNotification",
        "ReportChargingProfiles",
        "ReservationStatusUpdate",
        "SecurityEventNotification",
        "SignCertificate",
        "StatusNotification",
        "TransactionEvent",
    },
}

ROUTERS: dict[ProtocolVersion, Router] = {
    ProtocolVersion.OCPP16: v16.ROUTER,
    ProtocolVersion.OCPP201: v201.ROUTER,
}

# What each handled message does, where it is more than "stored".
NOTES = {
    "Authorize": "token state, expiry and group (parentIdTag / groupIdToken); access rules "
    "(2.0.1 NotAtThisLocation / NotAtThisTime, 1.6 Invalid)",
    "BootNotification": "station identity stored; Accepted, Pending or Rejected by registration",
    "DataTransfer": "kept as a station event; answered UnknownVendorId (no vendor extension)",
    "MeterValues": "readings normalised (Wh, W, V, A, %, °C) and stored in one batch",
    "StartTransaction": "CSMS-assigned id; replays get the same id; access rules; ConcurrentTx",
    "StopTransaction": "replays change nothing; unknown ids and odd meters kept, flagged",
    "StatusNotification": "connector status and history, and its state in one vocabulary "
    "(2.0.1 Occupied by the EVSE's transaction); older reports never overwrite newer",
    "TransactionEvent": "seqNo: duplicates ignored, gaps flagged, applied in order; the "
    "starting token checked against access rules; a remoteStartId names the remote start, "
    "whose token the session takes when its events name none",
    "NotifyReport": "device model stored, queryable at /stations/{id}/device-model",
    "NotifyEvent": "station event; Connector AvailabilityState updates the connector",
    "SignCertificate": "signed by Kilowatt's CA for the station's own identity (CN) on an "
    "authenticated connection, then CertificateSigned; otherwise Rejected, with a security event",
    "LogStatusNotification": "on the station and on the upload it names (2.0.1 requestId)",
    "FirmwareStatusNotification": "progress of the update (2.0.1 requestId; 1.6 the latest); "
    "campaigns advance on it",
    "SignedFirmwareStatusNotification": "progress of the update its requestId names (else the "
    "latest)",
    "SecurityEventNotification": "kept as a security event",
    "DiagnosticsStatusNotification": "on the station and on its latest diagnostics upload",
    "Get15118EVCertificate": "answered Failed: Kilowatt runs no V2G PKI",
    "GetCertificateStatus": "answered Failed: Kilowatt runs no V2G PKI",
    "NotifyEVChargingNeeds": "kept; answered Rejected (no schedule is computed yet)",
    "Heartbeat": "current time; presence written in batches",
}

# Notes on CSMS-initiated actions; which command sends each is read from the translation tables.
SENT_NOTES = {
    "TriggerMessage": "also BootNotification when an operator accepts a Pending station",
    "UpdateFirmware": "and firmware campaigns; signed, expiring download link",
    "GetDiagnostics": "one-time upload location hosted by Kilowatt",
    "GetLog": "one-time upload location hosted by Kilowatt",
    "DataTransfer": "and vendor templates (vendor command)",
    "ChangeConfiguration": "AuthorizationKey only by `rotate_password` (hex of the password)",
    "SetVariables": "SecurityCtrlr.BasicAuthPassword only by `rotate_password`",
    "RemoteStartTransaction": "token checked first; its session: the StartTransaction with "
    "that idTag on that connector within the window",
    "RequestStartTransaction": "token checked first; remoteStartId = the command id, which "
    "names its session",
}

# CSMS-initiated actions sent by Kilowatt itself rather than by a command.
SENT_BY_KILOWATT = {
    "CertificateSigned": "after an accepted SignCertificate: the chain Kilowatt's CA signed",
    "CostUpdated": "a running session's total, to a station with TariffCostCtrlr.Enabled[Cost] "
    "true, while the cost changes, at most every `cost_updated_every` seconds (60); the "
    "total is also in every TransactionEvent answer",
}


def sent_by(version: ProtocolVersion) -> dict[str, list[str]]:
    """CSMS-initiated action → the command operations that send it."""
    operations: dict[str, list[str]] = {}
    for operation, translation in TABLES[version].items():
        operations.setdefault(translation.action, []).append(operation.value)
    return operations


SECURITY = {
    "CertificateSigned",
    "DeleteCertificate",
    "ExtendedTriggerMessage",
    "GetInstalledCertificateIds",
    "InstallCertificate",
    "SignCertificate",
    "SignedFirmwareStatusNotification",
    "LogStatusNotification",
    "GetLog",
    "SignedUpdateFirmware",
    "Get15118EVCertificate",
    "GetCertificateStatus",
}


def _rows(version: ProtocolVersion) -> list[tuple[str, str, str, str]]:
    router = ROUTERS[version]
    initiated = STATION_INITIATED[version]
    sent = sent_by(version)
    rows = []
    for action in sorted(schemas.actions(version)):
        if action in initiated:
            direction = "station → CSMS"
            if action in router.handlers:
                status, note = "handled", NOTES.get(action, "stored")
            elif action in SECURITY:
                status, note = "answered NotSupported", "security issue"
            else:
                status, note = "answered NotSupported", ""
        else:
            direction = "CSMS → station"
            if action in sent:
                commands = ", ".join(f"`{name}`" for name in sorted(sent[action]))
                extra = SENT_NOTES.get(action)
                status, note = "sent", f"command {commands}" + (f"; {extra}" if extra else "")
            elif action in SENT_BY_KILOWATT:
                status, note = "sent", SENT_BY_KILOWATT[action]
            elif action in SECURITY:
                status, note = "not yet", "security issue"
            else:
                status, note = "not yet", ""
        rows.append((action, direction, status, note))
    return rows


def render() -> str:
    lines = [
        "# OCPP coverage",
        "",
        "Generated from the routers by `python -m kilowatt.ocpp.coverage`; a unit test fails",
        "when this file and the code disagree.",
        "",
        "Unknown actions are answered `NotImplemented`; a known action that a station may not",
        "send is answered `NotSupported`. Every frame is validated against the official JSON",
        "schema of its version, and errors use that version's codes (1.6 `FormationViolation`,",
        "2.0.1 `FormatViolation`, ...).",
    ]
    for version in (ProtocolVersion.OCPP16, ProtocolVersion.OCPP201):
        rows = _rows(version)
        handled = sum(1 for _, d, s, _ in rows if d.startswith("station") and s == "handled")
        initiated = sum(1 for _, d, _, _ in rows if d.startswith("station"))
        lines += [
            "",
            f"## OCPP {version.value}",
            "",
            f"Station-initiated actions handled: {handled} of {initiated}.",
            "",
            "| action | direction | status | notes |",
            "|---|---|---|---|",
        ]
        lines += [f"| {a} | {d} | {s} | {n} |" for a, d, s, n in rows]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(render(), end="")
