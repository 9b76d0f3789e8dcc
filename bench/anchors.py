"""The two anchor servers of the hot-path benchmark (bench/hotpath.py), one process each.

    .venv/bin/python bench/anchors.py websockets --port 9001
    .venv/bin/python bench/anchors.py ocpp --port 9002

``websockets``: a bare ``websockets`` server that parses each CALL and answers one fixed
CALLRESULT (with the unique id of the CALL): the floor of a Python WebSocket server, no OCPP.

``ocpp``: the ``ocpp`` PyPI library's 1.6 ``ChargePoint`` with one handler per action of the
load mix, answering fixed replies without a database: what routing, schema validation and
key-case conversion of the library cost. Both accept any station path and the ``ocpp1.6``
subprotocol, listen on 127.0.0.1 only, and run until terminated.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import signal
from datetime import UTC, datetime
from typing import Any

import orjson
from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.typing import Subprotocol

SUBPROTOCOLS = [Subprotocol("ocpp1.6")]

# One payload that satisfies every action of the load mix (the generator reads status,
# transactionId and idTagInfo): the anchor does not look at the action.
FIXED = orjson.dumps(
    {
        "status": "Accepted",
        "currentTime": "2026-01-01T00:00:00Z",
        "interval": 300,
        "transactionId": 1,
        "idTagInfo": {"status": "Accepted"},
    }
)


async def bare(connection: ServerConnection) -> None:
    async for frame in connection:
        message = orjson.loads(frame)
        await connection.send(b'[3,"%s",%s]' % (str(message[1]).encode(), FIXED), text=True)


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def ocpp_handler() -> Any:
    from ocpp.routing import on
    from ocpp.v16 import ChargePoint, call_result
    from ocpp.v16.enums import Action, AuthorizationStatus, RegistrationStatus

    accepted = {"status": AuthorizationStatus.accepted}

    class CannedChargePoint(ChargePoint):  # type: ignore[misc]
        transaction = 0

        @on(Action.boot_notification)
        def on_boot(self, **_: Any) -> Any:
            return call_result.BootNotification(
                current_time=_now(), interval=300, status=RegistrationStatus.accepted
            )

        @on(Action.heartbeat)
        def on_heartbeat(self, **_: Any) -> Any:
            return call_result.Heartbeat(current_time=_now())

        @on(Action.status_notification)
        def on_status(self, **_: Any) -> Any:
            return call_result.StatusNotification()

        @on(Action.authorize)
        def on_authorize(self, **_: Any) -> Any:
            return call_result.Authorize(id_tag_info=accepted)

        @on(Action.start_transaction)
        def on_start(self, **_: Any) -> Any:
            CannedChargePoint.transaction += 1
            return call_result.StartTransaction(
                transaction_id=CannedChargePoint.transaction, id_tag_info=accepted
            )

        @on(Action.stop_transaction)
        def on_stop(self, **_: Any) -> Any:
            return call_result.StopTransaction(id_tag_info=accepted)

        @on(Action.meter_values)
        def on_meter_values(self, **_: Any) -> Any:
            return call_result.MeterValues()

    async def handle(connection: ServerConnection) -> None:
        request = connection.request
        identity = request.path.rstrip("/").rsplit("/", 1)[-1] if request else "?"
        with contextlib.suppress(ConnectionClosed):
            await CannedChargePoint(identity, connection).start()

    return handle


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("kind", choices=("websockets", "ocpp"))
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    handler = bare if args.kind == "websockets" else ocpp_handler()
    # As Kilowatt does (DESIGN rule 7): no GC pauses over thousands of sockets.
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)
    stop = asyncio.get_running_loop().create_future()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set_result, None)
    async with serve(
        handler,
        "127.0.0.1",
        args.port,
        subprotocols=SUBPROTOCOLS,
        compression=None,
        ping_interval=None,
        backlog=4096,
        max_queue=None,
    ):
        await stop


if __name__ == "__main__":
    import uvloop  # Kilowatt serves on uvloop too (kilowatt/cli.py)

    with contextlib.suppress(KeyboardInterrupt):
        uvloop.run(main())
