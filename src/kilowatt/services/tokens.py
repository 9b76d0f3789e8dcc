"""Id tokens: the cards, fobs and app tokens drivers charge with."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from kilowatt.domain.errors import Conflict, InvalidInput, NotFound
from kilowatt.domain.paging import Page, PageRequest
from kilowatt.domain.tokens import IdToken, IdTokenType, TokenStatus
from kilowatt.services.base import Service
from kilowatt.services.ports import TokenFilter, UnitOfWork

TOKEN_FIELDS = frozenset({"status", "expires_at", "group_id", "label"})


@dataclass(frozen=True, slots=True)
class TokenInput:
    value: str
    type: IdTokenType = IdTokenType.ISO14443
    status: TokenStatus = TokenStatus.ACCEPTED
    expires_at: datetime | None = None
    group_id: str | None = None
    label: str = ""


def _check_value(value: str) -> None:
    if not value or len(value) > 255 or value != value.strip():
        raise InvalidInput("value", "1 to 255 characters without surrounding spaces")


class TokenService(Service):
    async def create(self, organization_id: int, data: TokenInput) -> IdToken:
        _check_value(data.value)
        now = self.clock.now()
        token = IdToken(
            organization_id=organization_id,
            value=data.value,
            type=data.type,
            status=data.status,
            expires_at=data.expires_at,
            group_id=data.group_id or None,
            label=data.label,
            created_at=now,
            updated_at=now,
        )
        async with self.uow() as uow:
            existing = await uow.tokens.find(organization_id, data.value, data.type)
            if existing is not None and existing.type == data.type:
                raise Conflict(f"token {data.value!r} of type {data.type.value} already exists")
            await uow.tokens.add(token)
            await uow.commit()
        return token

    async def get(self, organization_id: int, token_id: int) -> IdToken:
        async with self.uow(readonly=True) as uow:
            return await self._get(uow, organization_id, token_id)

    async def search(
        self, organization_id: int, page: PageRequest, where: TokenFilter
    ) -> Page[IdToken]:
        async with self.uow(readonly=True) as uow:
            return await uow.tokens.search(organization_id, page, where)

    async def update(self, organization_id: int, token_id: int, changes: dict[str, Any]) -> IdToken:
        unknown = set(changes) - TOKEN_FIELDS
        if unknown:
            raise InvalidInput(sorted(unknown)[0], "cannot be changed")
        async with self.uow() as uow:
            token = await self._get(uow, organization_id, token_id)
            for name, value in changes.items():
                setattr(token, name, value)
            token.updated_at = self.clock.now()
            await uow.commit()
        return token

    async def delete(self, organization_id: int, token_id: int) -> None:
        async with self.uow() as uow:
            token = await self._get(uow, organization_id, token_id)
            await uow.tokens.delete(token)
            await uow.commit()

    @staticmethod
    async def _get(uow: UnitOfWork, organization_id: int, token_id: int) -> IdToken:
        token = await uow.tokens.get(organization_id, token_id)
        if token is None:
            raise NotFound("id token", token_id)
        return token
