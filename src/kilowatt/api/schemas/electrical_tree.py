"""A site's electrical tree over the API: the grid connection's limit per phase, its panels and
circuits (each named by a key of the operator's choosing), the station each hangs on."""

from __future__ import annotations

from pydantic import Field

from kilowatt.api.schemas.common import Schema
from kilowatt.domain.electrical_tree import MAX_CURRENT_A, MAX_KEY, MAX_NAME, CircuitKind


class CircuitIn(Schema):
    key: str = Field(
        min_length=1, max_length=MAX_KEY, description="Names it in the site (parents, stations)."
    )
    name: str = Field(min_length=1, max_length=MAX_NAME)
    kind: CircuitKind = CircuitKind.CIRCUIT
    parent: str | None = Field(
        default=None, description="The key of the panel or circuit it hangs on; none: the grid."
    )
    max_current_a: float | None = Field(
        default=None, gt=0, le=MAX_CURRENT_A, description="Its limit in amperes per phase."
    )
    max_power_w: int | None = Field(
        default=None, gt=0, le=10**9, description="Its limit in W over its phases together."
    )


class ElectricalTreeIn(Schema):
    max_current_a: float | None = Field(
        default=None,
        gt=0,
        le=MAX_CURRENT_A,
        description="The grid connection's limit in amperes per phase (its capacity in W is "
        "the load settings' capacity_w).",
    )
    circuits: list[CircuitIn] = Field(default_factory=list, max_length=500)
    stations: dict[str, str] = Field(
        default_factory=dict,
        description="Station (OCPP identity) → the key of its circuit; a station left out "
        "hangs directly under the grid connection.",
    )


class CircuitLoadOut(Schema):
    sessions: int = Field(description="Sessions below it (on it or on a circuit below it).")
    limits_a: list[float] = Field(description="The sum of their limits in force on L1, L2, L3.")
    limits_w: int


class CircuitOut(CircuitIn):
    depth: int
    load: CircuitLoadOut


class NoteOut(Schema):
    field: str
    message: str


class ElectricalTreeOut(Schema):
    site_id: int
    capacity_w: int | None = Field(description="The grid connection's capacity in W.")
    max_current_a: float | None
    circuits: list[CircuitOut]
    stations: dict[str, str]
    unassigned: list[str] = Field(description="The site's stations on no circuit.")
    notes: list[NoteOut] = Field(
        description="What is allowed but worth a look (a circuit's limit above its parent's)."
    )
