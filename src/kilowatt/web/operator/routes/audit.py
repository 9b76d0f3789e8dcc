"""Administration: the audit log of the organization, newest first, filtered by what was
done, to what, by whom and on which days (UTC), and exported as CSV with the same filters.
Only those who may read the audit log (audit:read) see it."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, time, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import Field
from starlette.responses import Response

from kilowatt.domain.paging import MAX_PAGE, PageRequest
from kilowatt.domain.permissions import Permission
from kilowatt.services.ports import AuditFilter
from kilowatt.web.kit.forms import Cursor, Day, Fields, Says
from kilowatt.web.kit.i18n import N_
from kilowatt.web.kit.templating import SECURITY_HEADERS
from kilowatt.web.operator.context import Page, page_for
from kilowatt.web.operator.rows.audit import AuditRow, action_words, object_words

router = APIRouter()

AuditPage = Annotated[Page, Depends(page_for(Permission.AUDIT_READ))]

PAGE_SIZE = 100
EXPORT_LIMIT = 50_000
"""Entries one CSV export holds at most (narrow the days for more)."""
Code = Annotated[
    str, Field(max_length=64, pattern=r"^[a-z0-9_.]*$"), Says(N_("Choose one of the options."))
]


class AuditQuery(Fields):
    action: Code = ""
    object_type: Code = ""
    object_id: Annotated[str, Field(max_length=254)] = ""
    actor: Annotated[str, Field(max_length=254)] = ""
    since: Day = None
    until: Day = None
    after: Cursor = None

    def problems(self) -> dict[str, str]:
        if self.since and self.until and self.until < self.since:
            return {"until": N_("The last day comes before the first.")}
        return {}

    def where(self) -> AuditFilter:
        return AuditFilter(
            action=self.action or None,
            object_type=self.object_type or None,
            object_id=self.object_id or None,
            actor_name=self.actor or None,
            since=datetime.combine(self.since, time.min, UTC) if self.since else None,
            until=datetime.combine(self.until, time.min, UTC) + timedelta(days=1)
            if self.until
            else None,
        )


@router.get("/admin/audit")
async def audit_log(page: AuditPage) -> Response:
    _ = page.web.gettext
    reading = page.web.query(AuditQuery)
    query = reading.data
    entries = await page.web.services.audit.search(
        page.principal, PageRequest(PAGE_SIZE, query.after), query.where()
    )
    rows = [AuditRow.of(entry, _) for entry in entries.items]
    actions = sorted(action_words(_).items(), key=lambda item: item[1])
    objects = sorted(object_words(_).items(), key=lambda item: item[1])
    return page.render(
        "admin/audit.html",
        {
            "rows": rows,
            "values": reading.values,
            "errors": reading.errors,
            "action_options": [("", _("Any action")), *actions],
            "object_options": [("", _("Anything")), *objects],
            "filtered": reading.filtered,
            "export_url": reading.link("/admin/audit.csv"),
            "next_url": reading.link("/admin/audit", after=entries.next_cursor)
            if entries.next_cursor
            else "",
        },
        422 if reading.errors else 200,
    )


@router.get("/admin/audit.csv")
async def audit_export(page: AuditPage) -> Response:
    _ = page.web.gettext
    reading = page.web.query(AuditQuery)
    where = reading.data.where() if not reading.errors else AuditFilter()
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            _("Time (UTC)"),
            _("Action"),
            _("Object"),
            _("Object id"),
            _("Done by"),
            _("Name"),
            _("Address"),
            _("Changes"),
        ]
    )
    cursor: int | None = None
    written = 0
    while written < EXPORT_LIMIT:
        batch = await page.web.services.audit.search(
            page.principal, PageRequest(MAX_PAGE, cursor), where
        )
        for entry in batch.items:
            row = AuditRow.of(entry, _)
            writer.writerow(
                [
                    row.at,
                    row.action,
                    row.object_type,
                    row.object_id,
                    row.actor_type,
                    row.actor_name,
                    row.address,
                    row.changes,
                ]
            )
        written += len(batch.items)
        if batch.next_cursor is None:
            break
        cursor = batch.next_cursor
    headers = {
        **SECURITY_HEADERS,
        "Content-Disposition": 'attachment; filename="kilowatt-audit.csv"',
    }
    return Response(out.getvalue(), media_type="text/csv; charset=utf-8", headers=headers)
