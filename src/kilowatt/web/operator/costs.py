"""What a session cost, as the session and connector pages show it: the CDR line by line in
words, its totals without and with VAT, and its credit if it was corrected; "not billed yet"
while the session runs or before its bill is written."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from kilowatt.domain.cdrs import Cdr, CdrKind
from kilowatt.domain.errors import NotFound
from kilowatt.domain.money import money_text
from kilowatt.domain.permissions import Permission
from kilowatt.domain.tariffs import TariffVersion
from kilowatt.web.operator.context import Page
from kilowatt.web.operator.rows.money import cdr_lines, money


async def _tariff(page: Page, tariff_id: int | None) -> tuple[str, dict[int, TariffVersion]]:
    if tariff_id is None:
        return "", {}
    try:
        view = await page.web.services.tariffs.get(page.principal, tariff_id)
    except NotFound:
        return "", {}
    return view.tariff.name, {v.version: v for v in view.versions}


async def bill_view(page: Page, cdrs: list[Cdr], zone: ZoneInfo) -> dict[str, Any] | None:
    """The session's CDR and its credit in words (None: not billed)."""
    bill = next((c for c in cdrs if c.kind is CdrKind.CDR), None)
    if bill is None:
        return None
    _ = page.web.gettext
    locale = page.web.locale
    name, versions = await _tariff(page, bill.tariff_id)
    credit = next((c for c in cdrs if c.kind is CdrKind.CREDIT and c.credits_id == bill.id), None)
    currency = bill.currency
    return {
        "id": bill.id,
        "tariff_id": bill.tariff_id,
        "tariff": name,
        "lines": cdr_lines(bill.lines, versions, currency, zone, _, locale),
        "excl": money(bill.total_excl_vat, currency, locale),
        "vat_percent": bill.vat_percent.normalize(),
        "vat": money(bill.vat, currency, locale),
        "incl": money(bill.total_incl_vat, currency, locale),
        "incl_value": money_text(bill.total_incl_vat, currency),
        "wallet_id": bill.wallet_id,
        "created": bill.created_at.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
        "credit": (
            {
                "incl": money(credit.total_incl_vat, currency, locale),
                "reason": credit.reason,
                "created": credit.created_at.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
            }
            if credit is not None
            else None
        ),
        "may_credit": credit is None and page.may(Permission.FINANCE_MANAGE),
    }


async def session_cost(page: Page, transaction_id: int, zone: ZoneInfo) -> dict[str, Any]:
    """The context of transactions/_cost.html."""
    try:
        cdrs = await page.web.services.cdrs.for_transaction(page.principal, transaction_id)
    except NotFound:
        cdrs = []
    return {"bill": await bill_view(page, cdrs, zone)}


async def last_bill(page: Page, transaction_ids: list[int], zone: ZoneInfo) -> dict[str, Any]:
    """The connector page's last bill: the newest of these sessions (newest first) that has
    one, with its session's id; nothing for whoever may not read sessions."""
    if not page.may(Permission.SESSIONS_READ):
        return {"last_bill": None, "last_bill_session": None}
    for transaction_id in transaction_ids[:10]:
        try:
            cdrs = await page.web.services.cdrs.for_transaction(page.principal, transaction_id)
        except NotFound:
            continue
        view = await bill_view(page, cdrs, zone)
        if view is not None:
            return {"last_bill": view, "last_bill_session": transaction_id}
    return {"last_bill": None, "last_bill_session": None}
