"""The ASGI application: REST API, OCPP endpoint and health, around one container."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import structlog
import uvicorn
from fastapi import FastAPI
from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket

from kilowatt import __version__, web
from kilowatt.api import errors
from kilowatt.api.routes import api_v1, docs, files, health
from kilowatt.bootstrap import Container, tune_gc
from kilowatt.config import Settings
from kilowatt.tls import TlsWebSocketProtocol, tls_options

log = structlog.get_logger("kilowatt")

DESCRIPTION = """
Kilowatt's REST API. Authenticate with an API key: `Authorization: Bearer <key>`
(create one with `kilowatt apikey create --name NAME`).

Errors are JSON: `{"error": "not_found", "detail": "station X not found"}`.
Lists are pages: `{"items": [...], "next_cursor": 42}`; pass `cursor=42` for the next page.
Energy is in Wh, power in W, times in UTC (ISO 8601).
"""


def create_app(container: Container) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if container.cluster is not None:
            await container.cluster.start()
        await container.ocpp.start()
        await container.services.remote_start.resume()
        await container.services.charge_orders.resume()
        await container.jobs.start()
        if container.meters is not None:
            await container.meters.start()
        if container.settings.gc_tuning:
            tune_gc()
        settings = container.settings
        log.info(
            "kilowatt serving",
            url=settings.effective_public_url,
            ocpp=f"{settings.effective_public_url.replace('http', 'ws', 1)}/ocpp/<station id>",
            database=container.database.engine.url.render_as_string(hide_password=True),
            unknown_stations=settings.unknown_station_policy.value,
            node=container.ocpp.node_id if container.cluster is not None else None,
        )
        try:
            yield
        finally:
            if container.meters is not None:
                await container.meters.stop()
            await container.jobs.stop()
            await container.ocpp.stop()
            if container.cluster is not None:
                await container.cluster.stop()
            await container.close()

    app = FastAPI(
        title="Kilowatt",
        version=__version__,
        description=DESCRIPTION,
        openapi_url="/api/openapi.json",
        docs_url=None,  # served from our own copy of Swagger UI: api/routes/docs.py
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.container = container
    app.state.services = container.services
    app.state.database_check = container.database.ping
    app.state.connections = lambda: len(container.ocpp.registry)
    errors.install(app)
    app.include_router(health.router)
    app.include_router(docs.router)
    app.include_router(api_v1)
    app.include_router(files.router)  # for stations: signed links, upload tokens
    web.install(app, container.settings.assets_dir)  # the dashboard and its static files

    async def ocpp_endpoint(websocket: WebSocket) -> None:
        await container.ocpp.handle(websocket)

    # ":path" so that an identity with an encoded "/" reaches us and gets a 400, not a 403.
    app.router.routes.append(WebSocketRoute("/ocpp/{station_id:path}", ocpp_endpoint))
    return app


def uvicorn_config(settings: Settings, app_: FastAPI, *, tls_port: bool = False) -> uvicorn.Config:
    """The server on KILOWATT_PORT (in TLS when a certificate is set and no TLS port), or with
    ``tls_port`` its TLS twin on KILOWATT_TLS_PORT (which leaves the lifespan to the first)."""
    tls = tls_port or settings.tls_on_main_port
    return uvicorn.Config(
        app_,
        host=settings.host,
        port=settings.tls_port if tls_port else settings.port,
        # uvicorn's WebSocket protocol, telling the app the client certificate (kilowatt/tls.py)
        ws=TlsWebSocketProtocol,
        **(tls_options(settings) if tls else {}),
        ws_max_size=settings.ocpp_max_message_bytes,
        ws_ping_interval=60,
        ws_ping_timeout=30,
        log_config=None,
        access_log=False,
        lifespan="off" if tls_port else "on",
        timeout_graceful_shutdown=5,
        # X-Forwarded-For is believed only from KILOWATT_TRUSTED_PROXIES (kilowatt.clients),
        # not from whatever uvicorn's FORWARDED_ALLOW_IPS would allow.
        proxy_headers=False,
    )
