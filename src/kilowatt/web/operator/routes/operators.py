"""Administration: the organization's operators. Invite one by email with a role and a site
scope (services/invitations.py: the invitation arrives by email, its link lets the person
choose a password), change an account's role and site scope, send an invitation again or
withdraw it, deactivate and reactivate an account. Only those who may manage accounts
(users:manage) see these pages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import Field
from starlette.responses import Response

from kilowatt.domain.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound
from kilowatt.domain.invitations import is_invited
from kilowatt.domain.paging import PageRequest
from kilowatt.domain.permissions import Permission, may_manage
from kilowatt.domain.users import ActorKind, Role, User
from kilowatt.services.invitations import InvitationInput, Letter
from kilowatt.services.ports import UserFilter
from kilowatt.services.ports.email import EmailNotSent, OutgoingEmail
from kilowatt.web.kit.context import WebError, path_id
from kilowatt.web.kit.forms import Cursor, Required
from kilowatt.web.kit.frame import redirect
from kilowatt.web.kit.i18n import N_
from kilowatt.web.kit.refusals import refusal
from kilowatt.web.operator.context import Page, page_for
from kilowatt.web.operator.routes.assets.common import NoticeQuery, all_sites
from kilowatt.web.operator.routes.grants import GrantForm, grant_form, grant_refusal
from kilowatt.web.operator.rows.admin import account_state, role_words, scope_words

router = APIRouter()

UsersPage = Annotated[Page, Depends(page_for(Permission.USERS_MANAGE))]
UserId = Annotated[int, Depends(path_id("user_id", N_("There is no such operator.")))]

PAGE_SIZE = 100


class ListQuery(NoticeQuery):
    after: Cursor = None


class InviteForm(GrantForm):
    email: Annotated[
        str, Field(max_length=254), Required(N_("Enter the email address of the person."))
    ] = ""
    name: Annotated[str, Field(max_length=200)] = ""


def _notice(page: Page, key: str) -> tuple[str, str]:
    _ = page.web.gettext
    return {
        "invited": ("ok", _("The invitation was sent.")),
        "not-sent": (
            "bad",
            _(
                "The invitation was recorded, but the email could not be sent. Check the mail "
                "server settings, then send it again from this list."
            ),
        ),
        "resent": ("ok", _("The invitation was sent again; the earlier link no longer works.")),
        "withdrawn": ("ok", _("The invitation was withdrawn.")),
        "deactivated": ("ok", _("The account was deactivated and signed out.")),
        "reactivated": ("ok", _("The account was reactivated.")),
        "changed": ("ok", _("The role and sites of the account were changed.")),
    }.get(key, ("", ""))


def compose(page: Page) -> Callable[[Letter], OutgoingEmail]:
    """The invitation letter in the inviter's language."""
    _ = page.web.gettext
    roles = role_words(_)

    def letter(data: Letter) -> OutgoingEmail:
        subject = _("You are invited to %(organization)s on Kilowatt") % {
            "organization": data.organization
        }
        text = "\n\n".join(
            [
                _("Hello,"),
                _(
                    "%(inviter)s invites you to the charging network %(organization)s on "
                    "Kilowatt, as %(role)s."
                )
                % {
                    "inviter": data.inviter,
                    "organization": data.organization,
                    "role": roles[data.role.value],
                },
                _("Choose your password here to accept the invitation:"),
                data.link,
                _("The link works once, until %(date)s (UTC).")
                % {"date": data.expires_at.strftime("%Y-%m-%d %H:%M")},
                _("If you did not expect this email, you can ignore it."),
            ]
        )
        return OutgoingEmail(to=data.to, subject=subject, text=text)

    return letter


@router.get("/admin/operators")
async def operator_list(page: UsersPage) -> Response:
    _ = page.web.gettext
    query = page.web.query(ListQuery).data
    users = await page.web.services.users.search(
        page.principal, PageRequest(PAGE_SIZE, query.after), UserFilter()
    )
    site_names = {s.id: s.name for s in await all_sites(page) if s.id is not None}
    me = page.principal.actor_id if page.principal.kind is ActorKind.USER else None
    rows = [
        {
            "user": user,
            "state": account_state(user, _),
            "invited": is_invited(user.password_hash),
            "scope": scope_words(user.site_ids, site_names, _),
            "me": user.id == me,
            "manageable": may_manage(page.principal.role, user.role) and user.id != me,
        }
        for user in users.items
    ]
    tone, notice = _notice(page, query.notice)
    return page.render(
        "admin/operators.html",
        {
            "rows": rows,
            "roles": role_words(_),
            "notice": notice,
            "notice_tone": tone,
            "next_url": f"/admin/operators?after={users.next_cursor}" if users.next_cursor else "",
        },
    )


@router.get("/admin/operators/invite")
async def invite_form(page: UsersPage) -> Response:
    return await grant_form(
        page, "admin/invite.html", {"role": Role.OPERATOR.value, "scope": "all"}, [], {}
    )


@router.post("/admin/operators/invite")
async def invite(page: UsersPage) -> Response:
    _ = page.web.gettext
    reading = await page.web.form(InviteForm)
    form = reading.data
    values = reading.values
    if reading.errors or form.role is None:
        return await grant_form(page, "admin/invite.html", values, form.site, reading.errors, 422)
    data = InvitationInput(
        email=form.email,
        role=form.role,
        name=form.name,
        site_ids=form.site_ids,
    )
    try:
        await page.web.services.invitations.invite(page.principal, data, compose(page))
    except (InvalidInput, Conflict, Forbidden) as error:
        return await grant_form(
            page, "admin/invite.html", values, form.site, grant_refusal(page, error), 422
        )
    except EmailNotSent:
        return redirect("/admin/operators?notice=not-sent")
    return redirect("/admin/operators?notice=invited")


def _refused(page: Page, error: DomainError) -> WebError:
    status = {NotFound: 404, Forbidden: 403, Conflict: 409}.get(type(error), 422)
    return WebError(status, refusal(error, page.web.gettext))


@router.post("/admin/operators/{user_id}/resend")
async def resend(page: UsersPage, user_id: UserId) -> Response:
    try:
        await page.web.services.invitations.resend(page.principal, user_id, compose(page))
    except (NotFound, Forbidden, Conflict) as error:
        raise _refused(page, error) from error
    except EmailNotSent:
        return redirect("/admin/operators?notice=not-sent")
    return redirect("/admin/operators?notice=resent")


@router.post("/admin/operators/{user_id}/withdraw")
async def withdraw(page: UsersPage, user_id: UserId) -> Response:
    try:
        await page.web.services.invitations.withdraw(page.principal, user_id)
    except (NotFound, Forbidden, Conflict) as error:
        raise _refused(page, error) from error
    return redirect("/admin/operators?notice=withdrawn")


async def _set_active(page: Page, user_id: int, active: bool) -> None:
    try:
        user = await page.web.services.users.get(page.principal, user_id)
        if is_invited(user.password_hash):
            raise WebError(
                409,
                page.web.gettext(
                    "This person has not accepted the invitation yet: withdraw it instead."
                ),
            )
        await page.web.services.users.update(page.principal, user_id, {"is_active": active})
    except (NotFound, Forbidden, Conflict) as error:
        raise _refused(page, error) from error


@router.post("/admin/operators/{user_id}/deactivate")
async def deactivate(page: UsersPage, user_id: UserId) -> Response:
    await _set_active(page, user_id, False)
    return redirect("/admin/operators?notice=deactivated")


@router.post("/admin/operators/{user_id}/reactivate")
async def reactivate(page: UsersPage, user_id: UserId) -> Response:
    await _set_active(page, user_id, True)
    return redirect("/admin/operators?notice=reactivated")


async def _editable(page: Page, user_id: int) -> User:
    """The account ``user_id``, if the operator may change its role and sites (the service
    checks again): not their own, and not one of a role above their rights."""
    _ = page.web.gettext
    try:
        user = await page.web.services.users.get(page.principal, user_id)
    except NotFound as error:
        raise _refused(page, error) from error
    if page.principal.kind is ActorKind.USER and user.id == page.principal.actor_id:
        raise WebError(409, _("You cannot change your own role or sites."))
    if not may_manage(page.principal.role, user.role):
        raise WebError(403, _("Your role cannot change this account."))
    return user


@router.get("/admin/operators/{user_id}/edit")
async def edit_form(page: UsersPage, user_id: UserId) -> Response:
    user = await _editable(page, user_id)
    values = {"role": user.role.value, "scope": "all" if user.site_ids is None else "some"}
    return await grant_form(
        page, "admin/operator_edit.html", values, list(user.site_ids or []), {}, user=user
    )


@router.post("/admin/operators/{user_id}/edit")
async def edit(page: UsersPage, user_id: UserId) -> Response:
    user = await _editable(page, user_id)
    reading = await page.web.form(GrantForm)
    form, values = reading.data, reading.values
    if reading.errors or form.role is None:
        return await grant_form(
            page, "admin/operator_edit.html", values, form.site, reading.errors, 422, user=user
        )
    try:
        await page.web.services.users.update(
            page.principal, user_id, {"role": form.role, "site_ids": form.site_ids}
        )
    except NotFound as error:
        raise _refused(page, error) from error
    except (InvalidInput, Conflict, Forbidden) as error:
        return await grant_form(
            page,
            "admin/operator_edit.html",
            values,
            form.site,
            grant_refusal(page, error),
            422,
            user=user,
        )
    return redirect("/admin/operators?notice=changed")
