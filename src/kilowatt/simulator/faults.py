"""A simulated OCPP 1.6 station that faults now and then (the demo's): an idle connector
reports an error for a while (a tripped RCD, heat, a vendor's own code), then is Available
again, as a worn station in a car park does."""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass

from ocpp.v16 import call
from ocpp.v16.enums import ChargePointErrorCode, ChargePointStatus

from kilowatt.simulator.station16 import SimulatedStation16, now_iso


@dataclass(frozen=True)
class Trouble:
    """A fault the station reports: its OCPP error code, the vendor's own code, a note."""

    error: ChargePointErrorCode
    vendor_error_code: str = ""
    info: str = ""


TROUBLES = (
    Trouble(ChargePointErrorCode.ground_failure, "E-RCD-30", "RCD tripped"),
    Trouble(ChargePointErrorCode.high_temperature, "E-TEMP-71", "Cabinet 71 °C"),
    Trouble(ChargePointErrorCode.other_error, "E-217", "Contactor welded"),
    Trouble(ChargePointErrorCode.connector_lock_failure, "E-LOCK-2"),
)
"""What the demo's fault-code dictionary explains (demo.py FAULT_CODES)."""


async def now_and_then(
    station: SimulatedStation16, every: float, lasting: float, rng: random.Random
) -> None:
    """Every ``every`` seconds on average, an idle connector of ``station`` is in fault for
    about ``lasting`` seconds."""
    await station.accepted.wait()
    while True:
        await asyncio.sleep(rng.expovariate(1.0 / every))
        idle = [
            c
            for c in station.connectors.values()
            if c.status == ChargePointStatus.available and c.task is None
        ]
        if not idle:
            continue
        connector = rng.choice(idle)
        trouble = rng.choice(TROUBLES)
        connector.status = ChargePointStatus.faulted
        await station.call(
            call.StatusNotification(
                connector_id=connector.number,
                error_code=trouble.error,
                status=ChargePointStatus.faulted,
                timestamp=now_iso(),
                vendor_error_code=trouble.vendor_error_code or None,
                info=trouble.info or None,
            )
        )
        await asyncio.sleep(lasting * rng.uniform(0.5, 1.5))
        await station.send_status(connector.number, ChargePointStatus.available)
