"""The first page after signing in."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import Response

from kilowatt.web.context import SignedIn

router = APIRouter()


@router.get("/")
async def home(page: SignedIn) -> Response:
    return page.render("home.html", {})
