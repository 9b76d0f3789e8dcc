"""2.0.1 block C: authorization."""

from __future__ import annotations

from kilowatt.domain.tokens import IdTokenType
from kilowatt.ocpp.connection import OcppConnection, Payload
from kilowatt.ocpp.v201 import translate


async def authorize(conn: OcppConnection, payload: Payload) -> Payload:
    token = payload["idToken"]
    decision = await conn.services.authorization.authorize(
        conn.ref, token["idToken"], IdTokenType(token["type"])
    )
    return {"idTokenInfo": translate.id_token_info(decision)}
