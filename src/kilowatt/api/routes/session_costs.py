"""Live cost: what a running session has cost so far."""

from __future__ import annotations

from fastapi import APIRouter

from kilowatt.api.deps import ServicesDep, SessionsRead
from kilowatt.api.schemas.common import Id
from kilowatt.api.schemas.session_costs import CostOut

router = APIRouter(prefix="/transactions", tags=["cdrs"])


@router.get("/{transaction_id}/cost", response_model=CostOut)
async def cost_of_session(
    transaction_id: Id, services: ServicesDep, principal: SessionsRead
) -> CostOut:
    """The running session's cost so far, priced as its meter values arrive (``running``
    false once it has ended: its CDR says what it cost). Any node answers: the one holding the
    station's connection from memory, another by pricing the readings stored so far."""
    cost = await services.session_costs.get(principal, transaction_id)
    return CostOut.of(transaction_id, cost)
