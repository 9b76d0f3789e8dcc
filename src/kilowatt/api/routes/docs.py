"""The API's interactive documentation at /api/docs: Swagger UI from the npm package
``swagger-ui-dist``, installed by ``npm ci`` and served by Kilowatt under /static/vendor
(web/kit/assets.py), so that it works without the internet; no CDN, no inline script (the page
is under the dashboard's Content-Security-Policy, its start-up in static/api-docs.js)."""

from __future__ import annotations

from html import escape

from fastapi import APIRouter, Request
from starlette.responses import HTMLResponse

router = APIRouter(include_in_schema=False)

DOCS_URL = "/api/docs"

POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
)
"""Swagger UI sets styles and draws icons from data: URLs; scripts only from here."""


@router.get(DOCS_URL)
async def api_docs(request: Request) -> HTMLResponse:
    title = escape(f"{request.app.title} API")
    openapi = escape(request.app.openapi_url or "")
    html = f"""<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>{title}</title>
  <link rel="icon" href="/static/favicon.svg" type="image/svg+xml">
  <link rel="stylesheet" href="/static/vendor/swagger-ui.css">
</head>
<body>
  <main id="swagger-ui" data-openapi="{openapi}"></main>
  <script src="/static/vendor/swagger-ui-bundle.js"></script>
  <script src="/static/api-docs.js"></script>
</body>
</html>
"""
    return HTMLResponse(
        html,
        headers={
            "Content-Security-Policy": POLICY,
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "same-origin",
        },
    )
