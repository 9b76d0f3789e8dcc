"""What the simulated stations (both versions) do with a DataTransfer: the protective-device
(RCD) self-test of the demo's vendor template, as a real station of the vendor would answer
it; any other vendor or message is unknown to them, as the protocol says."""

from __future__ import annotations

import json
import random
from typing import Any

VENDOR_ID = "com.kilowatt.simulator"
RCD_SELF_TEST = "RcdSelfTest"


def answer(
    vendor_id: str, message_id: str | None, data: Any, rng: random.Random
) -> tuple[str, str | None]:
    """(status, data) of the DataTransfer's answer: Accepted with the test's result for the
    RCD self-test; UnknownVendorId / UnknownMessageId otherwise."""
    if vendor_id != VENDOR_ID:
        return "UnknownVendorId", None
    if message_id != RCD_SELF_TEST:
        return "UnknownMessageId", None
    asked = _asked(data)
    trip_current = float(asked.get("trip_current_ma", 30))
    # a healthy 30 mA type A/B device trips well inside 300 ms
    trip_ms = round(rng.uniform(18.0, 42.0), 1)
    result = {
        "test": "rcd",
        "result": "passed",
        "trip_current_ma": trip_current,
        "trip_time_ms": trip_ms,
        "limit_ms": 300,
        "dc_leakage_ma": float(asked.get("dc_leakage_ma", 6)),
    }
    return "Accepted", json.dumps(result, separators=(",", ":"))


def _asked(data: Any) -> dict[str, Any]:
    if isinstance(data, dict):
        return data
    if isinstance(data, str):
        try:
            parsed = json.loads(data)
        except ValueError:
            return {}
        return parsed if isinstance(parsed, dict) else {}
    return {}
