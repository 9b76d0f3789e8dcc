from __future__ import annotations

from sqlalchemy import select

from kilowatt.domain.diagnostics import DiagnosticsUpload, UploadStatus
from kilowatt.domain.paging import Page, PageRequest
from kilowatt.persistence.models.diagnostics import diagnostics_uploads
from kilowatt.persistence.repositories.base import Repository, page_of


class SqlDiagnosticsRepository(Repository):
    async def get(self, upload_id: int) -> DiagnosticsUpload | None:
        return await self.session.get(DiagnosticsUpload, upload_id)

    async def by_token(self, token_digest: str, *, lock: bool = False) -> DiagnosticsUpload | None:
        query = select(DiagnosticsUpload).where(diagnostics_uploads.c.token_digest == token_digest)
        if lock:
            query = query.with_for_update().execution_options(populate_existing=True)
        return (await self.session.execute(query)).scalar_one_or_none()

    async def latest(self, station_id: int) -> DiagnosticsUpload | None:
        table = diagnostics_uploads
        waiting = [UploadStatus.REQUESTED, UploadStatus.UPLOADING]
        for condition in (table.c.status.in_(waiting), table.c.id.is_not(None)):
            query = (
                select(DiagnosticsUpload)
                .where(table.c.station_id == station_id, condition)
                .order_by(table.c.id.desc())
                .limit(1)
            )
            found = (await self.session.execute(query)).scalar_one_or_none()
            if found is not None:
                return found
        return None

    async def add(self, upload: DiagnosticsUpload) -> DiagnosticsUpload:
        return await self._add(upload)

    async def search(self, station_id: int, page: PageRequest) -> Page[DiagnosticsUpload]:
        query = select(DiagnosticsUpload).where(diagnostics_uploads.c.station_id == station_id)
        return await page_of(self.session, query, diagnostics_uploads.c.id, page, newest_first=True)
