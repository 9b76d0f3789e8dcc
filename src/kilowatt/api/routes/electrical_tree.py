"""A site's electrical tree: /sites/{id}/circuits, read and replaced as a whole."""

from __future__ import annotations

from fastapi import APIRouter

from kilowatt.api.deps import AssetsRead, AssetsWrite, ServicesDep
from kilowatt.api.schemas.common import Id
from kilowatt.api.schemas.electrical_tree import (
    CircuitLoadOut,
    CircuitOut,
    ElectricalTreeIn,
    ElectricalTreeOut,
    NoteOut,
)
from kilowatt.domain.electrical_tree import Circuit, ElectricalTree
from kilowatt.services.electrical_tree import TreeView

router = APIRouter(prefix="/sites", tags=["load management"])


def tree_out(view: TreeView) -> ElectricalTreeOut:
    assert view.site.id is not None
    return ElectricalTreeOut(
        site_id=view.site.id,
        capacity_w=view.site.grid_capacity_w,
        max_current_a=view.tree.max_current_a,
        circuits=[
            CircuitOut(
                key=node.circuit.key,
                name=node.circuit.name,
                kind=node.circuit.kind,
                parent=node.circuit.parent,
                max_current_a=node.circuit.max_current_a,
                max_power_w=node.circuit.max_power_w,
                depth=node.depth,
                load=CircuitLoadOut(
                    sessions=node.sessions, limits_a=list(node.limits_a), limits_w=node.limits_w
                ),
            )
            for node in view.circuits
        ],
        stations=dict(view.tree.stations),
        unassigned=[s for s in view.stations if s not in view.tree.stations],
        notes=[NoteOut(field=n.field, message=n.message) for n in view.notes],
    )


@router.get("/{site_id}/circuits", response_model=ElectricalTreeOut)
async def get_circuits(
    site_id: Id, services: ServicesDep, principal: AssetsRead
) -> ElectricalTreeOut:
    return tree_out(await services.electrical_tree.view(principal, site_id))


@router.put("/{site_id}/circuits", response_model=ElectricalTreeOut)
async def set_circuits(
    site_id: Id, body: ElectricalTreeIn, services: ServicesDep, principal: AssetsWrite
) -> ElectricalTreeOut:
    """Replace the site's tree: 422 naming the field for a cycle (``circuits.2.parent``), an
    unknown parent, a station of another site (``stations.CP-9``), a limit at or below 0; a
    circuit's limit above its parent's is kept, with a note."""
    tree = ElectricalTree(
        max_current_a=body.max_current_a,
        circuits=tuple(Circuit(**c.model_dump()) for c in body.circuits),
        stations=body.stations,
    )
    services_ = services.electrical_tree
    await services_.replace(principal, site_id, tree)
    return tree_out(await services_.view(principal, site_id))
