"""Static files of the web apps: ours (each app's static/ folder and the kit's, all under
/static) and the front-end libraries that `npm ci` installs at build time (never copied into
the repository), served under /static/vendor by an explicit list, so that nothing else of
node_modules is reachable."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from fastapi import FastAPI
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response
from starlette.staticfiles import StaticFiles

VENDOR: dict[str, str] = {
    "htmx.min.js": "htmx.org/dist/htmx.min.js",
    "htmx-sse.js": "htmx-ext-sse/sse.js",
    "chart.umd.min.js": "chart.js/dist/chart.umd.min.js",
    "leaflet.js": "leaflet/dist/leaflet.js",
    "leaflet.css": "leaflet/dist/leaflet.css",
    "images/marker-icon.png": "leaflet/dist/images/marker-icon.png",
    "images/marker-icon-2x.png": "leaflet/dist/images/marker-icon-2x.png",
    "images/marker-shadow.png": "leaflet/dist/images/marker-shadow.png",
    "images/layers.png": "leaflet/dist/images/layers.png",
    "images/layers-2x.png": "leaflet/dist/images/layers-2x.png",
    "swagger-ui-bundle.js": "swagger-ui-dist/swagger-ui-bundle.js",
    "swagger-ui.css": "swagger-ui-dist/swagger-ui.css",
}
"""URL name under /static/vendor → file under node_modules."""

CACHE = "public, max-age=86400"


def node_modules(configured: str) -> Path:
    """The node_modules `npm ci` filled: the configured one, else the one beside the source tree
    (an editable install or a checkout), else the working directory's."""
    if configured:
        return Path(configured)
    beside_source = Path(__file__).resolve().parents[4] / "node_modules"
    if beside_source.is_dir():
        return beside_source
    return Path.cwd() / "node_modules"


def install(app: FastAPI, assets_dir: str, apps: Sequence[str]) -> None:
    """Serve /static from the static/ folders of the ``apps`` (their packages' names), then
    the kit's, the first that has a file winning; and the front-end libraries."""
    root = node_modules(assets_dir)

    async def vendor(request: Request) -> Response:
        name = request.path_params["name"]
        relative = VENDOR.get(name)
        if relative is None:
            raise HTTPException(404, f"no front-end file {name!r}")
        path = root / relative
        if not path.is_file():
            raise HTTPException(
                404, f"{relative} is missing from {root}: run `make install` (npm ci)"
            )
        return FileResponse(path, headers={"Cache-Control": CACHE})

    async def favicon(request: Request) -> Response:
        """What browsers ask for on their own (for a JSON answer or a file, say)."""
        return RedirectResponse("/static/favicon.svg", status_code=301)

    app.add_route("/static/vendor/{name:path}", vendor, methods=["GET", "HEAD"])
    app.add_route("/favicon.ico", favicon, methods=["GET", "HEAD"])
    folders: list[str | tuple[str, str]] = [
        (package, "static") for package in (*apps, __package__ or "kilowatt.web.kit")
    ]
    app.mount("/static", StaticFiles(packages=folders), name="static")
