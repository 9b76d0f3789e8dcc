"""The power limit's form, on the site page (for the connectors ticked there) and on the
connector page."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from kilowatt.web.kit.forms import REQUIRED, Fields, Says
from kilowatt.web.kit.i18n import N_

KwText = Annotated[str, Field(max_length=20)]
"""A power in kW as typed; its meaning is the domain's (parse_power_bound, parse_limit_kw)."""


class PowerForm(Fields):
    """Set a limit (``limit_kw``) or remove it."""

    action: Annotated[
        Literal["set", "clear"] | None,
        REQUIRED,
        Says(N_("Choose whether to set or remove the limit.")),
    ] = None
    limit_kw: KwText = ""
