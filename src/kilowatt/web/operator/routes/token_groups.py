"""Administration: token groups (a fleet, a company, tenants...) and the access rules that let
a group charge at a site or a station. Lists, a new group or rule, a group's load priority
changed, and deleting one (a group's tokens stay, out of any group; its rules go). Reading
needs tokens:read, changing tokens:write; an operator limited to some sites sees the rules at
those sites only."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Literal

from fastapi import APIRouter, Depends
from pydantic import Field
from starlette.responses import Response

from kilowatt.domain.errors import Conflict, Forbidden, InvalidInput, NotFound
from kilowatt.domain.paging import MAX_PAGE, PageRequest
from kilowatt.domain.permissions import Permission
from kilowatt.domain.tokens import MAX_LOAD_PRIORITY, GroupKind
from kilowatt.services.access import AccessRuleInput
from kilowatt.services.ports import AccessRuleFilter, TokenGroupFilter
from kilowatt.services.tokens import GroupInput
from kilowatt.web.kit.context import WebError, path_id
from kilowatt.web.kit.forms import REQUIRED, Cursor, Fields, Id, Required, Says
from kilowatt.web.kit.frame import redirect
from kilowatt.web.kit.i18n import N_
from kilowatt.web.kit.refusals import refusal
from kilowatt.web.operator.context import Page, page_for
from kilowatt.web.operator.routes.assets.common import NoticeQuery, all_sites
from kilowatt.web.operator.rows.tokens import kind_words

router = APIRouter()

ReadPage = Annotated[Page, Depends(page_for(Permission.TOKENS_READ))]
WritePage = Annotated[Page, Depends(page_for(Permission.TOKENS_READ, Permission.TOKENS_WRITE))]
GroupId = Annotated[int, Depends(path_id("group_id", N_("There is no such token group.")))]
RuleId = Annotated[int, Depends(path_id("rule_id", N_("There is no such access rule.")))]


class ListQuery(NoticeQuery):
    after: Cursor = None


class GroupForm(Fields):
    name: Annotated[str, Field(max_length=200), Required(N_("Name the group."))] = ""
    kind: Annotated[GroupKind, Says(N_("Choose one of the options."))] = GroupKind.OTHER
    parent_id_tag: Annotated[str, Field(max_length=255)] = ""
    description: Annotated[str, Field(max_length=500)] = ""
    load_priority: Annotated[
        int, Field(ge=0, le=MAX_LOAD_PRIORITY), Says(N_("Enter a whole number from 0 to 9."))
    ] = 0


class PriorityForm(Fields):
    load_priority: Annotated[
        int,
        Field(ge=0, le=MAX_LOAD_PRIORITY),
        Says(N_("Enter a whole number from 0 to 9.")),
    ] = -1
    """Left empty: -1, refused as out of bounds."""


class RuleForm(Fields):
    group_id: Annotated[Id, REQUIRED, Says(N_("Choose a group from the list."))] = None
    where: Annotated[Literal["site", "station"], Says(N_("Choose one of the options."))] = "site"
    site_id: Id = None
    station: Annotated[str, Field(max_length=48)] = ""
    description: Annotated[str, Field(max_length=500)] = ""

    def problems(self) -> dict[str, str]:
        if self.where == "site" and self.site_id is None:
            return {"site_id": N_("Choose a site from the list.")}
        if self.where == "station" and not self.station:
            return {"station": N_("Enter the OCPP identity of a station.")}
        return {}


def _notice(page: Page, key: str) -> str:
    _ = page.web.gettext
    return {
        "group-created": _("The token group was created."),
        "group-deleted": _("The token group was deleted; its tokens are in no group now."),
        "priority-changed": _("The token group's load priority was changed."),
        "rule-created": _("The access rule was created."),
        "rule-deleted": _("The access rule was deleted."),
    }.get(key, "")


# Token groups -------------------------------------------------------------------------------


@router.get("/admin/token-groups")
async def group_list(page: ReadPage) -> Response:
    _ = page.web.gettext
    query = page.web.query(ListQuery).data
    found = await page.web.services.token_groups.search(
        page.principal, PageRequest(100, query.after), TokenGroupFilter()
    )
    return page.render(
        "admin/token_groups.html",
        {
            "views": found.items,
            "kinds": kind_words(_),
            "notice": _notice(page, query.notice),
            "next_url": f"/admin/token-groups?after={found.next_cursor}"
            if found.next_cursor
            else "",
        },
    )


async def _group_form(
    page: Page, values: Mapping[str, str], errors: Mapping[str, str], status: int = 200
) -> Response:
    _ = page.web.gettext
    return page.render(
        "admin/token_group_form.html",
        {"values": values, "errors": errors, "kind_options": list(kind_words(_).items())},
        status,
    )


@router.get("/admin/token-groups/new")
async def new_group(page: WritePage) -> Response:
    return await _group_form(page, {"kind": GroupKind.FLEET.value, "load_priority": "0"}, {})


@router.post("/admin/token-groups/new")
async def create_group(page: WritePage) -> Response:
    _ = page.web.gettext
    reading = await page.web.form(GroupForm)
    form, values = reading.data, reading.values
    if reading.errors:
        return await _group_form(page, values, reading.errors, 422)
    try:
        await page.web.services.token_groups.create(
            page.principal,
            GroupInput(
                name=form.name,
                kind=form.kind,
                description=form.description,
                parent_id_tag=form.parent_id_tag or None,
                load_priority=form.load_priority,
            ),
        )
    except InvalidInput as error:
        message = {
            "parent_id_tag": _("At most 255 characters, without spaces around them."),
            "name": _("Name the group."),
            "load_priority": _("Enter a whole number from 0 to 9."),
        }.get(error.field) or refusal(error, _)
        return await _group_form(page, values, {error.field: message}, 422)
    except Conflict:
        message = _("Another group already has this parent id tag.")
        return await _group_form(page, values, {"parent_id_tag": message}, 422)
    return redirect("/admin/token-groups?notice=group-created")


async def _priority_form(
    page: Page,
    group_id: int,
    values: Mapping[str, str] | None,
    errors: Mapping[str, str],
    status: int,
) -> Response:
    """The form; ``values`` None: the group's priority as it is."""
    try:
        view = await page.web.services.token_groups.get(page.principal, group_id)
    except NotFound as error:
        raise WebError(404, page.web.gettext("There is no such token group.")) from error
    if values is None:
        values = {"load_priority": str(view.group.load_priority)}
    return page.render(
        "admin/token_group_priority.html",
        {"group": view.group, "values": values, "errors": errors},
        status,
    )


@router.get("/admin/token-groups/{group_id}/priority")
async def group_priority(page: WritePage, group_id: GroupId) -> Response:
    return await _priority_form(page, group_id, None, {}, 200)


@router.post("/admin/token-groups/{group_id}/priority")
async def change_group_priority(page: WritePage, group_id: GroupId) -> Response:
    _ = page.web.gettext
    reading = await page.web.form(PriorityForm)
    if reading.errors:
        return await _priority_form(page, group_id, reading.values, reading.errors, 422)
    try:
        await page.web.services.token_groups.update(
            page.principal, group_id, {"load_priority": reading.data.load_priority}
        )
    except InvalidInput:
        errors = {"load_priority": _("Enter a whole number from 0 to 9.")}
        return await _priority_form(page, group_id, reading.values, errors, 422)
    except NotFound as error:
        raise WebError(404, _("There is no such token group.")) from error
    return redirect("/admin/token-groups?notice=priority-changed")


@router.post("/admin/token-groups/{group_id}/delete")
async def delete_group(page: WritePage, group_id: GroupId) -> Response:
    _ = page.web.gettext
    try:
        await page.web.services.token_groups.delete(page.principal, group_id)
    except NotFound as error:
        raise WebError(404, _("There is no such token group.")) from error
    except Forbidden as error:
        raise WebError(
            403,
            _(
                "The group has access rules at sites you do not see: someone who sees every "
                "site must delete it."
            ),
        ) from error
    return redirect("/admin/token-groups?notice=group-deleted")


# Access rules -------------------------------------------------------------------------------


@router.get("/admin/access-rules")
async def rule_list(page: ReadPage) -> Response:
    query = page.web.query(ListQuery).data
    found = await page.web.services.access.search(
        page.principal, PageRequest(100, query.after), AccessRuleFilter()
    )
    groups = await page.web.services.token_groups.search(
        page.principal, PageRequest(MAX_PAGE), TokenGroupFilter()
    )
    return page.render(
        "admin/access_rules.html",
        {
            "views": found.items,
            "group_names": {v.group.id: v.group.name for v in groups.items},
            "site_names": {s.id: s.name for s in await all_sites(page)},
            "notice": _notice(page, query.notice),
            "next_url": f"/admin/access-rules?after={found.next_cursor}"
            if found.next_cursor
            else "",
        },
    )


async def _rule_form(
    page: Page, values: Mapping[str, str], errors: Mapping[str, str], status: int = 200
) -> Response:
    _ = page.web.gettext
    groups = await page.web.services.token_groups.search(
        page.principal, PageRequest(MAX_PAGE), TokenGroupFilter()
    )
    return page.render(
        "admin/access_rule_form.html",
        {
            "values": values,
            "errors": errors,
            "group_options": [("", _("Choose a group"))]
            + [(str(v.group.id), v.group.name) for v in groups.items],
            "site_options": [("", _("Choose a site"))]
            + [(str(s.id), s.name) for s in await all_sites(page)],
        },
        status,
    )


@router.get("/admin/access-rules/new")
async def new_rule(page: WritePage) -> Response:
    return await _rule_form(page, {"where": "site"}, {})


@router.post("/admin/access-rules/new")
async def create_rule(page: WritePage) -> Response:
    _ = page.web.gettext
    reading = await page.web.form(RuleForm)
    form, values = reading.data, reading.values
    if reading.errors or form.group_id is None:
        return await _rule_form(page, values, reading.errors, 422)
    at_site = form.where == "site"
    try:
        await page.web.services.access.create(
            page.principal,
            AccessRuleInput(
                group_id=form.group_id,
                site_id=form.site_id if at_site else None,
                station_ocpp_id=None if at_site else form.station,
                description=form.description,
            ),
        )
    except InvalidInput as error:
        field = {"token_group_id": "group_id", "station_id": "station"}.get(
            error.field, error.field
        )
        message = {
            "group_id": _("Choose a group from the list."),
            "site_id": _("Choose a site from the list."),
            "station": _("There is no such station, or it is not yours to see."),
        }.get(field) or refusal(error, _)
        return await _rule_form(page, values, {field: message}, 422)
    return redirect("/admin/access-rules?notice=rule-created")


@router.post("/admin/access-rules/{rule_id}/delete")
async def delete_rule(page: WritePage, rule_id: RuleId) -> Response:
    try:
        await page.web.services.access.delete(page.principal, rule_id)
    except NotFound as error:
        raise WebError(404, page.web.gettext("There is no such access rule.")) from error
    return redirect("/admin/access-rules?notice=rule-deleted")
