"""The page an invitation email links to: the invited person chooses a password (and may
give their name), which activates the account; then they sign in. No sign-in is needed to
see it: the link's signed token is the proof (services/invitations.py)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated

from fastapi import APIRouter
from pydantic import Field
from starlette.responses import Response

from kilowatt.domain.errors import InvalidInput
from kilowatt.domain.users import User
from kilowatt.services.users import MIN_PASSWORD_LENGTH
from kilowatt.services.web_sessions import SessionView
from kilowatt.web.kit.context import WebError
from kilowatt.web.kit.forms import VERBATIM, Fields, Required
from kilowatt.web.kit.frame import redirect
from kilowatt.web.kit.i18n import N_
from kilowatt.web.kit.refusals import refusal
from kilowatt.web.operator.context import COOKIE, OperatorWeb, WebDep, render

router = APIRouter()


class AcceptForm(Fields):
    name: Annotated[str, Field(max_length=200)] = ""
    password: Annotated[
        str, Field(max_length=1024), VERBATIM, Required(N_("Choose a password."))
    ] = ""
    repeat: Annotated[
        str, Field(max_length=1024), VERBATIM, Required(N_("Type the password again."))
    ] = ""

    def problems(self) -> dict[str, str]:
        if len(self.password) < MIN_PASSWORD_LENGTH:
            return {"password": N_("At least 12 characters.")}
        if self.password != self.repeat:
            return {"repeat": N_("The two passwords differ.")}
        return {}


async def _invited(web: OperatorWeb, token: str) -> User:
    try:
        return await web.services.invitations.check(token)
    except InvalidInput as error:
        raise WebError(
            404,
            web.gettext(
                "This invitation link does not work: it has expired, was used already or was "
                "replaced by a newer one. Ask whoever invited you to send it again."
            ),
        ) from error


def _form(
    web: OperatorWeb,
    view: SessionView,
    user: User,
    token: str,
    values: Mapping[str, str],
    errors: Mapping[str, str],
    status: int = 200,
) -> Response:
    return render(
        web.locale,
        "admin/accept.html",
        {
            "csrf_token": view.csrf_token,
            "invited": user,
            "token": token,
            "values": values,
            "errors": errors,
        },
        status,
    )


@router.get("/invitation/{token}")
async def accept_form(web: WebDep, token: str) -> Response:
    user = await _invited(web, token)
    view = web.session or await web.services.web_sessions.start(web.address)
    response = _form(web, view, user, token, {"name": user.name}, {})
    if view is not web.session:
        web.set_cookie(response, COOKIE, view.token)
    return response


@router.post("/invitation/{token}")
async def accept(web: WebDep, token: str) -> Response:
    _ = web.gettext
    assert web.session is not None  # the CSRF check needs one
    user = await _invited(web, token)
    reading = await web.form(AcceptForm)
    values = {"name": reading.values["name"]}
    if reading.errors:
        return _form(web, web.session, user, token, values, reading.errors, 422)
    try:
        await web.services.invitations.accept(
            token, reading.data.password, reading.data.name, web.address
        )
    except InvalidInput as error:
        if error.field == "token":
            raise
        field = "name" if error.field == "name" else "password"
        return _form(web, web.session, user, token, values, {field: refusal(error, _)}, 422)
    return redirect("/login?next=/")
