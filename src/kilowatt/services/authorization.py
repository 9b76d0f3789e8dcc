"""May this token charge here, now?"""

from __future__ import annotations

from kilowatt.domain.stations import StationRef
from kilowatt.domain.tokens import AuthorizationDecision, IdTokenType, authorize
from kilowatt.services.base import Service


class AuthorizationService(Service):
    async def authorize(
        self, ref: StationRef, value: str, type: IdTokenType | None = None
    ) -> AuthorizationDecision:
        async with self.uow(readonly=True) as uow:
            token = await uow.tokens.find(ref.organization_id, value, type)
        return authorize(token, self.clock.now())
