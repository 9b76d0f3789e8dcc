"""Driver accounts: made by an operator (with or without a password) and holding tokens."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from argon2 import PasswordHasher

from kilowatt.domain.audit import changes_of
from kilowatt.domain.drivers import Driver, local_day_bounds, new_per_day, normalise_email
from kilowatt.domain.errors import Conflict, InvalidInput, NotFound
from kilowatt.domain.paging import Page, PageRequest
from kilowatt.domain.sites import check_timezone
from kilowatt.domain.users import Principal
from kilowatt.services.audit import record
from kilowatt.services.base import Service
from kilowatt.services.ports import DriverFilter, TokenFilter, UnitOfWork
from kilowatt.services.tokens import TokenView, token_views

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 1024
DRIVER_FIELDS = frozenset({"email", "name", "phone", "password", "is_active"})
MAX_DAYS = 366


@dataclass(frozen=True, slots=True)
class DriverInput:
    email: str
    name: str = ""
    phone: str = ""
    password: str | None = None
    """None: no password (the driver cannot sign in until one is set). Never a default."""


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput("password", f"at least {MIN_PASSWORD_LENGTH} characters")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise InvalidInput("password", f"at most {MAX_PASSWORD_LENGTH} characters")


def _check_text(name: str, value: str, limit: int) -> str:
    value = value.strip()
    if len(value) > limit:
        raise InvalidInput(name, f"at most {limit} characters")
    return value


def _fields(driver: Driver) -> dict[str, Any]:
    return {
        "email": driver.email,
        "name": driver.name,
        "phone": driver.phone,
        "is_active": driver.is_active,
        "can_sign_in": driver.has_password,
    }


class DriverService(Service):
    hasher = PasswordHasher()  # argon2id, the library's (RFC 9106) defaults

    async def create(self, principal: Principal, data: DriverInput) -> Driver:
        email = normalise_email(data.email)
        if data.password is not None:
            _check_password(data.password)
        now = self.clock.now()
        driver = Driver(
            organization_id=principal.organization_id,
            email=email,
            name=_check_text("name", data.name, 200),
            phone=_check_text("phone", data.phone, 40),
            password_hash=self.hasher.hash(data.password) if data.password is not None else None,
            created_at=now,
            updated_at=now,
        )
        async with self.uow() as uow:
            if await uow.drivers.by_email(principal.organization_id, email) is not None:
                raise Conflict(f"a driver with email {email} already exists")
            await uow.drivers.add(driver)
            await record(
                uow, principal, "driver.create", "driver", driver.id, _fields(driver), at=now
            )
            await uow.commit()
        return driver

    async def get(self, principal: Principal, driver_id: int) -> Driver:
        async with self.uow(readonly=True) as uow:
            return await self._get(uow, principal.organization_id, driver_id)

    async def search(
        self, principal: Principal, page: PageRequest, where: DriverFilter
    ) -> Page[Driver]:
        async with self.uow(readonly=True) as uow:
            return await uow.drivers.search(principal.organization_id, page, where)

    async def tokens(
        self, principal: Principal, driver_id: int, page: PageRequest
    ) -> Page[TokenView]:
        organization_id = principal.organization_id
        async with self.uow(readonly=True) as uow:
            await self._get(uow, organization_id, driver_id)
            found = await uow.tokens.search(organization_id, page, TokenFilter(driver_id=driver_id))
            views = await token_views(uow, organization_id, found.items)
        return Page(items=views, next_cursor=found.next_cursor)

    async def update(self, principal: Principal, driver_id: int, changes: dict[str, Any]) -> Driver:
        unknown = set(changes) - DRIVER_FIELDS
        if unknown:
            raise InvalidInput(sorted(unknown)[0], "cannot be changed")
        changes = dict(changes)
        if "email" in changes:
            changes["email"] = normalise_email(changes["email"])
        for name, limit in (("name", 200), ("phone", 40)):
            if name in changes:
                changes[name] = _check_text(name, changes[name] or "", limit)
        password = changes.pop("password", None)
        if password is not None:
            _check_password(password)
        organization_id = principal.organization_id
        async with self.uow() as uow:
            driver = await self._get(uow, organization_id, driver_id)
            email = changes.get("email", driver.email)
            if email != driver.email and await uow.drivers.by_email(organization_id, email):
                raise Conflict(f"a driver with email {email} already exists")
            before = _fields(driver)
            for name, value in changes.items():
                setattr(driver, name, value)
            if password is not None:
                driver.password_hash = self.hasher.hash(password)
            driver.updated_at = self.clock.now()
            audited = changes_of(before, _fields(driver))
            if password is not None:
                audited["password"] = "changed"  # noqa: S105 (redacted; says it changed)
            await record(
                uow, principal, "driver.update", "driver", driver_id, audited, at=driver.updated_at
            )
            await uow.commit()
        return driver

    async def delete(self, principal: Principal, driver_id: int) -> None:
        """The driver's tokens stay, without a driver."""
        async with self.uow() as uow:
            driver = await self._get(uow, principal.organization_id, driver_id)
            tokens = await uow.tokens.leave_driver(driver_id)
            await uow.drivers.delete(driver)
            await record(
                uow,
                principal,
                "driver.delete",
                "driver",
                driver_id,
                {"email": driver.email, "tokens": tokens},
                at=self.clock.now(),
            )
            await uow.commit()

    async def new_per_day(
        self,
        principal: Principal,
        first: date | None = None,
        last: date | None = None,
        timezone: str = "UTC",
    ) -> list[tuple[date, int]]:
        """Drivers made on each local day of ``timezone`` from ``first`` (default: 29 days
        before ``last``) to ``last`` (default: today there), both included."""
        zone = ZoneInfo(check_timezone(timezone))
        last = last or self.clock.now().astimezone(zone).date()
        first = first or last - timedelta(days=29)
        if last < first:
            raise InvalidInput("until", "must not be before since")
        if last - first >= timedelta(days=MAX_DAYS):
            raise InvalidInput("until", f"at most {MAX_DAYS} days at a time")
        start, end = local_day_bounds(first, last, zone)
        async with self.uow(readonly=True) as uow:
            created = await uow.drivers.created_between(principal.organization_id, start, end)
        return new_per_day(created, first, last, zone)

    @staticmethod
    async def _get(uow: UnitOfWork, organization_id: int, driver_id: int) -> Driver:
        driver = await uow.drivers.get(organization_id, driver_id)
        if driver is None:
            raise NotFound("driver", driver_id)
        return driver
