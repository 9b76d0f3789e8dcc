"""The ``kilowatt`` command line, run as real subprocesses: keys and accounts, the schema on
PostgreSQL, ``serve`` on a free port, and ``simulate`` charging against it.

These tests start their own servers (the shared ``server`` fixture is not involved), so each
runs once rather than once per database; the PostgreSQL ones make a fresh database each.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import Ids
from tests.support.server import create_postgres_database, drop_postgres_database, free_port

KILOWATT = Path(sys.executable).parent / "kilowatt"
KEY = re.compile(r"^kw_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$")
PASSWORD = "correct-horse-battery"


def cli_env(data_dir: Path, **settings: str) -> dict[str, str]:
    """The caller's environment without its KILOWATT_* settings, plus ours."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KILOWATT_")}
    env["KILOWATT_DATA_DIR"] = str(data_dir)
    env["KILOWATT_GC_TUNING"] = "false"
    env.update({f"KILOWATT_{name.upper()}": value for name, value in settings.items()})
    return env


def kilowatt(
    env: dict[str, str], *args: str, timeout: float = 90
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 (our own console script, fixed arguments)
        [str(KILOWATT), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def stop(process: subprocess.Popen[Any]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@dataclass
class Served:
    process: subprocess.Popen[bytes]
    port: int
    log: Path

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ocpp_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ocpp"

    def api(self, key: str) -> httpx.Client:
        return httpx.Client(
            base_url=f"{self.base_url}/api/v1",
            headers={"Authorization": f"Bearer {key}"},
            timeout=30,
        )


@contextlib.contextmanager
def serving(env: dict[str, str], *args: str) -> Iterator[Served]:
    """``kilowatt serve`` on a free port until /health answers; always stopped afterwards."""
    port = free_port()
    log = Path(env["KILOWATT_DATA_DIR"]) / f"serve-{port}.log"
    with log.open("wb") as output:
        process = subprocess.Popen(  # noqa: S603 (our own console script, fixed arguments)
            [str(KILOWATT), "serve", "--host", "127.0.0.1", "--port", str(port), *args],
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        try:
            served = Served(process, port, log)
            deadline = time.monotonic() + 60
            while True:
                if process.poll() is not None:
                    raise AssertionError(
                        f"kilowatt serve exited with {process.returncode}:\n{log.read_text()}"
                    )
                with contextlib.suppress(httpx.TransportError):
                    if httpx.get(f"{served.base_url}/health", timeout=2).status_code == 200:
                        break
                if time.monotonic() > deadline:
                    raise AssertionError(f"kilowatt serve never got healthy:\n{log.read_text()}")
                time.sleep(0.2)
            yield served
        finally:
            stop(process)


@contextlib.contextmanager
def postgres_database() -> Iterator[str]:
    url = asyncio.run(create_postgres_database())
    try:
        yield url
    finally:
        asyncio.run(drop_postgres_database(url))


def create_key(env: dict[str, str], name: str = "tests") -> str:
    result = kilowatt(env, "apikey", "create", "--name", name)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 1, result.stdout
    assert KEY.fullmatch(lines[0]), lines[0]
    return lines[0]


def test_the_console_script_is_installed() -> None:
    assert KILOWATT.is_file()
    result = kilowatt({**os.environ}, "--help")
    assert result.returncode == 0
    for command in ("serve", "demo", "simulate", "bench", "db", "admin", "apikey"):
        assert command in result.stdout


def test_apikey_create_prints_a_key_that_a_served_api_accepts(tmp_path: Path) -> None:
    env = cli_env(tmp_path)
    key = create_key(env, "integration")
    assert (tmp_path / "kilowatt.sqlite3").is_file()
    with serving(env) as served:
        with served.api(key) as api:
            response = api.get("/sites")
            assert response.status_code == 200, response.text
            assert response.json() == {"items": [], "next_cursor": None}
            created = api.post("/sites", json={"name": "Made with a CLI key"})
            assert created.status_code == 201
        # A key made while the server runs works at once; each key is different.
        later = create_key(env, "second")
        assert later != key
        with served.api(later) as api:
            names = [s["name"] for s in api.get("/sites").json()["items"]]
            assert names == ["Made with a CLI key"]
        with served.api(key[:-2] + ("AA" if not key.endswith("AA") else "BB")) as api:
            refused = api.get("/sites")
            assert refused.status_code == 401
            assert refused.json()["detail"] == "unknown or revoked API key"
    assert served.process.poll() is not None


def test_apikey_create_refuses_an_empty_name(tmp_path: Path) -> None:
    result = kilowatt(cli_env(tmp_path), "apikey", "create", "--name", "   ")
    assert result.returncode == 2
    assert result.stdout == ""
    assert "name: must not be empty" in result.stderr


def test_admin_create_once_then_a_duplicate_fails(tmp_path: Path) -> None:
    env = cli_env(tmp_path)
    created = kilowatt(env, "admin", "create", "--email", "a@b.example", "--password", PASSWORD)
    assert created.returncode == 0, created.stderr
    assert created.stdout.strip() == "created a@b.example (owner)"

    duplicate = kilowatt(env, "admin", "create", "--email", "a@b.example", "--password", PASSWORD)
    assert duplicate.returncode == 2
    assert "a user with email a@b.example already exists" in duplicate.stderr
    assert "Traceback" not in duplicate.stderr

    other = kilowatt(
        env, "admin", "create", "--email", "c@d.example", "--password", PASSWORD, "--role", "admin"
    )
    assert other.returncode == 0, other.stderr
    assert other.stdout.strip() == "created c@d.example (admin)"


@pytest.mark.parametrize(
    ("email", "password", "message"),
    [
        ("a@b.example", "elevenchars", "password: at least 12 characters"),
        ("a@b.example", "", "password: at least 12 characters"),
        ("not-an-email", PASSWORD, "email: not an email address"),
    ],
)
def test_admin_create_refuses_bad_input(
    tmp_path: Path, email: str, password: str, message: str
) -> None:
    env = cli_env(tmp_path)
    refused = kilowatt(env, "admin", "create", "--email", email, "--password", password)
    assert refused.returncode == 2
    assert message in refused.stderr
    assert "Traceback" not in refused.stderr
    # Nothing was created: the same email with a good password still works.
    good = kilowatt(env, "admin", "create", "--email", "a@b.example", "--password", PASSWORD)
    assert good.returncode == 0, good.stderr


def test_db_upgrade_prepares_a_fresh_postgresql_database(tmp_path: Path) -> None:
    with postgres_database() as url:
        env = cli_env(tmp_path, database_url=url)
        upgraded = kilowatt(env, "db", "upgrade")
        assert upgraded.returncode == 0, upgraded.stderr
        assert upgraded.stdout.strip() == "database is at the newest migration"
        again = kilowatt(env, "db", "upgrade")
        assert again.returncode == 0, again.stderr

        key = create_key(env)
        with serving(env, "--no-upgrade") as served, served.api(key) as api:
            health = httpx.get(f"{served.base_url}/health", timeout=10).json()
            assert health["database"] == "ok"
            created = api.post("/sites", json={"name": "On PostgreSQL"})
            assert created.status_code == 201, created.text
        assert not (tmp_path / "kilowatt.sqlite3").exists()


@pytest.mark.parametrize("flags", [("--no-upgrade",), ()])
def test_serve_refuses_a_postgresql_database_that_is_not_migrated(
    tmp_path: Path, flags: tuple[str, ...]
) -> None:
    with postgres_database() as url:
        env = cli_env(tmp_path, database_url=url)
        port = str(free_port())
        result = kilowatt(env, "serve", "--host", "127.0.0.1", "--port", port, *flags)
        assert result.returncode != 0
        assert "run `kilowatt db upgrade`" in result.stderr
        assert "Traceback" not in result.stderr
        assert "Traceback" not in result.stdout
        # It left the database as it was: still not migrated.
        assert kilowatt(env, "serve", "--port", port, "--no-upgrade").returncode != 0


@pytest.mark.parametrize(
    "args",
    [
        ("apikey", "create", "--name", "x"),
        ("admin", "create", "--email", "a@b.example", "--password", PASSWORD),
    ],
)
def test_commands_refuse_a_postgresql_database_that_is_not_migrated(
    tmp_path: Path, args: tuple[str, ...]
) -> None:
    with postgres_database() as url:
        result = kilowatt(cli_env(tmp_path, database_url=url), *args)
        assert result.returncode == 2
        assert "run `kilowatt db upgrade`" in result.stderr
        assert "Traceback" not in result.stderr


def quick_prefix(ids: Ids, within_seconds: float = 2.0) -> str:
    """A station prefix whose first simulated station plugs in within ``within_seconds``.

    The simulator waits an exponentially distributed idle time (mean 20 s, no CLI option)
    before each session, drawn from ``random.Random(station identity)`` after one draw per
    connector for its meter register. A 15 s run with random identities would see no
    completed session about one time in seven; choosing the identity makes it certain.
    """
    for n in range(10_000):
        prefix = f"SIM{ids.suffix}{n}-"
        rng = random.Random(f"{prefix}0001")
        rng.uniform(1e5, 5e6)
        rng.uniform(1e5, 5e6)
        if min(rng.expovariate(1.0 / 20.0), rng.expovariate(1.0 / 20.0)) < within_seconds:
            return prefix
    raise AssertionError("no quick prefix found")


def test_simulate_charges_against_a_served_csms(tmp_path: Path, ids: Ids) -> None:
    env = cli_env(tmp_path, unknown_station_policy="accept")
    key = create_key(env)
    tag = ids.tag("SIM")
    prefix = quick_prefix(ids)
    with serving(env) as served, served.api(key) as api:
        token = api.post("/id-tokens", json={"value": tag, "label": "simulator"})
        assert token.status_code == 201, token.text
        simulate = subprocess.Popen(  # noqa: S603 (our own console script, fixed arguments)
            [
                str(KILOWATT),
                "simulate",
                "--url",
                served.ocpp_url,
                "--stations",
                "2",
                "--prefix",
                prefix,
                "--session-seconds",
                "3",
                "--meter-interval",
                "1",
                "--duration",
                "15",
                "--tokens",
                tag,
            ],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        try:
            output, _ = simulate.communicate(timeout=90)
        finally:
            stop(simulate)
        assert simulate.returncode == 0, output.decode(errors="replace")

        stations = api.get("/stations", params={"q": prefix}).json()["items"]
        assert sorted(s["ocpp_id"] for s in stations) == [f"{prefix}0001", f"{prefix}0002"]
        for station in stations:
            assert station["registration_status"] == "Accepted"
            assert station["vendor"] == "Kilowatt"
            assert station["model"] == "SimCharger"
            assert station["protocol_version"] == "1.6"

        completed = api.get(
            "/transactions",
            params={"id_tag": tag, "state": "completed", "include": "meter_values"},
        ).json()["items"]
        # One tag charges all four connectors: a start while it is busy elsewhere is answered
        # ConcurrentTx, and the simulated station ends that transaction at once.
        refused = [tx for tx in completed if tx["auth_status"] != "Accepted"]
        for tx in refused:
            assert tx["auth_status"] == "ConcurrentTx"
            assert tx["flags"] == ["not_authorized"]
            assert tx["stop_reason"] == "DeAuthorized"
            assert tx["energy_wh"] == 0
        charged = [tx for tx in completed if tx["auth_status"] == "Accepted"]
        assert charged, output.decode(errors="replace")
        for tx in charged:
            assert tx["station_id"].startswith(prefix)
            assert tx["flags"] == []
            assert tx["stop_reason"] == "Local"
            assert tx["stop_id_tag"] == tag
            assert tx["energy_wh"] > 0
            assert tx["energy_wh"] == tx["meter_stop_wh"] - tx["meter_start_wh"]
            measurands = {m["measurand"] for m in tx["meter_values"]}
            assert {
                "Energy.Active.Import.Register",
                "Power.Active.Import",
                "Voltage",
                "SoC",
            } <= measurands
            registers = [
                m["value"]
                for m in tx["meter_values"]
                if m["measurand"] == "Energy.Active.Import.Register"
            ]
            assert registers == sorted(registers)
            assert tx["meter_start_wh"] <= registers[0]
            # The simulator rounds its register in MeterValues but truncates it in
            # StopTransaction (reported), so the last reading may exceed the stop by 1 Wh.
            assert registers[-1] <= tx["meter_stop_wh"] + 1
            detail = api.get(f"/transactions/{tx['id']}").json()
            assert detail["meter_values"] == tx["meter_values"]
