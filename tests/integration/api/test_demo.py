"""``kilowatt demo`` as a newcomer runs it: on KILOWATT_PORT, its simulated stations charging
in accelerated time, one of them faulting now and then with the fault explained by the seeded
dictionary, and the vendor's RCD self-test answered by stations of both versions."""

from __future__ import annotations

import queue
import re
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from kilowatt.demo import FAULT_CODES, FAULTY
from tests.integration.api.test_cli import KILOWATT, cli_env, stop
from tests.support.server import free_port

BANNER_END = "Press Ctrl-C to stop."


def _banner(process: subprocess.Popen[str], timeout: float) -> str:
    """The demo's printout up to its last line."""
    lines: queue.Queue[str] = queue.Queue()

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.put(line)

    threading.Thread(target=read, daemon=True).start()
    text = ""
    deadline = time.monotonic() + timeout
    while BANNER_END not in text:
        remaining = deadline - time.monotonic()
        assert remaining > 0, f"no banner in {timeout} s:\n{text}"
        try:
            text += lines.get(timeout=remaining)
        except queue.Empty:
            continue
    return text


def _until(what: str, check: Any, timeout: float = 90) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(1)
    raise AssertionError(f"{what}: not within {timeout} s")


@pytest.mark.timeout(300)
def test_the_demo_on_kilowatt_port_faults_explains_and_tests_the_rcd(tmp_path: Path) -> None:
    port = free_port()
    env = cli_env(tmp_path, port=str(port), demo_speed="600")
    process = subprocess.Popen(  # noqa: S603 (our own console script)
        [str(KILOWATT), "demo"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        banner = _banner(process, 180)
        assert f"http://127.0.0.1:{port}" in banner
        assert "600 times faster" in banner
        key = re.search(r"API key\s+(\S+)", banner)
        assert key is not None, banner
        with httpx.Client(
            base_url=f"http://127.0.0.1:{port}/api/v1",
            headers={"Authorization": f"Bearer {key.group(1)}"},
            timeout=60,
        ) as api:
            codes = {
                c["code"] for c in api.get("/fault-codes", params={"limit": 100}).json()["items"]
            }
            assert {entry.code for entry in FAULT_CODES} <= codes

            for station in ("HEL-01", "HEL-03"):  # OCPP 1.6 and 2.0.1
                _until(
                    f"{station} online",
                    lambda s=station: api.get(f"/stations/{s}").json()["online"],
                )
                answer = api.post(
                    f"/stations/{station}/commands/vendor",
                    json={"template": "rcd-self-test"},
                    params={"wait": 30},
                )
                assert answer.status_code in (200, 201), answer.text
                command = answer.json()
                assert command["status"] == "accepted", command
                assert "passed" in str(command["response"]), command

            explained = {entry.description for entry in FAULT_CODES}

            def fault() -> list[dict[str, Any]]:
                found = api.get("/faults", params={"station_id": FAULTY}).json()["items"]
                return [f for f in found if f["description"] in explained]

            seen = _until(f"a fault of {FAULTY}, explained", fault)
            assert seen[0]["vendor_error_code"] or seen[0]["error_code"] == "GroundFailure"

            sessions = api.get("/transactions", params={"limit": 5}).json()["items"]
            assert sessions, "the demo charges"
    finally:
        stop(process)
