"""Administration: the organization's API keys. Create one with a role and a site scope (its
secret shown this once: Kilowatt keeps only a hash), and revoke one (it stops working at once).
Only those who may manage accounts and keys (users:manage) see these pages."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import Field
from starlette.responses import Response

from kilowatt.domain.errors import Forbidden, InvalidInput, NotFound
from kilowatt.domain.paging import PageRequest
from kilowatt.domain.permissions import Permission, may_manage
from kilowatt.domain.users import Role
from kilowatt.services.users import ApiKeyInput
from kilowatt.web.kit.context import WebError, path_id
from kilowatt.web.kit.forms import Cursor, Required
from kilowatt.web.kit.frame import redirect
from kilowatt.web.kit.i18n import N_
from kilowatt.web.operator.context import Page, page_for
from kilowatt.web.operator.routes.assets.common import NoticeQuery, all_sites
from kilowatt.web.operator.routes.grants import GrantForm, grant_form, grant_refusal
from kilowatt.web.operator.rows.admin import role_words, scope_words

router = APIRouter()

KeysPage = Annotated[Page, Depends(page_for(Permission.USERS_MANAGE))]
KeyId = Annotated[int, Depends(path_id("key_id", N_("There is no such API key.")))]


class KeyQuery(NoticeQuery):
    after: Cursor = None


class KeyForm(GrantForm):
    name: Annotated[
        str, Field(max_length=100), Required(N_("Name the key after what will use it."))
    ] = ""


@router.get("/admin/api-keys")
async def key_list(page: KeysPage) -> Response:
    _ = page.web.gettext
    query = page.web.query(KeyQuery).data
    keys = await page.web.services.users.search_keys(page.principal, PageRequest(100, query.after))
    site_names = {s.id: s.name for s in await all_sites(page) if s.id is not None}
    rows = [
        {
            "key": key,
            "scope": scope_words(key.site_ids, site_names, _),
            "revocable": key.active and may_manage(page.principal.role, key.role),
        }
        for key in keys.items
    ]
    notice = {"revoked": _("The key was revoked: it no longer works.")}.get(query.notice, "")
    return page.render(
        "admin/api_keys.html",
        {
            "rows": rows,
            "roles": role_words(_),
            "notice": notice,
            "next_url": f"/admin/api-keys?after={keys.next_cursor}" if keys.next_cursor else "",
        },
    )


@router.get("/admin/api-keys/new")
async def new_key(page: KeysPage) -> Response:
    return await grant_form(
        page, "admin/api_key_form.html", {"role": Role.VIEWER.value, "scope": "all"}, [], {}
    )


@router.post("/admin/api-keys/new")
async def create_key(page: KeysPage) -> Response:
    _ = page.web.gettext
    reading = await page.web.form(KeyForm)
    form, values = reading.data, reading.values
    if reading.errors or form.role is None:
        return await grant_form(
            page, "admin/api_key_form.html", values, form.site, reading.errors, 422
        )
    try:
        issued = await page.web.services.users.issue_key(
            page.principal, ApiKeyInput(name=form.name, role=form.role, site_ids=form.site_ids)
        )
    except (InvalidInput, Forbidden) as error:
        errors = grant_refusal(page, error)
        if "name" in errors:
            errors["name"] = _("Name the key after what will use it.")
        return await grant_form(page, "admin/api_key_form.html", values, form.site, errors, 422)
    return page.render(
        "admin/api_key_secret.html",
        {"key": issued.key, "secret": issued.secret, "roles": role_words(_)},
    )


@router.post("/admin/api-keys/{key_id}/revoke")
async def revoke_key(page: KeysPage, key_id: KeyId) -> Response:
    _ = page.web.gettext
    try:
        await page.web.services.users.revoke_key(page.principal, key_id)
    except NotFound as error:
        raise WebError(404, _("There is no such API key.")) from error
    except Forbidden as error:
        raise WebError(403, _("Your role cannot revoke this key.")) from error
    return redirect("/admin/api-keys?notice=revoked")
