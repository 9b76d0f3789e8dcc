"""Dashboard pages: prepaid wallets (/wallets) — the list with balances, a wallet with its
ledger, top-up / refund / adjustment forms (each carries an idempotency key made when the form
is shown, so a double submit is one entry), the minimum balance, the tokens that pay from it.
The transaction records are in wallet_records.py."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends
from pydantic import Field
from starlette.responses import Response

from kilowatt.domain.errors import Conflict, InvalidInput, NotFound
from kilowatt.domain.exports import zone_of
from kilowatt.domain.money import money_text
from kilowatt.domain.paging import MAX_PAGE, PageRequest
from kilowatt.domain.permissions import Permission
from kilowatt.domain.wallets import EntryKind, OwnerKind, Wallet
from kilowatt.services.ports import DriverFilter, EntryFilter, EntryRow, TokenFilter
from kilowatt.web.kit.context import WebError, path_id
from kilowatt.web.kit.forms import (
    LINK,
    REQUIRED,
    Cursor,
    Fields,
    Id,
    Number,
    Says,
    Search,
)
from kilowatt.web.kit.frame import redirect
from kilowatt.web.kit.i18n import N_
from kilowatt.web.operator.context import Page, SessionsPage, page_for
from kilowatt.web.operator.rows.money import money

router = APIRouter()

FinancePage = Annotated[
    Page, Depends(page_for(Permission.SESSIONS_READ, Permission.FINANCE_MANAGE))
]
WalletId = Annotated[int, Depends(path_id("wallet_id", N_("There is no such wallet.")))]
TokenId = Annotated[int, Depends(path_id("token_id", N_("There is no such token.")))]

PAGE_SIZE = 50
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
Kind = Literal["top-up", "refund", "adjustment"]
Notice = Literal[
    "created", "top-up", "refund", "adjustment", "replayed", "minimum", "token", "untoken"
]


def kind_words(gettext: Any) -> dict[str, str]:
    _ = gettext
    return {
        EntryKind.TOP_UP.value: _("Top-up"),
        EntryKind.CHARGE.value: _("Charging"),
        EntryKind.REFUND.value: _("Refund"),
        EntryKind.ADJUSTMENT.value: _("Adjustment"),
    }


class WalletSearch(Fields):
    q: Search = ""
    cursor: Cursor = None
    notice: Annotated[Notice | None, LINK] = None


class WalletForm(Fields):
    name: Annotated[
        str,
        Field(min_length=1, max_length=200),
        Says(N_("Enter a name of at most 200 characters.")),
    ] = ""
    owner: Annotated[OwnerKind | None, REQUIRED, Says(N_("Choose a driver or an account."))] = None
    driver: Annotated[Id, Says(N_("Choose one of the drivers."))] = None
    minimum: Annotated[
        Number, Field(ge=0), Says(N_("Enter an amount of 0 or more, such as 2.00."))
    ] = None


class EntryForm(Fields):
    """A top-up, refund or adjustment; ``key`` made when the form was shown."""

    amount: Annotated[Number, REQUIRED, Says(N_("Enter an amount, such as 20.00."))] = None
    reason: Annotated[str, Field(max_length=500), Says(N_("At most 500 characters."))] = ""
    key: Annotated[str, Field(max_length=200), LINK] = ""


class MinimumForm(Fields):
    minimum: Annotated[
        Number, Field(ge=0), REQUIRED, Says(N_("Enter an amount of 0 or more, such as 2.00."))
    ] = None


class TokenForm(Fields):
    token: Annotated[
        str, Field(min_length=1, max_length=255), Says(N_("Enter the token's value."))
    ] = ""


async def organization_zone(page: Page) -> str:
    """Where the organization's days are read: its first site's time zone (UTC without
    sites), as the home page's figures."""
    sites = (await page.web.services.sites.search(page.principal, PageRequest(MAX_PAGE))).items
    return min(sites, key=lambda s: s.id or 0).timezone if sites else "UTC"


def entry_rows(page: Page, rows: list[EntryRow], zone: str) -> list[dict[str, Any]]:
    _ = page.web.gettext
    words = kind_words(_)
    locale = page.web.locale
    tz = zone_of(zone)
    result = []
    for row in rows:
        e = row.entry
        result.append(
            {
                "id": e.id,
                "time": e.created_at.astimezone(tz).strftime("%Y-%m-%d %H:%M"),
                "wallet": row.wallet_name,
                "wallet_id": e.wallet_id,
                "kind": e.kind.value,
                "kind_words": words[e.kind.value],
                "amount": money(e.amount, row.currency, locale),
                "negative": e.amount < 0,
                "unpaid": money(e.unpaid, row.currency, locale) if e.unpaid else "",
                "balance": money(e.balance_after, row.currency, locale),
                "session": e.transaction_id,
                "actor": _("Billing") if e.actor == "billing" else e.actor,
                "reason": e.reason,
            }
        )
    return result


def wallet_row(page: Page, wallet: Wallet, drivers: Mapping[int, str]) -> dict[str, Any]:
    _ = page.web.gettext
    locale = page.web.locale
    owner = (
        _("Driver %(name)s") % {"name": drivers.get(wallet.driver_id or 0, "—")}
        if wallet.owner_kind is OwnerKind.DRIVER
        else _("Organization account")
    )
    return {
        "id": wallet.id,
        "name": wallet.name,
        "owner": owner,
        "balance": money(wallet.balance, wallet.currency, locale),
        "balance_value": money_text(wallet.balance, wallet.currency),
        "minimum": money(wallet.min_balance, wallet.currency, locale),
        "low": wallet.balance <= 0 or wallet.balance < wallet.min_balance,
        "currency": wallet.currency,
    }


async def _drivers(page: Page) -> dict[int, str]:
    if not page.may(Permission.TOKENS_READ):
        return {}
    found = await page.web.services.drivers.search(
        page.principal, PageRequest(MAX_PAGE), DriverFilter()
    )
    return {d.id: d.name or d.email for d in found.items if d.id is not None}


# The list --------------------------------------------------------------------------------


async def _list(
    page: Page,
    values: Mapping[str, str] | None = None,
    errors: Mapping[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    _ = page.web.gettext
    reading = page.web.query(WalletSearch)
    search = reading.data
    found = await page.web.services.wallets.search(
        page.principal, PageRequest(PAGE_SIZE, search.cursor), search.q or None
    )
    drivers = await _drivers(page)
    next_url = ""
    if found.next_cursor is not None:
        next_url = reading.link("/wallets", cursor=found.next_cursor)
    return page.render(
        "wallets/list.html",
        {
            "rows": [wallet_row(page, w, drivers) for w in found.items],
            "search": search.q,
            "next_url": next_url,
            "values": values or {"name": "", "owner": "account", "driver": "", "minimum": ""},
            "errors": errors or {},
            "owners": [("account", _("Organization account")), ("driver", _("Driver"))],
            "drivers": sorted(((str(k), v) for k, v in drivers.items()), key=lambda d: d[1]),
            "notice": _("The wallet is created.") if search.notice == "created" else "",
            "may_manage": page.may(Permission.FINANCE_MANAGE),
        },
        status_code,
    )


@router.get("/wallets")
async def wallets_list(page: SessionsPage) -> Response:
    return await _list(page)


@router.post("/wallets")
async def wallet_create(page: FinancePage) -> Response:
    _ = page.web.gettext
    reading = await page.web.form(WalletForm)
    errors = dict(reading.errors)
    form = reading.data
    if not errors and form.owner is OwnerKind.DRIVER and form.driver is None:
        errors["driver"] = _("Choose one of the drivers.")
    wallet = None
    if not errors and form.owner is not None:
        try:
            wallet = await page.web.services.wallets.create(
                page.principal,
                form.name,
                form.owner,
                form.driver if form.owner is OwnerKind.DRIVER else None,
                form.minimum or Decimal(0),
            )
        except NotFound:
            errors["driver"] = _("Choose one of the drivers.")
        except InvalidInput as error:
            errors[{"min_balance": "minimum", "driver_id": "driver"}.get(error.field, "name")] = _(
                "This value is not accepted."
            )
    if errors or wallet is None:
        return await _list(page, reading.values, errors, 422)
    return redirect(f"/wallets/{wallet.id}?notice=created")


# One wallet ------------------------------------------------------------------------------


class WalletQuery(Fields):
    cursor: Cursor = None
    notice: Annotated[Notice | None, LINK] = None


async def _wallet(page: Page, wallet_id: int) -> Wallet:
    try:
        return await page.web.services.wallets.get(page.principal, wallet_id)
    except NotFound:
        raise WebError(404, page.web.gettext("There is no such wallet.")) from None


async def _detail(
    page: Page,
    wallet: Wallet,
    *,
    form: str = "",
    values: Mapping[str, str] | None = None,
    errors: Mapping[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    _ = page.web.gettext
    services = page.web.services
    assert wallet.id is not None
    query = page.web.query(WalletQuery).data
    zone = await organization_zone(page)
    found = await services.wallets.entries(
        page.principal, PageRequest(PAGE_SIZE, query.cursor), EntryFilter(wallet_id=wallet.id)
    )
    next_url = f"/wallets/{wallet.id}?cursor={found.next_cursor}" if found.next_cursor else ""
    tokens = []
    if page.may(Permission.TOKENS_READ):
        paying = await services.tokens.search(
            page.principal, PageRequest(MAX_PAGE), TokenFilter(wallet_id=wallet.id)
        )
        tokens = [(t.token.id, t.token.value, t.token.label) for t in paying.items]
    notices = {
        "created": _("The wallet is created."),
        "top-up": _("The top-up is recorded."),
        "refund": _("The refund is recorded."),
        "adjustment": _("The adjustment is recorded."),
        "replayed": _("This form was sent before: it was recorded once, not again."),
        "minimum": _("The minimum balance is saved."),
        "token": _("The token now pays from this wallet."),
        "untoken": _("The token no longer pays from this wallet."),
    }
    # A fresh key for each form shown: the same form sent twice is one entry.
    keys = {kind: uuid.uuid4().hex for kind in ("top-up", "refund", "adjustment")}
    if form and values and values.get("key"):
        keys[form] = values["key"]
    blank = {"amount": "", "reason": ""}
    return page.render(
        "wallets/detail.html",
        {
            "wallet": wallet_row(page, wallet, await _drivers(page)),
            "entries": entry_rows(page, found.items, zone),
            "zone": zone,
            "next_url": next_url,
            "tokens": tokens,
            "keys": keys,
            "forms": {
                kind: (values if kind == form and values else blank, errors if kind == form else {})
                for kind in ("top-up", "refund", "adjustment", "minimum", "token")
            },
            "minimum_value": money_text(wallet.min_balance, wallet.currency),
            "notice": notices.get(query.notice or "", ""),
            "may_manage": page.may(Permission.FINANCE_MANAGE),
            "may_tokens": page.may(Permission.TOKENS_READ),
        },
        status_code,
    )


@router.get("/wallets/{wallet_id}")
async def wallet_detail(wallet_id: WalletId, page: SessionsPage) -> Response:
    return await _detail(page, await _wallet(page, wallet_id))


@router.post("/wallets/{wallet_id}/entries/{kind}")
async def wallet_entry(wallet_id: WalletId, kind: str, page: FinancePage) -> Response:
    _ = page.web.gettext
    if kind not in ("top-up", "refund", "adjustment"):
        raise WebError(404, _("There is no such page."))
    wallet = await _wallet(page, wallet_id)
    reading = await page.web.form(EntryForm)
    errors = dict(reading.errors)
    form = reading.data
    if not form.key:
        raise WebError(400, _("This form has expired. Reload the page and try again."))
    if kind == "adjustment" and not form.reason.strip() and "reason" not in errors:
        errors["reason"] = _("Say why: an adjustment needs a reason.")
    posted = None
    if not errors and form.amount is not None:
        service = page.web.services.wallets
        call = {"top-up": service.top_up, "refund": service.refund, "adjustment": service.adjust}
        try:
            posted = await call[kind](
                page.principal, wallet_id, form.amount, form.key, form.reason.strip()
            )
        except InvalidInput as error:
            errors[error.field if error.field in ("amount", "reason") else "amount"] = _entry_words(
                page, error.message, wallet.currency
            )
        except Conflict as error:
            errors["amount"] = (
                _("This form was already used for another entry. Reload the page.")
                if "idempotency" in str(error)
                else _("That would take the balance below zero.")
            )
    if errors or posted is None:
        return await _detail(
            page, wallet, form=kind, values=reading.values, errors=errors, status_code=422
        )
    notice = "replayed" if posted.replayed else kind
    return redirect(f"/wallets/{wallet_id}?notice={notice}")


def _entry_words(page: Page, message: str, currency: str) -> str:
    _ = page.web.gettext
    if "decimals" in message:
        return _("Use at most the decimals %(currency)s has.") % {"currency": currency}
    if "above zero" in message:
        return _("Enter an amount above zero.")
    if "non-zero" in message:
        return _("Enter an amount other than zero (negative takes money out).")
    return _("This value is not accepted.")


@router.post("/wallets/{wallet_id}/minimum")
async def wallet_minimum(wallet_id: WalletId, page: FinancePage) -> Response:
    wallet = await _wallet(page, wallet_id)
    reading = await page.web.form(MinimumForm)
    errors = dict(reading.errors)
    if not errors and reading.data.minimum is not None:
        try:
            await page.web.services.wallets.set_minimum(
                page.principal, wallet_id, reading.data.minimum
            )
        except InvalidInput:
            errors["minimum"] = _entry_words(page, "decimals", wallet.currency)
    if errors:
        return await _detail(
            page, wallet, form="minimum", values=reading.values, errors=errors, status_code=422
        )
    return redirect(f"/wallets/{wallet_id}?notice=minimum")


@router.post("/wallets/{wallet_id}/tokens")
async def wallet_token(wallet_id: WalletId, page: FinancePage) -> Response:
    _ = page.web.gettext
    wallet = await _wallet(page, wallet_id)
    reading = await page.web.form(TokenForm)
    errors = dict(reading.errors)
    if not errors:
        value = reading.data.token
        found = await page.web.services.tokens.search(
            page.principal, PageRequest(MAX_PAGE), TokenFilter(search=value)
        )
        token = next((t.token for t in found.items if t.token.value == value), None)
        if token is None or token.id is None:
            errors["token"] = _("No token has this value.")
        else:
            await page.web.services.wallets.give_token(page.principal, token.id, wallet_id)
    if errors:
        return await _detail(
            page, wallet, form="token", values=reading.values, errors=errors, status_code=422
        )
    return redirect(f"/wallets/{wallet_id}?notice=token#tokens")


@router.post("/wallets/{wallet_id}/tokens/{token_id}/remove")
async def wallet_untoken(wallet_id: WalletId, token_id: TokenId, page: FinancePage) -> Response:
    await _wallet(page, wallet_id)
    try:
        await page.web.services.wallets.give_token(page.principal, token_id, None)
    except NotFound:
        raise WebError(404, page.web.gettext("There is no such token.")) from None
    return redirect(f"/wallets/{wallet_id}?notice=untoken#tokens")
