"""The demo network's money: a time-of-use tariff (peak and off-peak) with an idle fee after a
grace period as the organization's default, an employee group that charges free, prepaid
drivers with wallets and balances, and the past sessions billed so that the home page shows
revenue. Seeded once, with the network (demo.py)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from kilowatt.domain.cdrs import Scope
from kilowatt.domain.paging import PageRequest
from kilowatt.domain.tokens import GroupKind
from kilowatt.domain.transactions import TransactionState
from kilowatt.domain.users import Principal
from kilowatt.domain.wallets import OwnerKind
from kilowatt.services.container import Services
from kilowatt.services.ports import DriverFilter, TokenFilter, TransactionFilter
from kilowatt.services.tokens import GroupInput

TIME_OF_USE = "Time of use"
WEEKDAYS = ["MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY"]
TIME_OF_USE_BODY: dict[str, Any] = {
    "currency": "EUR",
    "vat": "25.5",
    "elements": [
        {
            # Peak: weekday evenings.
            "price_components": [{"type": "ENERGY", "price": "0.39"}],
            "restrictions": {"start_time": "17:00", "end_time": "21:00", "day_of_week": WEEKDAYS},
        },
        {
            # The idle fee, once the car has been connected for two hours.
            "price_components": [{"type": "PARKING_TIME", "price": "9.00", "step_size": 60}],
            "restrictions": {"min_duration": 7200},
        },
        {
            # Off-peak, and the session fee.
            "price_components": [
                {"type": "ENERGY", "price": "0.24"},
                {"type": "FLAT", "price": "0.50"},
            ]
        },
    ],
    "tariff_alt_text": [
        {
            "language": "en",
            "text": "0.39 EUR/kWh on weekdays 17-21, else 0.24 EUR/kWh; 0.50 EUR per session; "
            "idle 9.00 EUR/h after 2 hours connected; prices without VAT 25.5 %",
        }
    ],
}
EMPLOYEES_BODY: dict[str, Any] = {
    "currency": "EUR",
    "vat": "25.5",
    "elements": [{"price_components": [{"type": "ENERGY", "price": "0"}]}],
    "tariff_alt_text": [{"language": "en", "text": "Free for employees"}],
}
EMPLOYEE_CARDS = ("DEMO0001", "DEMO0002", "DEMO0003", "DEMO0004")
PREPAID = (
    # (driver number, card, top-up, minimum balance)
    (1, "DEMO0021", Decimal("50.00"), Decimal("2.00")),
    (2, "DEMO0022", Decimal("120.00"), Decimal("5.00")),
    (3, "DEMO0023", Decimal("8.50"), Decimal("0.00")),
)


async def _token_id(services: Services, org: Principal, value: str) -> int | None:
    found = await services.tokens.search(org, PageRequest(limit=20), TokenFilter(search=value))
    return next((t.token.id for t in found.items if t.token.value == value), None)


BILLED_DAYS = 62
"""The past sessions billed at once, so that the home page's revenue (today, this month and
last month) is real from the first page; the unbilled-sessions job bills the older ones in the
background, a batch a minute."""


async def seed_money(services: Services, org: Principal, bill_days: int = BILLED_DAYS) -> int:
    """Tariffs, the employee group, prepaid wallets; then bill the sessions of the last
    ``bill_days`` days. How many past sessions were billed."""
    existing = await services.tariffs.all(org)
    if any(view.tariff.name == TIME_OF_USE for view in existing):
        return 0
    tou = await services.tariffs.create(org, TIME_OF_USE, TIME_OF_USE_BODY)
    assert tou.tariff.id is not None
    await services.tariffs.assign(org, tou.tariff.id, Scope.ORGANIZATION)
    free = await services.tariffs.create(org, "Employees free", EMPLOYEES_BODY)
    assert free.tariff.id is not None
    group = await services.token_groups.create(
        org,
        GroupInput(name="Employees", kind=GroupKind.COMPANY, description="Staff charge for free"),
    )
    assert group.group.id is not None
    await services.tariffs.assign(org, free.tariff.id, Scope.TOKEN_GROUP, group.group.id)
    for card in EMPLOYEE_CARDS:
        token_id = await _token_id(services, org, card)
        if token_id is not None:
            await services.tokens.update(org, token_id, {"group_id": group.group.id})
    drivers = (await services.drivers.search(org, PageRequest(limit=10), DriverFilter())).items
    for number, card, amount, minimum in PREPAID:
        driver = drivers[number - 1] if len(drivers) >= number else None
        if driver is not None and driver.id is not None:
            wallet = await services.wallets.create(
                org, f"{driver.name} (prepaid)", OwnerKind.DRIVER, driver.id, minimum
            )
        else:
            wallet = await services.wallets.create(
                org, f"Prepaid card {card}", OwnerKind.ACCOUNT, None, minimum
            )
        assert wallet.id is not None
        await services.wallets.top_up(org, wallet.id, amount, f"demo-{card}", "Demo top-up")
        token_id = await _token_id(services, org, card)
        if token_id is not None:
            await services.wallets.give_token(org, token_id, wallet.id)
    fleet = await services.wallets.create(
        org, "Taxi fleet account", OwnerKind.ACCOUNT, None, Decimal("20.00")
    )
    assert fleet.id is not None
    await services.wallets.top_up(org, fleet.id, Decimal("500.00"), "demo-fleet", "Invoice 1001")
    since = services.clock.now() - timedelta(days=bill_days)
    where = TransactionFilter(state=TransactionState.COMPLETED, started_from=since)
    billed = 0
    cursor: int | None = None
    while bill_days > 0:
        found = await services.exports.sessions(org, PageRequest(500, cursor), where)
        for row in found.items:
            if await services.cdrs.bill(row.id) is not None:
                billed += 1
        cursor = found.next_cursor
        if cursor is None:
            break
    return billed
