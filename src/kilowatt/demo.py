"""``kilowatt demo``: a small network on SQLite, served, with 12 simulated stations charging.

Sessions last as long as real ones (about an hour and a half on AC, half an hour on DC) unless
time is accelerated (``--speed 60``: an hour's charge in a minute, its energy as an hour's;
times stay real). One station (STO-02) faults now and then and the fault-code dictionary
explains its codes; the simulated stations run the vendor's RCD self-test; a year and a bit of
history (from the 1st of January of last year) makes the year-over-year figures mean
something."""

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
from kilowatt.demo_meter import METER_TOPIC, DemoMeter, broker_reachable, demo_mqtt_url, stop
from kilowatt.demo_money import seed_money
from kilowatt.domain.errors import Conflict, InvalidInput
from kilowatt.domain.loads import LoadSettings
from kilowatt.domain.paging import PageRequest
from kilowatt.domain.station_security import SecurityProfile
from kilowatt.domain.stations import ConnectorSpec, CurrentType
from kilowatt.domain.tokens import IdTokenType, TokenStatus
from kilowatt.domain.users import Principal, Role
from kilowatt.logging import configure
from kilowatt.services.container import Services
from kilowatt.services.faults import FaultCodeInput
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
FAULTY = "STO-02"
"""The station that faults now and then (simulator/faults.py, OCPP 1.6)."""
FAULT_CODES = [
    FaultCodeInput(
        "E-RCD-30",
        "Residual-current device tripped (30 mA). Check the car's cable and the RCD; reset it "
        "on the station's panel or run the RCD self-test from the station's page.",
        vendor="Kilowatt",
    ),
    FaultCodeInput(
        "E-TEMP-71",
        "Cabinet above 70 °C: the station stops charging until it cools. Check the fan and "
        "the air filter.",
        vendor="Kilowatt",
    ),
    FaultCodeInput(
        "E-217",
        "Contactor welded: power cannot be switched off. Take the connector out of service "
        "and call the installer.",
        vendor="Kilowatt",
    ),
    FaultCodeInput(
        "E-LOCK-2",
        "The connector lock did not engage. Ask the driver to push the plug in fully.",
        vendor="Kilowatt",
    ),
    FaultCodeInput(
        "GroundFailure",
        "Earth fault: the residual-current device tripped. Inspect the cable and the car "
        "inlet before putting the connector back in service.",
    ),
]
"""The demo's fault-code dictionary: the codes STO-02 reports, explained."""
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
    await seed_fault_codes(services, org)
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


async def seed_fault_codes(services: Services, org: Principal) -> None:
    """The dictionary's entries, once (an entry already there is left as it is)."""
    for entry in FAULT_CODES:
        with contextlib.suppress(Conflict, InvalidInput):
            await services.faults.create_code(org, entry)


def history_days(now: datetime) -> int:
    """Days of history before today: all of last year and this year so far, so that this
    year's figures have last year's to compare with, month by month."""
    today = now.date()
    return (today - today.replace(year=today.year - 1, month=1, day=1)).days


LOAD_CAPACITY_W = 100_000
"""The demo's managed site: a 100 kW transformer with a base load that rises and falls."""


async def managed_site(services: Services, org: Principal) -> int | None:
    """Load management on the first demo site (docs/load-management.md)."""
    found = await services.sites.search(org, PageRequest(limit=1))
    if not found.items or found.items[0].id is None:
        return None
    site_id = found.items[0].id
    await services.loads.configure(
        org, site_id, LoadSettings(meter_topic=METER_TOPIC), LOAD_CAPACITY_W
    )
    return site_id


async def add_history(services: Services, org: Principal, now: datetime) -> int:
    """Completed sessions from the 1st of January of last year to yesterday (growing from
    about 4 to 12 a day) and some driver accounts, so that the home page's charts and
    year-over-year changes show something. Stored in one database transaction by
    ReportingService.import_history."""
    rng = random.Random(6)  # demo data, the same every time
    days = history_days(now)
    stations = (await services.stations.search(org, PageRequest(limit=100), StationFilter())).items
    zones = {
        site.id: ZoneInfo(site.timezone)
        for site in (await services.reporting.overview(org, 1)).sites
    }
    sessions: list[HistoricSession] = []
    for back in range(days, 0, -1):
        growth = 4 + 8 * (days - back) / days
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
            if start + timedelta(minutes=minutes) > now:
                # Yesterday evening's long session would end in the future (the small hours,
                # in the site's zone): history only holds what has ended.
                continue
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
            created_at=now - timedelta(days=rng.randint(1, days), hours=rng.random() * 24),
        )
        for n in range(1, 61)
    ]
    return await services.reporting.import_history(org, sessions, drivers)


def fleet_config(
    port: int, identities: list[str], passwords: dict[str, str], speed: float
) -> FleetConfig:
    """The simulated stations: sessions of real length divided by ``speed``."""
    if speed <= 0:
        raise ValueError("the demo's speed must be above zero")
    return FleetConfig(
        url=f"ws://127.0.0.1:{port}/ocpp",
        count=len(identities),
        identities=identities,
        # Half of each site speaks OCPP 2.0.1: stations 03 and 04.
        versions={i: "2.0.1" for i in identities if i.endswith(("-03", "-04"))},
        id_tags=TOKENS,
        # about 90 min a session (45 to 135), readings every 30 s, 20 min between cars
        session_seconds=90 * 60 / speed,
        meter_interval=max(2.0, 30.0 / speed),
        idle_seconds=20 * 60 / speed,
        passwords=passwords,
        speed=speed,
        faulty=frozenset({FAULTY}),
        fault_every=max(5.0, 300.0 / speed),
        fault_lasting=max(5.0, 120.0 / speed),
    )


async def run_demo(port: int, speed: float = 1.0) -> None:
    data_dir = Path(os.environ.get("KILOWATT_DATA_DIR", "./var")) / "demo"
    # The site meter publishes to the local Mosquitto when there is one (demo_meter.py).
    broker = demo_mqtt_url()
    mqtt_url = broker if await broker_reachable(broker) else ""
    settings = Settings(data_dir=data_dir, port=port, host="127.0.0.1", mqtt_url=mqtt_url)
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
    demo_org = Principal.system(organization.id, "demo")
    load_site = await managed_site(services, demo_org)

    server = uvicorn.Server(uvicorn_config(settings, create_app(container)))
    serving = asyncio.create_task(server.serve())
    while not server.started:
        if serving.done():
            await serving  # raises why it could not start
            return
        await asyncio.sleep(0.05)
    base = settings.effective_public_url
    meter_words = (
        f"the first site's load, published over MQTT to {mqtt_url} on {METER_TOPIC}"
        if mqtt_url
        else f"no MQTT broker at {broker or '(none)'}: the first site's load is reported "
        "through the service"
    )
    pace = (
        "real time: a session lasts about 90 minutes"
        if speed == 1
        else f"{speed:g} times faster: a 90-minute session takes {90 / speed:.1f} minutes"
    )
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
  Time          {pace}
  Faults        {FAULTY} faults now and then: see /faults, explained by the dictionary
  Vendor        the RCD self-test (template "rcd-self-test") runs on every station
  Site meter    {meter_words}

Try:
  curl -s -H 'Authorization: Bearer {issued.secret}' \\
       {base}/api/v1/transactions | python3 -m json.tool

Database: {settings.effective_database_url}
Press Ctrl-C to stop.
""",
        flush=True,
    )
    fleet = asyncio.create_task(run_fleet(fleet_config(port, identities, station_passwords, speed)))
    meter = asyncio.create_task(
        DemoMeter(services, demo_org, load_site, LOAD_CAPACITY_W, mqtt_url).run()
        if load_site
        else asyncio.sleep(0)
    )
    try:
        await serving
    finally:
        await stop(fleet)
        await stop(meter)
