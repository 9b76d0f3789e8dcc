"""A site's electrical tree on the dashboard (/sites/{id}/circuits): its panels and circuits
with each one's limit against the limits of the sessions below it (the load panel embeds that
table), and the forms to add, change and delete them, to set the grid connection's limit per
phase, to put a station on a circuit, and to import the whole tree from a CSV or Excel file.
Every change goes through the service's whole-tree replace: checked, audited, and followed by
a load management pass."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter
from pydantic import Field
from starlette.responses import Response

from kilowatt.domain.circuit_imports import COLUMNS, CircuitImportRefused
from kilowatt.domain.electrical_tree import (
    MAX_CURRENT_A,
    MAX_KEY,
    MAX_NAME,
    Circuit,
    CircuitKind,
    ElectricalTree,
)
from kilowatt.domain.errors import InvalidInput, NotFound
from kilowatt.domain.token_imports import MAX_BYTES
from kilowatt.services.electrical_tree import TreeView
from kilowatt.web.kit.forms import REQUIRED, Fields, Number, Says, Upload
from kilowatt.web.kit.frame import redirect
from kilowatt.web.kit.i18n import N_
from kilowatt.web.operator.context import AssetsPage, Page
from kilowatt.web.operator.paths import SiteId
from kilowatt.web.operator.routes.assets.common import Kilowatts, WritePage, kw, not_found, watts

router = APIRouter()

Amperes = Annotated[
    Number,
    Field(gt=0, le=MAX_CURRENT_A, decimal_places=1),
    Says(N_("Enter a current above 0 A, to a tenth of an ampere.")),
]


class CircuitForm(Fields):
    editing: Annotated[str, Field(max_length=MAX_KEY)] = ""
    """The key of the panel or circuit being changed ("": a new one)."""
    key: Annotated[str, REQUIRED, Field(max_length=MAX_KEY)] = ""
    name: Annotated[str, REQUIRED, Field(max_length=MAX_NAME)] = ""
    kind: Annotated[CircuitKind, Says(N_("Choose one of the options."))] = CircuitKind.CIRCUIT
    parent: Annotated[str, Field(max_length=MAX_KEY)] = ""
    max_current_a: Amperes = None
    max_power_kw: Kilowatts = None


class DeleteForm(Fields):
    key: Annotated[str, REQUIRED, Field(max_length=MAX_KEY)] = ""


class GridForm(Fields):
    grid_current_a: Amperes = None


class StationForm(Fields):
    station: Annotated[str, REQUIRED, Field(max_length=48)] = ""
    circuit: Annotated[str, Field(max_length=MAX_KEY)] = ""


class TreeFileForm(Fields):
    file: Annotated[Upload, REQUIRED, Says(N_("Choose a .csv or .xlsx file to import."))] = None


class EditQuery(Fields):
    edit: Annotated[str, Field(max_length=MAX_KEY)] = ""
    notice: Annotated[str, Field(max_length=40)] = ""


def _amps(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


def _values_of(circuit: Circuit | None) -> dict[str, str]:
    if circuit is None:
        return {"kind": CircuitKind.CIRCUIT.value}
    return {
        "editing": circuit.key,
        "key": circuit.key,
        "name": circuit.name,
        "kind": circuit.kind.value,
        "parent": circuit.parent or "",
        "max_current_a": _amps(circuit.max_current_a),
        "max_power_kw": kw(circuit.max_power_w),
    }


async def _view(page: Page, site_id: int) -> TreeView:
    try:
        return await page.web.services.electrical_tree.view(page.principal, site_id)
    except NotFound as error:
        raise not_found(page, error) from error


def _render(
    page: Page,
    view: TreeView,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
    notice: str = "",
    problems: list[Any] | None = None,
) -> Response:
    _ = page.web.gettext
    noted = {int(n.field.split(".")[1]) for n in view.notes if n.field.startswith("circuits.")}
    context: dict[str, Any] = {
        "site": view.site,
        "view": view,
        "values": values if values is not None else _values_of(None),
        "errors": errors or {},
        "noted": {view.tree.circuits[i].key for i in noted},
        "kinds": [(CircuitKind.PANEL.value, _("Panel")), (CircuitKind.CIRCUIT.value, _("Circuit"))],
        "kind_words": {CircuitKind.PANEL: _("Panel"), CircuitKind.CIRCUIT: _("Circuit")},
        "parents": [("", _("The grid connection"))]
        + [(c.key, f"{c.name} ({c.key})") for c in view.tree.circuits],
        "notice": {
            "saved": _("The electrical tree is saved."),
            "deleted": _("The panel or circuit was deleted."),
            "imported": _("The file was imported: it is the site's electrical tree now."),
        }.get(notice, ""),
        "problems": problems or [],
        "columns": [c.header for c in COLUMNS],
        "max_mb": MAX_BYTES // (1024 * 1024),
        "grid_value": _amps(view.tree.max_current_a),
    }
    return page.render("loads/circuits.html", context, status_code)


@router.get("/sites/{site_id}/circuits")
async def circuits_page(page: AssetsPage, site_id: SiteId) -> Response:
    query = page.web.query(EditQuery).data
    view = await _view(page, site_id)
    editing = view.tree.by_key().get(query.edit)
    return _render(page, view, values=_values_of(editing), notice=query.notice)


async def _replace(page: Page, site_id: int, tree: ElectricalTree) -> InvalidInput | None:
    try:
        await page.web.services.electrical_tree.replace(page.principal, site_id, tree)
    except InvalidInput as error:
        return error
    except NotFound as error:
        raise not_found(page, error) from error
    return None


def _message(page: Page, error: InvalidInput) -> tuple[str, str]:
    """The form field an error of the tree is about, and what to say beside it."""
    _ = page.web.gettext
    field = error.field.rsplit(".", 1)[-1]
    if field == "parent" and "cycle" in error.message:
        return "parent", _("That parent is below this one: a circuit cannot feed itself.")
    words = {
        "parent": _("Choose a panel or circuit of this site."),
        "key": _("Another panel or circuit has this key."),
        "name": _("Fill in this field."),
        "max_current_a": _("Enter a current above 0 A, to a tenth of an ampere."),
        "max_power_w": _("Enter a positive power in kW."),
        "circuits": _("A site has at most 500 panels and circuits."),
    }
    return {"max_power_w": "max_power_kw"}.get(field, field), words.get(
        field, _("Enter a valid value.")
    )


@router.post("/sites/{site_id}/circuits")
async def save_circuit(page: WritePage, site_id: SiteId) -> Response:
    _ = page.web.gettext
    reading = await page.web.form(CircuitForm)
    errors = dict(reading.errors)
    form = reading.data
    view = await _view(page, site_id)
    tree = view.tree
    circuits = list(tree.circuits)
    keys = [c.key for c in circuits]
    at = keys.index(form.editing) if form.editing in keys else None
    if not errors and form.key in keys and keys.index(form.key) != at:
        errors["key"] = _("Another panel or circuit has this key.")
    if errors:
        return _render(page, view, values=reading.values, errors=errors, status_code=422)
    made = Circuit(
        key=form.key,
        name=form.name,
        kind=form.kind,
        parent=form.parent or None,
        max_current_a=float(form.max_current_a) if form.max_current_a is not None else None,
        max_power_w=watts(form.max_power_kw),
    )
    stations = dict(tree.stations)
    if at is None:
        circuits.append(made)
        at = len(circuits) - 1
    else:
        old = circuits[at].key
        circuits[at] = made
        if old != made.key:  # renamed: its children and stations follow it
            circuits = [_reparent(c, made.key) if c.parent == old else c for c in circuits]
            stations = {s: made.key if k == old else k for s, k in stations.items()}
    changed = ElectricalTree(
        max_current_a=tree.max_current_a, circuits=tuple(circuits), stations=stations
    )
    refused = await _replace(page, site_id, changed)
    if refused is not None:
        field, message = _message(page, refused)
        return _render(page, view, values=reading.values, errors={field: message}, status_code=422)
    return redirect(f"/sites/{site_id}/circuits?notice=saved")


def _reparent(circuit: Circuit, parent: str) -> Circuit:
    return Circuit(
        key=circuit.key,
        name=circuit.name,
        kind=circuit.kind,
        parent=parent,
        max_current_a=circuit.max_current_a,
        max_power_w=circuit.max_power_w,
    )


@router.post("/sites/{site_id}/circuits/delete")
async def delete_circuit(page: WritePage, site_id: SiteId) -> Response:
    _ = page.web.gettext
    form = (await page.web.form(DeleteForm)).data
    view = await _view(page, site_id)
    tree = view.tree
    if form.key not in tree.by_key():
        return redirect(f"/sites/{site_id}/circuits")
    if any(c.parent == form.key for c in tree.circuits):
        errors = {"delete": _("It feeds other panels or circuits: move or delete them first.")}
        return _render(page, view, errors=errors, status_code=422)
    changed = ElectricalTree(
        max_current_a=tree.max_current_a,
        circuits=tuple(c for c in tree.circuits if c.key != form.key),
        stations={s: k for s, k in tree.stations.items() if k != form.key},
    )
    refused = await _replace(page, site_id, changed)
    if refused is not None:
        _, message = _message(page, refused)
        return _render(page, view, errors={"delete": message}, status_code=422)
    return redirect(f"/sites/{site_id}/circuits?notice=deleted")


@router.post("/sites/{site_id}/circuits/grid")
async def save_grid(page: WritePage, site_id: SiteId) -> Response:
    reading = await page.web.form(GridForm)
    view = await _view(page, site_id)
    if reading.errors:
        return _render(page, view, errors=dict(reading.errors), status_code=422)
    tree = view.tree
    amps: Decimal | None = reading.data.grid_current_a
    changed = ElectricalTree(
        max_current_a=float(amps) if amps is not None else None,
        circuits=tree.circuits,
        stations=tree.stations,
    )
    refused = await _replace(page, site_id, changed)
    if refused is not None:
        _, message = _message(page, refused)
        return _render(page, view, errors={"grid_current_a": message}, status_code=422)
    return redirect(f"/sites/{site_id}/circuits?notice=saved")


@router.post("/sites/{site_id}/circuits/stations")
async def assign_station(page: WritePage, site_id: SiteId) -> Response:
    _ = page.web.gettext
    reading = await page.web.form(StationForm)
    form = reading.data
    view = await _view(page, site_id)
    tree = view.tree
    errors = dict(reading.errors)
    if not errors and form.station not in view.stations:
        errors["station"] = _("There is no such station at this site.")
    if not errors and form.circuit and form.circuit not in tree.by_key():
        errors["circuit"] = _("Choose a panel or circuit of this site.")
    if errors:
        errors = {f"{k}-{form.station}": v for k, v in errors.items()}
        return _render(page, view, errors=errors, status_code=422)
    stations = {s: k for s, k in tree.stations.items() if s != form.station}
    if form.circuit:
        stations[form.station] = form.circuit
    changed = ElectricalTree(
        max_current_a=tree.max_current_a, circuits=tree.circuits, stations=stations
    )
    refused = await _replace(page, site_id, changed)
    if refused is not None:
        _, message = _message(page, refused)
        return _render(page, view, errors={f"circuit-{form.station}": message}, status_code=422)
    return redirect(f"/sites/{site_id}/circuits?notice=saved")


@router.post("/sites/{site_id}/circuits/import")
async def import_tree(page: WritePage, site_id: SiteId) -> Response:
    reading = await page.web.form(TreeFileForm)
    upload = reading.data.file
    if upload is None:
        view = await _view(page, site_id)
        return _render(page, view, errors={"file": reading.errors["file"]}, status_code=422)
    content = await upload.read(MAX_BYTES + 1)
    try:
        await page.web.services.electrical_tree.import_tree(
            page.principal, site_id, content, upload.filename or ""
        )
    except CircuitImportRefused as refused:
        view = await _view(page, site_id)
        return _render(page, view, problems=refused.problems, status_code=422)
    except NotFound as error:
        raise not_found(page, error) from error
    return redirect(f"/sites/{site_id}/circuits?notice=imported")
