"""Vendor operations: DataTransfer templates, kept per organization, that an operator runs on
a station like any other command (``vendor`` with the template's name)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from datetime import datetime
from typing import Any

from kilowatt.domain.audit import changes_of
from kilowatt.domain.command_params import Vendor
from kilowatt.domain.commands import Command
from kilowatt.domain.errors import Conflict, InvalidInput, NotFound
from kilowatt.domain.paging import Page, PageRequest
from kilowatt.domain.users import Principal
from kilowatt.domain.vendor import VendorTemplate, check_applies
from kilowatt.services.audit import record
from kilowatt.services.base import Service
from kilowatt.services.commands import CommandService, Hook
from kilowatt.services.ports import UnitOfWork

FIELDS = frozenset(
    {"name", "vendor_id", "message_id", "data", "station_vendor", "station_model", "description"}
)


@dataclass(frozen=True, slots=True)
class VendorTemplateInput:
    name: str
    vendor_id: str
    message_id: str = ""
    data: Any = None
    station_vendor: str = ""
    station_model: str = ""
    description: str = ""


class VendorService(Service):
    def install(self, remote: CommandService) -> None:
        remote.register(Hook(Vendor, self._prepare))

    async def _prepare(
        self, uow: UnitOfWork, command: Command, params: Vendor, now: datetime
    ) -> Vendor:
        """Fill the DataTransfer from the template, if it is one for this station."""
        name = params.template
        template = await uow.vendor_templates.by_name(command.organization_id, name)
        if template is None:
            raise NotFound("vendor template", name)
        station = await uow.stations.get_by_id(command.station_id)
        if station is None:
            raise NotFound("station", command.station_ocpp_id)
        check_applies(
            "template",
            f"template {name!r}",
            template.station_vendor,
            template.station_model,
            station.vendor,
            station.model,
        )
        return replace(
            params,
            template_id=template.id,
            vendor_id=template.vendor_id,
            message_id=template.message_id or None,
            data=template.data,
        )

    async def create(self, principal: Principal, data: VendorTemplateInput) -> VendorTemplate:
        now = self.clock.now()
        organization_id = principal.organization_id
        async with self.uow() as uow:
            await self._unique(uow, organization_id, data.name)
            template = await uow.vendor_templates.add(
                VendorTemplate(
                    organization_id=organization_id,
                    name=data.name,
                    vendor_id=data.vendor_id,
                    message_id=data.message_id,
                    data=data.data,
                    station_vendor=data.station_vendor,
                    station_model=data.station_model,
                    description=data.description,
                    created_at=now,
                    updated_at=now,
                )
            )
            await record(
                uow,
                principal,
                "vendor_template.create",
                "vendor_template",
                template.id,
                asdict(data),
                at=now,
            )
            await uow.commit()
        return template

    async def ensure(self, principal: Principal, data: VendorTemplateInput) -> VendorTemplate:
        """The template of that name, created from ``data`` if there is none (seeding)."""
        async with self.uow(readonly=True) as uow:
            found = await uow.vendor_templates.by_name(principal.organization_id, data.name)
        return found if found is not None else await self.create(principal, data)

    async def get(self, principal: Principal, template_id: int) -> VendorTemplate:
        async with self.uow(readonly=True) as uow:
            template = await uow.vendor_templates.get(principal.organization_id, template_id)
        if template is None:
            raise NotFound("vendor template", template_id)
        return template

    async def search(self, principal: Principal, page: PageRequest) -> Page[VendorTemplate]:
        async with self.uow(readonly=True) as uow:
            return await uow.vendor_templates.search(principal.organization_id, page)

    async def update(
        self, principal: Principal, template_id: int, changes: dict[str, Any]
    ) -> VendorTemplate:
        unknown = set(changes) - FIELDS
        if unknown:
            raise InvalidInput(sorted(unknown)[0], "cannot be changed")
        organization_id = principal.organization_id
        async with self.uow() as uow:
            template = await uow.vendor_templates.get(organization_id, template_id)
            if template is None:
                raise NotFound("vendor template", template_id)
            if "name" in changes and changes["name"] != template.name:
                await self._unique(uow, organization_id, changes["name"])
            old = {name: getattr(template, name) for name in changes}
            for name, value in changes.items():
                setattr(template, name, value)
            template.updated_at = self.clock.now()
            await record(
                uow,
                principal,
                "vendor_template.update",
                "vendor_template",
                template_id,
                changes_of(old, changes),
                at=template.updated_at,
            )
            await uow.commit()
        return template

    async def delete(self, principal: Principal, template_id: int) -> None:
        async with self.uow() as uow:
            template = await uow.vendor_templates.get(principal.organization_id, template_id)
            if template is None:
                raise NotFound("vendor template", template_id)
            await uow.vendor_templates.delete(template)
            await record(
                uow,
                principal,
                "vendor_template.delete",
                "vendor_template",
                template_id,
                {"name": template.name},
                at=self.clock.now(),
            )
            await uow.commit()

    @staticmethod
    async def _unique(uow: UnitOfWork, organization_id: int, name: str) -> None:
        if await uow.vendor_templates.by_name(organization_id, name) is not None:
            raise Conflict(f"a vendor template named {name!r} already exists")
