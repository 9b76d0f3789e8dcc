"""Id tokens (RFID cards) in bulk: read from a CSV or Excel file and written as one unit of
work, every card or none (domain/token_imports.py checks the rows); and written out as CSV or
Excel with the same columns, so that an export is a template for the next import."""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass
from datetime import datetime

from openpyxl import Workbook, load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from kilowatt.domain.paging import MAX_PAGE, PageRequest
from kilowatt.domain.token_imports import (
    COLUMNS,
    MAX_BYTES,
    MAX_ROWS,
    Card,
    CardImportRefused,
    CardProblem,
    read_cards,
)
from kilowatt.domain.tokens import IdToken
from kilowatt.domain.users import Principal
from kilowatt.services.audit import record
from kilowatt.services.base import Service
from kilowatt.services.ports import TokenFilter, UnitOfWork
from kilowatt.services.tokens import _resolve_group

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EXPORT_LIMIT = 100_000


@dataclass(frozen=True, slots=True)
class CardImport:
    created: int
    groups: int
    """Token groups made for parent id tags no group had."""


def table_of(content: bytes, filename: str) -> list[list[object]]:
    """The rows of an uploaded .csv (UTF-8, comma or semicolon) or .xlsx (its first sheet)."""
    if len(content) > MAX_BYTES:
        raise CardImportRefused(
            [CardProblem(None, None, f"the file is larger than {MAX_BYTES // (1024 * 1024)} MB")]
        )
    if filename.lower().endswith(".xlsx") or content[:2] == b"PK":
        try:
            workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, OSError):
            raise CardImportRefused(
                [CardProblem(None, None, "the file is not an Excel workbook (.xlsx)")]
            ) from None
        try:
            rows: list[list[object]] = []
            for values in workbook.worksheets[0].iter_rows(values_only=True):
                rows.append(list(values))
                if len(rows) > MAX_ROWS + 1:
                    break
            return rows
        finally:
            workbook.close()
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CardImportRefused(
            [CardProblem(None, None, "the file is neither UTF-8 text (.csv) nor .xlsx")]
        ) from None
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    return [list(row) for row in csv.reader(io.StringIO(text), delimiter=delimiter)]


class TokenImportService(Service):
    async def import_cards(self, principal: Principal, content: bytes, filename: str) -> CardImport:
        cards = read_cards(table_of(content, filename))
        now = self.clock.now()
        organization_id = principal.organization_id
        problems: list[CardProblem] = []
        async with self.uow() as uow:
            drivers: dict[str, int | None] = {}
            for card in cards:
                existing = await uow.tokens.find(organization_id, card.value, card.type)
                if existing is not None and existing.type == card.type:
                    problems.append(CardProblem(card.row, "value", "this card already exists"))
                if card.driver_email and card.driver_email not in drivers:
                    driver = await uow.drivers.by_email(organization_id, card.driver_email)
                    drivers[card.driver_email] = driver.id if driver else None
                if card.driver_email and drivers[card.driver_email] is None:
                    problems.append(
                        CardProblem(card.row, "driver_email", "no driver has this email")
                    )
            if problems:
                raise CardImportRefused(problems)
            groups = 0
            for card in cards:
                groups += await self._add(uow, principal, card, drivers, now)
            await record(
                uow,
                principal,
                "id_token.import",
                "id_token",
                "",
                {"cards": len(cards), "groups": groups},
                at=now,
            )
            await uow.commit()
        return CardImport(len(cards), groups)

    async def _add(
        self,
        uow: UnitOfWork,
        principal: Principal,
        card: Card,
        drivers: dict[str, int | None],
        now: datetime,
    ) -> int:
        """Add one card; 1 when a group was made for its parent id tag."""
        before = None
        if card.parent_id_tag is not None:
            before = await uow.token_groups.by_parent_id_tag(
                principal.organization_id, card.parent_id_tag
            )
        group = await _resolve_group(uow, principal, None, card.parent_id_tag, now)
        await uow.tokens.add(
            IdToken(
                organization_id=principal.organization_id,
                value=card.value,
                type=card.type,
                status=card.status,
                expires_at=card.expires_at,
                group_id=group.id if group else None,
                driver_id=drivers.get(card.driver_email) if card.driver_email else None,
                label=card.label,
                created_at=now,
                updated_at=now,
            )
        )
        return int(card.parent_id_tag is not None and before is None)

    async def rows(self, principal: Principal, where: TokenFilter) -> list[list[str]]:
        """The cards as the import reads them: the header, then one row a card."""
        organization_id = principal.organization_id
        table: list[list[str]] = [list(COLUMNS)]
        cursor: int | None = None
        async with self.uow(readonly=True) as uow:
            while len(table) <= EXPORT_LIMIT:
                found = await uow.tokens.search(
                    organization_id, PageRequest(MAX_PAGE, cursor), where
                )
                groups = {
                    g.id: g.parent_id_tag
                    for g in await uow.token_groups.by_ids(
                        organization_id, {t.group_id for t in found.items if t.group_id}
                    )
                }
                emails: dict[int, str] = {}
                for token in found.items:
                    if token.driver_id is not None and token.driver_id not in emails:
                        driver = await uow.drivers.get(organization_id, token.driver_id)
                        emails[token.driver_id] = driver.email if driver else ""
                for token in found.items:
                    table.append(
                        [
                            token.value,
                            token.type.value,
                            token.status.value,
                            (groups.get(token.group_id) or "") if token.group_id else "",
                            emails.get(token.driver_id, "") if token.driver_id else "",
                            token.label,
                            token.expires_at.isoformat() if token.expires_at else "",
                        ]
                    )
                if found.next_cursor is None:
                    break
                cursor = found.next_cursor
        return table


def as_csv(table: list[list[str]]) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(table)
    return out.getvalue().encode("utf-8")


def as_xlsx(table: list[list[str]]) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("ID tokens")
    for row in table:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
