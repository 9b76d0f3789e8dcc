"""Dashboard pages: charge orders (/charge-orders): a session started remotely and stopped at
a limit of minutes, money or kWh; the list with a form to order one, each order's progress,
and a force stop."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import Field
from starlette.responses import Response

from kilowatt.domain.charge_orders import ChargeOrder, LimitKind, OrderOutcome, OrderState
from kilowatt.domain.errors import Conflict, InvalidInput, NotFound, StationOffline
from kilowatt.domain.money import money_text, plain
from kilowatt.domain.paging import PageRequest
from kilowatt.domain.permissions import Permission
from kilowatt.services.charge_orders import OrderRequest
from kilowatt.web.kit.context import WebError, path_id
from kilowatt.web.kit.forms import INTEGER, REQUIRED, Cursor, Fields, Gettext, Says
from kilowatt.web.kit.frame import redirect
from kilowatt.web.kit.i18n import N_
from kilowatt.web.operator.context import Page, SessionsPage, page_for

router = APIRouter()

OrderPage = Annotated[Page, Depends(page_for(Permission.SESSIONS_READ, Permission.COMMANDS_SEND))]
OrderId = Annotated[int, Depends(path_id("order_id", N_("There is no such charge order.")))]
PAGE_SIZE = 50


class OrderList(Fields):
    cursor: Cursor = None


class OrderForm(Fields):
    station: Annotated[
        str,
        Field(min_length=1, max_length=64),
        REQUIRED,
        Says(N_("Enter the station's OCPP identity.")),
    ] = ""
    evse_id: Annotated[
        int | None,
        Field(ge=1, le=INTEGER),
        REQUIRED,
        Says(N_("Enter the connector's number, 1 or more.")),
    ] = None
    id_tag: Annotated[
        str,
        Field(min_length=1, max_length=64),
        REQUIRED,
        Says(N_("Enter the token to charge to.")),
    ] = ""
    limit_kind: Annotated[LimitKind | None, REQUIRED, Says(N_("Choose minutes, money or kWh."))] = (
        None
    )
    limit: Annotated[
        Decimal | None,
        Field(gt=0, allow_inf_nan=False),
        REQUIRED,
        Says(N_("Enter a limit above zero.")),
    ] = None


@dataclass(frozen=True, slots=True)
class OrderRow:
    """A charge order in words."""

    id: int
    station: str
    evse_id: int
    id_tag: str
    limit: str
    used: str
    percent: int
    state: str
    state_key: str
    outcome: str
    cost: str
    transaction_id: int | None
    open: bool
    stopping: bool
    error: str

    @classmethod
    def of(cls, order: ChargeOrder, _: Gettext) -> OrderRow:
        assert order.id is not None
        units = {
            LimitKind.MINUTES: _("%(amount)s min"),
            LimitKind.MONEY: _("%(amount)s (in the tariff's currency)"),
            LimitKind.ENERGY: _("%(amount)s kWh"),
        }
        unit = units[order.limit_kind]
        states = {
            OrderState.STARTING: _("Starting"),
            OrderState.RUNNING: _("Charging"),
            OrderState.STOPPING: _("Stopping"),
            OrderState.COMPLETED: _("Completed"),
            OrderState.FAILED: _("Not started"),
        }
        outcomes = {
            OrderOutcome.LIMIT_REACHED: _("The limit was reached"),
            OrderOutcome.FORCE_STOPPED: _("Stopped by an operator"),
            OrderOutcome.ENDED_AT_STATION: _("Ended at the station before the limit"),
            OrderOutcome.NOT_STARTED: _("No session began"),
        }
        used = order.used.quantize(Decimal("0.01"))
        cost = ""
        if order.cost is not None and order.currency is not None:
            cost = f"{money_text(order.cost, order.currency)} {order.currency}"
        return cls(
            id=order.id,
            station=order.station_ocpp_id,
            evse_id=order.evse_id,
            id_tag=order.id_tag,
            limit=unit % {"amount": plain(order.limit)},
            used=unit % {"amount": plain(used)},
            percent=int(order.progress * 100),
            state=states[order.state],
            state_key=order.state.value,
            outcome=outcomes[order.outcome] if order.outcome else "",
            cost=cost,
            transaction_id=order.transaction_id,
            open=order.state.is_open,
            stopping=order.state is OrderState.STOPPING,
            error=order.error,
        )


def _kinds(_: Gettext) -> list[tuple[str, str]]:
    return [
        (LimitKind.ENERGY.value, _("Energy (kWh)")),
        (LimitKind.MONEY.value, _("Money (the tariff's currency, VAT included)")),
        (LimitKind.MINUTES.value, _("Time (minutes)")),
    ]


async def _list_page(
    page: Page,
    *,
    values: Mapping[str, object] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    _ = page.web.gettext
    reading = page.web.query(OrderList)
    found = await page.web.services.charge_orders.search(
        page.principal, PageRequest(limit=PAGE_SIZE, cursor=reading.data.cursor)
    )
    next_url = ""
    if found.next_cursor is not None:
        next_url = reading.link("/charge-orders", cursor=found.next_cursor)
    return page.render(
        "charge_orders/list.html",
        {
            "rows": [OrderRow.of(o, _) for o in found.items],
            "next_url": next_url,
            "kinds": _kinds(_),
            "values": values
            or {"station": "", "evse_id": "1", "id_tag": "", "limit_kind": "energy", "limit": ""},
            "errors": {**reading.errors, **(errors or {})},
        },
        status_code,
    )


@router.get("/charge-orders")
async def orders_list(page: SessionsPage) -> Response:
    return await _list_page(page)


@router.post("/charge-orders")
async def orders_create(page: OrderPage) -> Response:
    _ = page.web.gettext
    reading = await page.web.form(OrderForm)
    form = reading.data
    errors = dict(reading.errors)
    if not errors:
        assert form.evse_id is not None
        assert form.limit_kind is not None
        assert form.limit is not None
        try:
            order = await page.web.services.charge_orders.create(
                page.principal,
                OrderRequest(
                    ocpp_id=form.station,
                    evse_id=form.evse_id,
                    limit_kind=form.limit_kind,
                    limit=form.limit,
                    id_tag=form.id_tag,
                ),
            )
        except NotFound:
            errors = {"station": _("There is no such station.")}
        except StationOffline:
            errors = {"station": _("The station is not connected.")}
        except (InvalidInput, Conflict) as error:
            field = getattr(error, "field", "id_tag")
            if field not in OrderForm.model_fields:
                field = "id_tag"
            messages = {
                "limit": _("Enter a limit within bounds (whole minutes for time)."),
                "id_tag": _("This token may not charge at this station now."),
                "evse_id": _("Enter the connector's number, 1 or more."),
            }
            errors = {field: messages.get(field, _("Check this value."))}
        else:
            return redirect(f"/charge-orders/{order.id}")
    return await _list_page(page, values=reading.values, errors=errors, status_code=422)


async def _order(page: Page, order_id: int) -> ChargeOrder:
    try:
        return await page.web.services.charge_orders.get(page.principal, order_id)
    except NotFound:
        raise WebError(404, page.web.gettext("There is no such charge order.")) from None


@router.get("/charge-orders/{order_id}")
async def order_detail(order_id: OrderId, page: SessionsPage) -> Response:
    order = await _order(page, order_id)
    return page.render("charge_orders/detail.html", {"order": OrderRow.of(order, page.web.gettext)})


@router.post("/charge-orders/{order_id}/stop")
async def order_stop(order_id: OrderId, page: OrderPage) -> Response:
    await _order(page, order_id)
    try:
        await page.web.services.charge_orders.stop(page.principal, order_id)
    except InvalidInput:
        raise WebError(422, page.web.gettext("This charge order has already ended.")) from None
    return redirect(f"/charge-orders/{order_id}")
