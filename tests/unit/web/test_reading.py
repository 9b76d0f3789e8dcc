"""The dashboard's routes read their query strings and forms through the web kit's typed
models (web/kit/forms.py) only: none declares a query or body parameter of its own, and no
module of the dashboard reads the request's query string or form by hand."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from kilowatt.web.operator.routes import router

OPERATOR = Path(__file__).resolve().parents[3] / "src" / "kilowatt" / "web" / "operator"
BY_HAND = ("query_params", "request.form(", "getlist(", "form.get(", "request.body", "request.json")


def _routes(routes: Sequence[Any]) -> Iterator[APIRoute]:
    """Every route, also of the routers included (which FastAPI keeps as they are)."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        elif hasattr(route, "original_router"):
            yield from _routes(route.original_router.routes)


def _parameters(dependant: Dependant) -> list[str]:
    found = [p.name for p in (*dependant.query_params, *dependant.body_params)]
    for sub in dependant.dependencies:
        found += _parameters(sub)
    return found


def test_no_route_declares_query_or_form_parameters_of_its_own() -> None:
    routes = list(_routes(router.routes))
    assert len(routes) > 40
    declared = {
        f"{sorted(r.methods)} {r.path}": names
        for r in routes
        if (names := _parameters(r.dependant))
    }
    assert declared == {}


def test_no_module_of_the_dashboard_reads_the_request_by_hand() -> None:
    modules = sorted(OPERATOR.rglob("*.py"))
    assert len(modules) > 20
    found = [
        f"{path.relative_to(OPERATOR)}: {word}"
        for path in modules
        for word in BY_HAND
        if word in path.read_text()
    ]
    assert found == []
