"""A station's device model (OCPP 2.0.1 part 1): components, their variables, and each
variable's attributes and characteristics, as the station reported them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from kilowatt.domain.operations import CommandParams, Operation


@dataclass(eq=False)
class DeviceVariable:
    """One attribute (Actual, Target, MinSet, MaxSet) of one variable of one component."""

    station_id: int
    component: str
    variable: str
    updated_at: datetime
    component_instance: str = ""
    variable_instance: str = ""
    evse_id: int = 0
    """0: the component is not on an EVSE (2.0.1 EVSE and connector ids start at 1)."""
    connector_id: int = 0
    attribute_type: str = "Actual"
    value: str | None = None
    mutability: str | None = None
    persistent: bool | None = None
    constant: bool | None = None
    unit: str | None = None
    data_type: str | None = None
    min_limit: float | None = None
    max_limit: float | None = None
    values_list: str | None = None
    supports_monitoring: bool | None = None
    report_request_id: int | None = None
    id: int | None = None

    @property
    def key(self) -> tuple[str, str, int, int, str, str, str]:
        return (
            self.component,
            self.component_instance,
            self.evse_id,
            self.connector_id,
            self.variable,
            self.variable_instance,
            self.attribute_type,
        )


def merge(existing: DeviceVariable, reported: DeviceVariable) -> None:
    """Take what a new report says; keep what it leaves out (a report may carry only the
    attribute value, or only the characteristics)."""
    for name in (
        "value",
        "mutability",
        "persistent",
        "constant",
        "unit",
        "data_type",
        "min_limit",
        "max_limit",
        "values_list",
        "supports_monitoring",
        "report_request_id",
    ):
        new = getattr(reported, name)
        if new is not None:
            setattr(existing, name, new)
    existing.updated_at = reported.updated_at


# The commands that read and set it (and 1.6 configuration keys) ---------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class GetConfiguration(CommandParams):
    operation = Operation.GET_CONFIGURATION
    keys: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class ChangeConfiguration(CommandParams):
    operation = Operation.CHANGE_CONFIGURATION
    key: str
    value: str


@dataclass(frozen=True, slots=True, kw_only=True)
class VariableRef:
    component: str
    variable: str
    component_instance: str | None = None
    variable_instance: str | None = None
    evse_id: int | None = None
    connector_id: int | None = None
    attribute_type: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class VariableValue(VariableRef):
    value: str


@dataclass(frozen=True, slots=True, kw_only=True)
class GetVariables(CommandParams):
    operation = Operation.GET_VARIABLES
    variables: tuple[VariableRef, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class SetVariables(CommandParams):
    operation = Operation.SET_VARIABLES
    variables: tuple[VariableValue, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class GetBaseReport(CommandParams):
    operation = Operation.GET_BASE_REPORT
    report_base: str


@dataclass(frozen=True, slots=True, kw_only=True)
class GetReport(CommandParams):
    operation = Operation.GET_REPORT
    variables: tuple[VariableRef, ...] = ()
    criteria: tuple[str, ...] = ()
