"""The device model commands as OCPP 2.0.1 CALLs: GetVariables, SetVariables, GetBaseReport,
GetReport; a variable's neutral name (component, instance, EVSE, connector, variable, instance,
attribute type) to and from 2.0.1's nested one."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kilowatt.domain.commands import CommandId, CommandStatus, Operation, Outcome
from kilowatt.domain.device_model import (
    GetBaseReport,
    GetReport,
    GetVariables,
    SetVariables,
    VariableRef,
)
from kilowatt.ocpp.commands import Payload, Translation, optional

SECURITY_CTRLR = "SecurityCtrlr"
BASIC_AUTH_PASSWORD = "BasicAuthPassword"  # noqa: S105 (a variable name)


def variable_ref(item: VariableRef) -> Payload:
    component: Payload = optional(
        {"name": item.component}, instance=item.component_instance or None
    )
    if item.evse_id:
        component["evse"] = optional({"id": item.evse_id}, connectorId=item.connector_id or None)
    return {
        "component": component,
        "variable": optional({"name": item.variable}, instance=item.variable_instance or None),
    }


def _neutral(result: Payload) -> Payload:
    component, variable = result["component"], result["variable"]
    evse = component.get("evse") or {}
    return {
        "component": component["name"],
        "component_instance": component.get("instance", ""),
        "evse_id": evse.get("id", 0),
        "connector_id": evse.get("connectorId", 0),
        "variable": variable["name"],
        "variable_instance": variable.get("instance", ""),
        "attribute_type": result.get("attributeType", "Actual"),
    }


def _get_variables(params: GetVariables, command_id: CommandId) -> Payload:
    return {
        "getVariableData": [
            optional(variable_ref(item), attributeType=item.attribute_type)
            for item in params.variables
        ]
    }


def _variables_read(params: GetVariables, answer: Payload) -> Outcome:
    results = answer.get("getVariableResult") or []
    settings = [
        {**_neutral(r), "value": r.get("attributeValue")}
        for r in results
        if r["attributeStatus"] == "Accepted"
    ]
    refused = [
        {**_neutral(r), "status": r["attributeStatus"]}
        for r in results
        if r["attributeStatus"] != "Accepted"
    ]
    return Outcome(CommandStatus.ACCEPTED, answer, data={"settings": settings, "refused": refused})


def _set_variables(params: SetVariables, command_id: CommandId) -> Payload:
    for item in params.variables:
        if (item.component, item.variable) == (SECURITY_CTRLR, BASIC_AUTH_PASSWORD):
            raise ValueError(
                "SecurityCtrlr.BasicAuthPassword (the station's password) is set by the "
                "rotate_password command"
            )
    return {
        "setVariableData": [
            optional(
                {**variable_ref(item), "attributeValue": item.value},
                attributeType=item.attribute_type,
            )
            for item in params.variables
        ]
    }


KEY_FIELDS = (
    "component",
    "component_instance",
    "evse_id",
    "connector_id",
    "variable",
    "variable_instance",
    "attribute_type",
)


def _key(neutral: Mapping[str, Any]) -> tuple[Any, ...]:
    return tuple(neutral[name] for name in KEY_FIELDS)


def _param_key(item: VariableRef) -> tuple[Any, ...]:
    return (
        item.component,
        item.component_instance or "",
        item.evse_id or 0,
        item.connector_id or 0,
        item.variable,
        item.variable_instance or "",
        item.attribute_type or "Actual",
    )


def _variables_written(params: SetVariables, answer: Payload) -> Outcome:
    """The values the station took; the command is rejected when any was refused."""
    asked = {_param_key(item): item.value for item in params.variables}
    settings, refused = [], []
    for result in answer.get("setVariableResult") or []:
        neutral = _neutral(result)
        if result["attributeStatus"] in ("Accepted", "RebootRequired"):
            settings.append({**neutral, "value": asked.get(_key(neutral))})
        else:
            refused.append({**neutral, "status": result["attributeStatus"]})
    status = CommandStatus.ACCEPTED if not refused else CommandStatus.REJECTED
    error = "" if not refused else f"{len(refused)} variable(s) refused"
    return Outcome(status, answer, error, data={"settings": settings, "refused": refused})


def _base_report(params: GetBaseReport, command_id: CommandId) -> Payload:
    return {"requestId": command_id, "reportBase": params.report_base}


def _report(params: GetReport, command_id: CommandId) -> Payload:
    return optional(
        {"requestId": command_id},
        componentVariable=[variable_ref(v) for v in params.variables] or None,
        componentCriteria=list(params.criteria) or None,
    )


COMMANDS: Mapping[Operation, Translation[Any]] = {
    Operation.GET_VARIABLES: Translation("GetVariables", _get_variables, _variables_read),
    Operation.SET_VARIABLES: Translation("SetVariables", _set_variables, _variables_written),
    Operation.GET_BASE_REPORT: Translation("GetBaseReport", _base_report),
    Operation.GET_REPORT: Translation("GetReport", _report),
}
