"""What the operators' invitation and role forms and the API keys' form share: a role the
granter may give, and a site scope (every site, or those ticked), read from the form and
refused by the service beside their fields."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import Field
from starlette.responses import Response

from kilowatt.domain.errors import Conflict, DomainError, Forbidden, InvalidInput
from kilowatt.domain.permissions import may_grant
from kilowatt.domain.users import Role
from kilowatt.web.kit.forms import BIGINT, REQUIRED, Fields, Says
from kilowatt.web.kit.i18n import N_
from kilowatt.web.kit.refusals import field_refusal, refusal
from kilowatt.web.operator.context import Page
from kilowatt.web.operator.routes.assets.common import all_sites
from kilowatt.web.operator.rows.admin import role_hints, role_words


class GrantForm(Fields):
    role: Annotated[Role | None, REQUIRED, Says(N_("Choose one of the roles."))] = None
    scope: Annotated[Literal["all", "some"], Says(N_("Choose one of the options."))] = "all"
    site: Annotated[
        list[Annotated[int, Field(ge=1, le=BIGINT)]], Says(N_("Choose sites from the list."))
    ] = []

    def problems(self) -> dict[str, str]:
        if self.scope == "some" and not self.site:
            return {"site": N_("Tick at least one site, or choose every site.")}
        if self.scope == "some" and self.role is Role.OWNER:
            return {"scope": N_("An owner sees every site: choose every site, or another role.")}
        return {}

    @property
    def site_ids(self) -> list[int] | None:
        return self.site if self.scope == "some" else None


async def grant_choices(page: Page, ticked: list[int]) -> dict[str, Any]:
    """The roles the operator may give (with what each may do), the sites, those ticked."""
    _ = page.web.gettext
    words = role_words(_)
    hints = role_hints(_)
    return {
        "roles": [
            (role.value, words[role.value], hints[role.value])
            for role in Role
            if may_grant(page.principal.role, role)
        ],
        "sites": await all_sites(page),
        "ticked": set(ticked),
    }


async def grant_form(
    page: Page,
    template: str,
    values: Mapping[str, str],
    ticked: list[int],
    errors: Mapping[str, str],
    status: int = 200,
    **context: Any,
) -> Response:
    """A form that grants a role and a site scope (an invitation, an API key, a change of
    role): its choices, what was entered, and the errors beside their fields."""
    return page.render(
        template,
        {**await grant_choices(page, ticked), "values": values, "errors": errors, **context},
        status,
    )


def grant_refusal(page: Page, error: DomainError) -> dict[str, str]:
    """A service's refusal of a role and a site scope (and an email), beside its field."""
    _ = page.web.gettext
    if isinstance(error, InvalidInput):
        field, words = field_refusal(error, _, {"site_ids": "site"})
        return {field: words}
    if isinstance(error, Conflict) and error.reason == "email_taken":
        return {"email": refusal(error, _)}
    if isinstance(error, Forbidden | Conflict):
        return {"role": refusal(error, _)}
    raise error
