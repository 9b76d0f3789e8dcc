"""May this token charge here, now?"""

from __future__ import annotations

from kilowatt.domain.stations import StationRef
from kilowatt.domain.tokens import AuthorizationDecision, IdTokenType
from kilowatt.services.access import decide
from kilowatt.services.base import Service


class AuthorizationService(Service):
    async def authorize(
        self, ref: StationRef, value: str, type: IdTokenType | None = None
    ) -> AuthorizationDecision:
        """The token's state and the access rules at the station (never ConcurrentTx: that
        only concerns a transaction start)."""
        now = self.clock.now()
        async with self.uow(readonly=True) as uow:
            token = await uow.tokens.find(ref.organization_id, value, type)
            return await decide(uow, ref.id, token, now)
