"""``kilowatt demo``: a small network on SQLite, served, with 12 simulated stations charging."""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import uvicorn

from kilowatt.app import create_app, uvicorn_config
from kilowatt.bootstrap import build, prepare_database
from kilowatt.config import Settings
from kilowatt.demo_money import seed_money
from kilowatt.domain.errors import Conflict
from kilowatt.domain.paging import PageRequest
from kilowatt.domain.station_security import SecurityProfile
from kilowatt.domain.stations import ConnectorSpec, CurrentType
from kilowatt.domain.tokens import IdTokenType, TokenStatus
from kilowatt.domain.users import Principal, Role
from kilowatt.logging import configure
from kilowatt.services.container import Services
from kilowatt.services.ports import StationFilter
from kilowatt.services.reporting import HistoricDriver, HistoricSession
from kilowatt.services.sites import SiteInput
from kilowatt.services.stations import StationInput
from kilowatt.services.tokens import TokenInput
from kilowatt.services.vendor import VendorTemplateInput
from kilowatt.simulator.fleet import FleetConfig, run_fleet

ORGANIZATION = "Demo Charging Oy"
ADMIN_EMAIL = "admin@demo.kilowatt.example"


@dataclass(frozen=True)
class DemoSite:
    name: str
    city: str
    country: str
    timezone: str
    latitude: float
    longitude: float
    address: str
    prefix: str


SITES = [
    DemoSite(
        "Kamppi Parking",
        "Helsinki",
        "FI",
        "Europe/Helsinki",
        60.1688,
        24.9313,
        "Urho Kekkosen katu 1",
        "HEL",
    ),
    DemoSite(
        "Södermalm Garage",
        "Stockholm",
        "SE",
        "Europe/Stockholm",
        59.3150,
        18.0717,
        "Götgatan 78",
        "STO",
    ),
    DemoSite(
        "Sofia Business Park", "Sofia", "BG", "Europe/Sofia", 42.6251, 23.3734, "Mladost 4", "SOF"
    ),
]
# A vendor operation an operator can run on the simulated stations like any other command
# (POST /api/v1/stations/{id}/commands/vendor {"template": "rcd-self-test"}).
RCD_SELF_TEST = VendorTemplateInput(
    name="rcd-self-test",
    vendor_id="com.kilowatt.simulator",
    message_id="RcdSelfTest",
    data={"test": "rcd", "trip_current_ma": 30, "dc_leakage_ma": 6},
    station_vendor="Kilowatt",
    station_model="SimCharger",
    description="Trips the residual-current device (RCD) of the station and reports whether "
    "it opened in time. The station is unavailable for a few seconds.",
)
# One card per connector, as for a fleet of company cars; see FleetConfig.tags_for.
TOKENS = [f"DEMO{n:04d}" for n in range(1, 25)]


def _connectors(index: int) -> list[ConnectorSpec]:
    if index % 4 == 0:  # every fourth station is a DC fast charger
        return [
            ConnectorSpec(1, 1, CurrentType.DC, "CCS2", 150_000),
            ConnectorSpec(2, 1, CurrentType.DC, "CHAdeMO", 50_000),
        ]
    return [
        ConnectorSpec(1, 1, CurrentType.AC, "Type2", 22_000),
        ConnectorSpec(2, 1, CurrentType.AC, "Type2", 22_000),
    ]


def _profile(index: int) -> int:
    """Stations 01 and 03 of each site (one speaks 1.6, the other 2.0.1) connect with a
    password (profile 1); 02 and 04 without (profile 0, chosen here explicitly): the
    stations pages show the difference and warn about the latter."""
    return SecurityProfile.BASIC if index % 2 else SecurityProfile.NONE


async def passwords(services: Services, org: Principal) -> dict[str, str]:
    """A new password for every demo station that uses one (profile 1 or 2), for the
    simulator to connect with: Kilowatt keeps only hashes, so each start issues new ones."""
    stations = await services.stations.search(org, PageRequest(limit=100), StationFilter())
    issued = {}
    for station in stations.items:
        if station.security_profile in (SecurityProfile.BASIC, SecurityProfile.TLS_BASIC):
            credentials = await services.station_security.set_credentials(
                org, station.ocpp_id, password=True
            )
            assert credentials.password is not None
            issued[station.ocpp_id] = credentials.password
    return issued


async def seed(services: Services) -> list[str]:
    """Create the demo network once; return the station identities."""
    organization = await services.organizations.ensure(ORGANIZATION)
    assert organization.id is not None
    org = Principal.system(organization.id, "demo")
    await services.vendor.ensure(org, RCD_SELF_TEST)
    existing = await services.stations.search(org, PageRequest(limit=100), StationFilter())
    if existing.items:
        return [s.ocpp_id for s in existing.items]
    identities = []
    for site_spec in SITES:
        site = await services.sites.create(
            org,
            SiteInput(
                name=site_spec.name,
                timezone=site_spec.timezone,
                address=site_spec.address,
                city=site_spec.city,
                country=site_spec.country,
                latitude=site_spec.latitude,
                longitude=site_spec.longitude,
                grid_capacity_w=400_000,
            ),
        )
        for n in range(1, 5):
            ocpp_id = f"{site_spec.prefix}-{n:02d}"
            await services.stations.create(
                org,
                StationInput(
                    ocpp_id=ocpp_id,
                    site_id=site.id,
                    name=f"{site_spec.name} #{n}",
                    connectors=_connectors(n),
                    security_profile=_profile(n),
                ),
            )
            identities.append(ocpp_id)
    for value in TOKENS:
        await services.tokens.create(org, TokenInput(value=value, label=f"Demo card {value}"))
    await services.tokens.create(
        org, TokenInput(value="BLOCKED01", status=TokenStatus.BLOCKED, label="Lost card")
    )
    await services.tokens.create(
        org, TokenInput(value="APP-4711", type=IdTokenType.CENTRAL, label="App user")
    )
    await add_history(services, org, services.clock.now())
    await seed_money(services, org)
    return identities


HISTORY_DAYS = 365


async def add_history(services: Services, org: Principal, now: datetime) -> int:
    """A year of completed sessions before today (growing from about 4 to 12 a day) and some
    driver accounts, so that the home page's charts and changes show something. Stored in
    one database transaction by ReportingService.import_history."""
    rng = random.Random(6)  # demo data, the same every time
    stations = (await services.stations.search(org, PageRequest(limit=100), StationFilter())).items
    zones = {
        site.id: ZoneInfo(site.timezone)
        for site in (await services.reporting.overview(org, 1)).sites
    }
    sessions: list[HistoricSession] = []
    for back in range(HISTORY_DAYS, 0, -1):
        growth = 4 + 8 * (HISTORY_DAYS - back) / HISTORY_DAYS
        weekend = (now - timedelta(days=back)).weekday() >= 5
        for _ in range(max(0, round(rng.gauss(growth * (0.7 if weekend else 1.0), 1.5)))):
            station = rng.choice(stations)
            assert station.id is not None
            zone = zones.get(station.site_id or 0, ZoneInfo("UTC"))
            day = (now - timedelta(days=back)).astimezone(zone).date()
            start = datetime(day.year, day.month, day.day, tzinfo=zone) + timedelta(
                minutes=rng.randint(6 * 60, 22 * 60)
            )
            fast = station.ocpp_id.endswith("-04")
            energy_kwh = rng.uniform(15, 60) if fast else rng.uniform(5, 40)
            power_kw = rng.uniform(40, 120) if fast else rng.uniform(6, 11)
            minutes = energy_kwh / power_kw * 60 + rng.uniform(2, 30)
            sessions.append(
                HistoricSession(
                    station_id=station.id,
                    evse_id=rng.choice((1, 2)),
                    connector_id=1,
                    id_tag=rng.choice(TOKENS),
                    start_time=start,
                    stop_time=start + timedelta(minutes=minutes),
                    energy_wh=round(energy_kwh * 1000),
                )
            )
    drivers = [
        HistoricDriver(
            email=f"driver{n:03d}@demo.kilowatt.example",
            name=f"Demo Driver {n}",
            created_at=now - timedelta(days=rng.randint(1, HISTORY_DAYS), hours=rng.random() * 24),
        )
        for n in range(1, 61)
    ]
    return await services.reporting.import_history(org, sessions, drivers)


async def run_demo(port: int) -> None:
    data_dir = Path(os.environ.get("KILOWATT_DATA_DIR", "./var")) / "demo"
    settings = Settings(data_dir=data_dir, port=port, host="127.0.0.1")
    configure(settings.log_format, "warning")
    container = build(settings)
    await prepare_database(container.database, upgrade=True)
    services = container.services
    identities = await seed(services)
    organization = await services.organizations.by_name(ORGANIZATION)
    assert organization.id is not None
    station_passwords = await passwords(services, Principal.system(organization.id, "demo"))
    password = secrets.token_urlsafe(12)
    try:
        await services.users.create_user(ADMIN_EMAIL, password, Role.OWNER)
    except Conflict:
        await services.users.set_password(ADMIN_EMAIL, password)
    issued = await services.users.create_api_key("demo")

    server = uvicorn.Server(uvicorn_config(settings, create_app(container)))
    serving = asyncio.create_task(server.serve())
    while not server.started:
        if serving.done():
            await serving  # raises why it could not start
            return
        await asyncio.sleep(0.05)
    base = settings.effective_public_url
    print(
        f"""
Kilowatt demo is running: {len(identities)} simulated stations are charging.

  URL           {base}  (sign in at {base}/login)
  API docs      {base}/api/docs
  Login         {ADMIN_EMAIL}
  Password      {password}
  API key       {issued.secret}
  OCPP          ws://127.0.0.1:{port}/ocpp/<station id>
  Stations      {", ".join(identities)}
  Security      with a password (profile 1): {", ".join(sorted(station_passwords)) or "none"};
                the others connect without one (profile 0, see the warning on their pages)

Try:
  curl -s -H 'Authorization: Bearer {issued.secret}' \\
       {base}/api/v1/transactions | python3 -m json.tool

Database: {settings.effective_database_url}
Press Ctrl-C to stop.
""",
        flush=True,
    )
    fleet = asyncio.create_task(
        run_fleet(
            FleetConfig(
                url=f"ws://127.0.0.1:{port}/ocpp",
                count=len(identities),
                identities=identities,
                # Half of each site speaks OCPP 2.0.1: stations 03 and 04.
                versions={i: "2.0.1" for i in identities if i.endswith(("-03", "-04"))},
                id_tags=TOKENS,
                meter_interval=5.0,
                session_seconds=120.0,
                idle_seconds=15.0,
                passwords=station_passwords,
            )
        )
    )
    try:
        await serving
    finally:
        fleet.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await fleet
