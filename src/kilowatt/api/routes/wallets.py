"""Prepaid wallets, their ledger (the transaction records), and prepaid tokens."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from fastapi import APIRouter, Header, Query, Response
from fastapi.responses import StreamingResponse

from kilowatt.api.deps import FinanceManage, PageDep, ServicesDep, SessionsRead
from kilowatt.api.schemas.common import AwareDatetime, Id, Page
from kilowatt.api.schemas.wallets import (
    AdjustmentIn,
    EntryIn,
    EntryOut,
    PostedOut,
    TokenWalletIn,
    WalletIn,
    WalletOut,
    WalletPatch,
)
from kilowatt.domain.wallets import EntryKind
from kilowatt.services.ports import EntryFilter, EntryRow
from kilowatt.services.wallets import Posted

router = APIRouter(prefix="/wallets", tags=["wallets"])
entries = APIRouter(prefix="/wallet-entries", tags=["wallets"])
tokens = APIRouter(prefix="/tokens", tags=["wallets"])

IdempotencyKey = Annotated[
    str,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=200,
        description="Your key for this entry: the same key again answers the first entry "
        "(replayed: true) and adds nothing.",
    ),
]


def _posted(posted: Posted, response: Response) -> PostedOut:
    if posted.replayed:
        response.status_code = 200
    wallet = posted.wallet
    return PostedOut(
        entry=EntryOut.of(EntryRow(posted.entry, wallet.name, wallet.currency)),
        wallet=WalletOut.of(wallet),
        replayed=posted.replayed,
    )


@router.get("", response_model=Page[WalletOut])
async def list_wallets(
    services: ServicesDep,
    principal: SessionsRead,
    page: PageDep,
    q: Annotated[str | None, Query(max_length=100)] = None,
) -> Page[WalletOut]:
    found = await services.wallets.search(principal, page, q)
    return Page.of(found.items, found.next_cursor, WalletOut.of)


@router.post("", response_model=WalletOut, status_code=201, responses={404: {}, 422: {}})
async def create_wallet(
    body: WalletIn, services: ServicesDep, principal: FinanceManage
) -> WalletOut:
    """A prepaid wallet of a driver or of an organization account (a fleet, an employer)."""
    made = await services.wallets.create(
        principal,
        body.name,
        body.owner_kind,
        body.driver_id,
        Decimal(body.min_balance),
        body.currency,
    )
    return WalletOut.of(made)


@router.get("/{wallet_id}", response_model=WalletOut)
async def get_wallet(wallet_id: Id, services: ServicesDep, principal: SessionsRead) -> WalletOut:
    return WalletOut.of(await services.wallets.get(principal, wallet_id))


@router.patch("/{wallet_id}", response_model=WalletOut)
async def update_wallet(
    wallet_id: Id, body: WalletPatch, services: ServicesDep, principal: FinanceManage
) -> WalletOut:
    """The minimum balance below which its prepaid tokens are refused (2.0.1 NoCredit)."""
    wallet = await services.wallets.set_minimum(principal, wallet_id, Decimal(body.min_balance))
    return WalletOut.of(wallet)


@router.post("/{wallet_id}/top-ups", response_model=PostedOut, status_code=201)
async def top_up(
    wallet_id: Id,
    body: EntryIn,
    key: IdempotencyKey,
    response: Response,
    services: ServicesDep,
    principal: FinanceManage,
) -> PostedOut:
    """Add money to the wallet. 201 with the new entry; 200 with the first entry when the
    Idempotency-Key was used already for the same top-up; 409 when it was used for another."""
    posted = await services.wallets.top_up(
        principal, wallet_id, Decimal(body.amount), key, body.reason
    )
    return _posted(posted, response)


@router.post("/{wallet_id}/refunds", response_model=PostedOut, status_code=201)
async def refund(
    wallet_id: Id,
    body: EntryIn,
    key: IdempotencyKey,
    response: Response,
    services: ServicesDep,
    principal: FinanceManage,
) -> PostedOut:
    """Give money back out of the wallet (never more than its balance: 409)."""
    posted = await services.wallets.refund(
        principal, wallet_id, Decimal(body.amount), key, body.reason
    )
    return _posted(posted, response)


@router.post("/{wallet_id}/adjustments", response_model=PostedOut, status_code=201)
async def adjust(
    wallet_id: Id,
    body: AdjustmentIn,
    key: IdempotencyKey,
    response: Response,
    services: ServicesDep,
    principal: FinanceManage,
) -> PostedOut:
    """A correction, either sign, with its reason (never below zero: 409)."""
    posted = await services.wallets.adjust(
        principal, wallet_id, Decimal(body.amount), key, body.reason
    )
    return _posted(posted, response)


def _filter(
    wallet_id: int | None,
    kind: list[EntryKind] | None,
    since: AwareDatetime | None,
    until: AwareDatetime | None,
) -> EntryFilter:
    return EntryFilter(wallet_id, tuple(kind or ()), since, until)


@entries.get("", response_model=Page[EntryOut])
async def list_entries(
    services: ServicesDep,
    principal: SessionsRead,
    page: PageDep,
    wallet_id: Id | None = None,
    kind: Annotated[list[EntryKind] | None, Query()] = None,
    since: Annotated[AwareDatetime | None, Query(alias="from")] = None,
    until: Annotated[AwareDatetime | None, Query(alias="to")] = None,
) -> Page[EntryOut]:
    """The transaction records: every top-up, charging deduction, refund and adjustment,
    newest first."""
    found = await services.wallets.entries(principal, page, _filter(wallet_id, kind, since, until))
    return Page.of(found.items, found.next_cursor, EntryOut.of)


@entries.get("/export", responses={200: {"content": {"text/csv": {}}}})
async def export_entries(
    services: ServicesDep,
    principal: SessionsRead,
    format: Literal["csv", "xlsx"] = "csv",
    wallet_id: Id | None = None,
    kind: Annotated[list[EntryKind] | None, Query()] = None,
    since: Annotated[AwareDatetime | None, Query(alias="from")] = None,
    until: Annotated[AwareDatetime | None, Query(alias="to")] = None,
) -> Response:
    """The transaction records as CSV or XLSX, oldest first."""
    where = _filter(wallet_id, kind, since, until)
    if format == "xlsx":
        content = await services.wallets.entries_xlsx(principal, where)
        return Response(
            content,
            media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            headers={"Content-Disposition": 'attachment; filename="wallet-entries.xlsx"'},
        )
    content = await services.wallets.entries_csv(principal, where)
    return StreamingResponse(
        iter([content]),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="wallet-entries.csv"'},
    )


@tokens.put("/{token_id}/wallet", status_code=204, responses={404: {}})
async def set_token_wallet(
    token_id: Id, body: TokenWalletIn, services: ServicesDep, principal: FinanceManage
) -> Response:
    """Make a token prepaid from a wallet (or, with null, no longer prepaid)."""
    await services.wallets.give_token(principal, token_id, body.wallet_id)
    return Response(status_code=204)
