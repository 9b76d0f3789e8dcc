"""The web apps on the shared kit (web/kit): the operator dashboard (web/operator)."""

from __future__ import annotations

from fastapi import FastAPI

from kilowatt.web import operator
from kilowatt.web.kit import assets
from kilowatt.web.kit.frame import install_error_pages, install_not_found_page
from kilowatt.web.kit.timing import ServerTiming

__all__ = ["install"]


def install(app: FastAPI, assets_dir: str = "") -> None:
    """Mount the apps' pages, their error pages, their static files and the front-end
    libraries."""
    operator.install(app)
    install_error_pages(app, [("/", operator.TEMPLATES)])
    install_not_found_page(app, [("/", operator.TEMPLATES)])
    app.add_middleware(ServerTiming)
    assets.install(app, assets_dir, [operator.__name__])
