"""The numbers in the dashboard's paths, read by the kit's ``path_id``: a number out of its
column's range, or no number, names nothing there is (the 404 page)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from kilowatt.web.kit.context import path_id
from kilowatt.web.kit.forms import INTEGER
from kilowatt.web.kit.i18n import N_

SiteId = Annotated[int, Depends(path_id("site_id", N_("There is no such site.")))]
TransactionId = Annotated[int, Depends(path_id("transaction_id", N_("There is no such session.")))]
CodeId = Annotated[int, Depends(path_id("code_id", N_("No such entry in the dictionary.")))]
CommandId = Annotated[int, Depends(path_id("command_id", N_("No such command.")))]
EvseId = Annotated[
    int,
    Depends(path_id("evse_id", N_("There is no such connector."), minimum=0, maximum=INTEGER)),
]
ConnectorNumber = Annotated[
    int,
    Depends(path_id("connector_id", N_("There is no such connector."), minimum=0, maximum=INTEGER)),
]
