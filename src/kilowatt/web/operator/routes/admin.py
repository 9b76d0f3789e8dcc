"""Administration: the section's start page, which lists the administration pages the
operator's role opens (operators, API keys, audit log, drivers, id tokens, token groups,
access rules)."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import Response

from kilowatt.domain.permissions import Permission
from kilowatt.web.kit.context import WebError
from kilowatt.web.operator.context import SignedIn

router = APIRouter()

ADMINISTRATION = (Permission.USERS_MANAGE, Permission.AUDIT_READ, Permission.TOKENS_READ)


@router.get("/admin")
async def administration(page: SignedIn) -> Response:
    if not any(page.may(p) for p in ADMINISTRATION):
        raise WebError(403, page.web.gettext("Your role does not allow this page."))
    return page.render("admin/index.html", {})
