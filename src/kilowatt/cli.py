"""``kilowatt``: serve, demo, simulate, bench, db upgrade, org create, admin create, apikey
create."""

from __future__ import annotations

import asyncio
import contextlib
import sys
from collections.abc import Awaitable, Callable, Coroutine
from typing import TYPE_CHECKING, Annotated, Any, NoReturn, TypeVar

import typer

from kilowatt.config import Settings
from kilowatt.domain.errors import DomainError
from kilowatt.domain.users import Role

if TYPE_CHECKING:
    from kilowatt.domain.users import User
    from kilowatt.services.container import Services
    from kilowatt.services.users import IssuedKey

T = TypeVar("T")

app = typer.Typer(no_args_is_help=True, add_completion=False, help=__doc__)
db_app = typer.Typer(no_args_is_help=True, help="Database schema.")
admin_app = typer.Typer(no_args_is_help=True, help="Operator accounts.")
apikey_app = typer.Typer(no_args_is_help=True, help="API keys.")
org_app = typer.Typer(no_args_is_help=True, help="Organizations (tenants).")
app.add_typer(db_app, name="db")
app.add_typer(admin_app, name="admin")
app.add_typer(apikey_app, name="apikey")
app.add_typer(org_app, name="org")


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    """asyncio.run on uvloop, which uvicorn would choose itself had it created the loop."""
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvloop is not built for every platform
        return asyncio.run(coroutine)
    return uvloop.run(coroutine)


def _settings(**overrides: object) -> Settings:
    settings = Settings()
    values = {k: v for k, v in overrides.items() if v is not None}
    return settings.model_copy(update=values) if values else settings


def _fail(message: str) -> NoReturn:
    typer.secho(message, fg=typer.colors.RED, err=True)
    raise typer.Exit(2)


async def _serve(settings: Settings, upgrade: bool | None) -> None:
    from kilowatt.app import create_app, uvicorn_config
    from kilowatt.bootstrap import DatabaseNotReady, build, prepare_database
    from kilowatt.persistence.certificates import certificate_authority
    from kilowatt.tls import serve

    container = build(settings)
    try:
        await prepare_database(
            container.database, upgrade=settings.is_sqlite if upgrade is None else upgrade
        )
    except DatabaseNotReady as error:
        await container.close()
        _fail(str(error))
    app_ = create_app(container)
    try:
        if settings.ca_cert_file:  # a configured CA must be readable before stations come
            ca = certificate_authority(
                settings.ca_cert_file, settings.ca_key_file, settings.data_dir
            )
            ca.ensure()
        main = uvicorn_config(settings, app_)
        twin = None
        if settings.tls_cert_file and settings.tls_port:
            twin = uvicorn_config(settings, app_, tls_port=True)
    except (OSError, RuntimeError) as error:  # a TLS or CA file missing or unreadable
        await container.close()
        _fail(str(error))
    await serve(main, twin)


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Overrides KILOWATT_HOST.")] = None,
    port: Annotated[int | None, typer.Option(help="Overrides KILOWATT_PORT.")] = None,
    upgrade: Annotated[
        bool | None,
        typer.Option(
            "--upgrade/--no-upgrade",
            help="Migrate the schema first (default: only for the embedded SQLite database).",
        ),
    ] = None,
) -> None:
    """Run the CSMS: OCPP endpoint, REST API and health check on one port."""
    from kilowatt.logging import configure

    settings = _settings(host=host, port=port)
    configure(settings.log_format, settings.log_level)
    run(_serve(settings, upgrade))


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply every pending migration."""
    from kilowatt.bootstrap import prepare_database
    from kilowatt.persistence.db import Database

    async def run() -> None:
        database = Database(Settings().effective_database_url)
        try:
            await prepare_database(database, upgrade=True)
        finally:
            await database.dispose()

    asyncio.run(run())
    typer.echo("database is at the newest migration")


async def _with_services(action: Callable[[Services], Awaitable[T]]) -> T:
    from kilowatt.bootstrap import DatabaseNotReady, build_services, prepare_database
    from kilowatt.persistence.db import Database

    settings = Settings()
    database = Database(settings.effective_database_url)
    try:
        try:
            await prepare_database(database, upgrade=settings.is_sqlite)
        except DatabaseNotReady as error:
            _fail(str(error))
        return await action(build_services(settings, database))
    finally:
        await database.dispose()


OrganizationOption = Annotated[
    str | None,
    typer.Option(
        "--organization", help="Name of the organization (default: the first one, 'Default')."
    ),
]
SitesOption = Annotated[
    list[int] | None,
    typer.Option("--site", help="Limit to this site id (repeat for several); default: all."),
]


async def _organization_id(services: Services, name: str | None) -> int | None:
    if name is None:
        return None
    return (await services.organizations.by_name(name)).id


@org_app.command("create")
def org_create(name: Annotated[str, typer.Option(help="Name of the new organization.")]) -> None:
    """Create an organization; then give it an owner with `admin create --organization`."""

    async def create(services: Services) -> int | None:
        created = await services.users.create_organization(name, with_key=False)
        return created.organization.id

    try:
        organization_id = asyncio.run(_with_services(create))
    except DomainError as error:
        _fail(str(error))
    typer.echo(f"created organization {organization_id} ({name.strip()})")


@admin_app.command("create")
def admin_create(
    email: Annotated[str, typer.Option(help="Login email.")],
    password: Annotated[str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)],
    role: Annotated[Role, typer.Option(help="Role in the organization.")] = Role.OWNER,
    organization: OrganizationOption = None,
    name: Annotated[str, typer.Option(help="Display name.")] = "",
    site: SitesOption = None,
) -> None:
    """Create an operator account (there is no default account, nor a default password)."""

    async def create(services: Services) -> User:
        organization_id = await _organization_id(services, organization)
        return await services.users.create_user(
            email, password, role, organization_id, name=name, site_ids=site or None
        )

    try:
        user = asyncio.run(_with_services(create))
    except DomainError as error:
        _fail(str(error))
    typer.echo(f"created {user.email} ({user.role.value})")


@apikey_app.command("create")
def apikey_create(
    name: Annotated[str, typer.Option(help="What the key is for.")],
    role: Annotated[Role, typer.Option(help="Role the key acts with.")] = Role.ADMIN,
    organization: OrganizationOption = None,
    site: SitesOption = None,
) -> None:
    """Create an API key and print it (it is shown only this once)."""

    async def create(services: Services) -> IssuedKey:
        organization_id = await _organization_id(services, organization)
        return await services.users.create_api_key(
            name, role, organization_id, site_ids=site or None
        )

    try:
        issued = asyncio.run(_with_services(create))
    except DomainError as error:
        _fail(str(error))
    typer.echo(issued.secret)


@app.command()
def simulate(
    url: Annotated[str, typer.Option(help="Base URL, e.g. ws://127.0.0.1:8180/ocpp")],
    stations: Annotated[int, typer.Option(min=1, help="How many stations.")] = 1,
    version: Annotated[str, typer.Option(help="OCPP version: 1.6 or 2.0.1.")] = "1.6",
    prefix: Annotated[str, typer.Option(help="Station identities: PREFIX0001...")] = "SIM",
    connectors: Annotated[int, typer.Option(min=1, max=8)] = 2,
    tokens: Annotated[str, typer.Option(help="Comma-separated id tags to charge with.")] = "",
    meter_interval: Annotated[float, typer.Option(help="Seconds between meter values.")] = 5.0,
    session_seconds: Annotated[float, typer.Option(help="Mean session length.")] = 60.0,
    idle_seconds: Annotated[
        float, typer.Option(help="Mean pause between a connector's sessions.")
    ] = 20.0,
    duration: Annotated[float, typer.Option(help="Stop after N seconds (0: run until ^C).")] = 0,
) -> None:
    """Run simulated charging stations that speak real OCPP to a CSMS."""
    from kilowatt.logging import configure
    from kilowatt.simulator.fleet import FleetConfig, run_fleet

    configure(Settings().log_format, "info")
    config = FleetConfig(
        url=url.rstrip("/"),
        count=stations,
        version=version,
        prefix=prefix,
        connectors=connectors,
        id_tags=[t for t in tokens.split(",") if t] or ["SIMTAG"],
        meter_interval=meter_interval,
        session_seconds=session_seconds,
        idle_seconds=idle_seconds,
    )
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run_fleet(config, duration or None))


@app.command()
def demo(
    port: Annotated[
        int, typer.Option(help="Port to serve on.", envvar="KILOWATT_PORT", min=1, max=65535)
    ] = 8180,
    speed: Annotated[
        float,
        typer.Option(
            help="Charge this many times faster than the clock (60: an hour's session in a "
            "minute).",
            envvar="KILOWATT_DEMO_SPEED",
            min=0.1,
            max=3600,
        ),
    ] = 1.0,
) -> None:
    """Seed a demo network in the SQLite database, serve it, and drive 12 simulated stations."""
    from kilowatt.demo import run_demo

    with contextlib.suppress(KeyboardInterrupt):
        run(run_demo(port, speed))


@app.command()
def bench(
    url: Annotated[
        str | None, typer.Option(help="Target a running server (default: start one).")
    ] = None,
    database: Annotated[str, typer.Option(help="sqlite or postgresql (when starting one).")] = (
        "sqlite"
    ),
    stations: Annotated[int, typer.Option(min=1)] = 200,
    rate: Annotated[float, typer.Option(help="Target messages per second.")] = 500.0,
    duration: Annotated[float, typer.Option(help="Seconds of measured load.")] = 30.0,
    output: Annotated[str | None, typer.Option(help="Write the result as JSON here.")] = None,
) -> None:
    """Load-test the OCPP endpoint with a realistic message mix and report msg/s and latency."""
    from kilowatt.simulator.loadgen import BenchConfig, run_bench

    result = asyncio.run(
        run_bench(
            BenchConfig(
                url=url,
                database=database,
                stations=stations,
                rate=rate,
                duration=duration,
                output=output,
            )
        )
    )
    sys.exit(0 if result.errors == 0 else 1)


def main() -> None:
    app()
