"""A station's device model: what identifies a variable attribute, and merging reports."""

from __future__ import annotations

import copy
from dataclasses import fields
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kilowatt.domain.device_model import DeviceVariable, merge
from tests.support.records import fields as own_fields

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
LATER = NOW + timedelta(hours=1)

# What a report may carry besides the identity of the attribute.
REPORTED = (
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
)


def variable(at: datetime = NOW, **values: Any) -> DeviceVariable:
    return DeviceVariable(
        station_id=7,
        component="SmartChargingCtrlr",
        variable="LimitChangeSignificance",
        updated_at=at,
        **values,
    )


FULL: dict[str, Any] = {
    "value": "0.1",
    "mutability": "ReadWrite",
    "persistent": True,
    "constant": False,
    "unit": "Percent",
    "data_type": "decimal",
    "min_limit": 0.0,
    "max_limit": 1.0,
    "values_list": None,
    "supports_monitoring": True,
    "report_request_id": 3,
}


# --- defaults and key ----------------------------------------------------------------------


def test_defaults() -> None:
    v = variable()
    assert (v.component_instance, v.variable_instance) == ("", "")
    assert (v.evse_id, v.connector_id) == (0, 0)
    assert v.attribute_type == "Actual"
    assert all(getattr(v, name) is None for name in REPORTED)
    assert v.id is None


def test_key_names_the_attribute() -> None:
    v = DeviceVariable(
        station_id=7,
        component="Connector",
        component_instance="left",
        evse_id=2,
        connector_id=1,
        variable="Available",
        variable_instance="phase",
        attribute_type="Target",
        updated_at=NOW,
        value="true",
    )
    assert v.key == ("Connector", "left", 2, 1, "Available", "phase", "Target")


def test_key_of_defaults() -> None:
    assert variable().key == (
        "SmartChargingCtrlr",
        "",
        0,
        0,
        "LimitChangeSignificance",
        "",
        "Actual",
    )


@pytest.mark.parametrize(
    "change",
    [
        {"component": "OCPPCommCtrlr"},
        {"component_instance": "2"},
        {"evse_id": 1},
        {"connector_id": 1},
        {"variable": "Enabled"},
        {"variable_instance": "x"},
        {"attribute_type": "MaxSet"},
    ],
)
def test_every_part_of_the_key_tells_attributes_apart(change: dict[str, Any]) -> None:
    base = variable()
    other = copy.copy(base)
    for name, value in change.items():
        setattr(other, name, value)
    assert other.key != base.key


@pytest.mark.parametrize(
    "change",
    [
        {"station_id": 8},
        {"value": "9"},
        {"unit": "A"},
        {"updated_at": LATER},
        {"report_request_id": 4},
        {"id": 12},
    ],
)
def test_value_and_characteristics_are_not_part_of_the_key(change: dict[str, Any]) -> None:
    base = variable()
    other = copy.copy(base)
    for name, value in change.items():
        setattr(other, name, value)
    assert other.key == base.key


def test_variables_compare_by_identity_not_by_value() -> None:
    # eq=False: two reports of the same attribute are two objects, matched by key
    assert variable() != variable()
    assert variable().key == variable().key


# --- merge ---------------------------------------------------------------------------------


def test_merge_takes_everything_a_full_report_says() -> None:
    existing = variable(id=5)
    merge(existing, variable(LATER, **FULL))
    for name, value in FULL.items():
        assert getattr(existing, name) == value, name
    assert existing.updated_at == LATER


def test_merge_keeps_what_a_value_only_report_leaves_out() -> None:
    existing = variable(**FULL)
    merge(existing, variable(LATER, value="0.25"))
    assert existing.value == "0.25"
    for name, value in FULL.items():
        if name != "value":
            assert getattr(existing, name) == value, name
    assert existing.updated_at == LATER


def test_merge_keeps_the_value_when_only_characteristics_are_reported() -> None:
    existing = variable(value="0.1", mutability="ReadWrite")
    merge(existing, variable(LATER, unit="Percent", data_type="decimal", max_limit=1.0))
    assert (existing.value, existing.mutability) == ("0.1", "ReadWrite")
    assert (existing.unit, existing.data_type, existing.max_limit) == ("Percent", "decimal", 1.0)
    assert existing.min_limit is None


@pytest.mark.parametrize(
    ("name", "old", "new"),
    [
        ("value", "10", ""),
        ("persistent", True, False),
        ("constant", True, False),
        ("supports_monitoring", True, False),
        ("min_limit", 5.0, 0.0),
        ("max_limit", 5.0, 0.0),
        ("report_request_id", 3, 0),
        ("values_list", "A,B", ""),
    ],
)
def test_merge_takes_false_zero_and_empty_as_reported(name: str, old: Any, new: Any) -> None:
    existing = variable(**{name: old})
    merge(existing, variable(LATER, **{name: new}))
    assert getattr(existing, name) == new
    assert type(getattr(existing, name)) is type(new)


def test_merge_leaves_identity_and_id_alone() -> None:
    existing = variable(id=5)
    reported = DeviceVariable(
        station_id=99,
        component="Other",
        component_instance="i",
        evse_id=3,
        connector_id=2,
        variable="Other",
        variable_instance="j",
        attribute_type="Target",
        updated_at=LATER,
        value="x",
        id=77,
    )
    key = existing.key
    merge(existing, reported)
    assert existing.key == key
    assert (existing.station_id, existing.id) == (7, 5)
    assert existing.value == "x"


def test_merge_does_not_change_the_report() -> None:
    reported = variable(LATER, value="1")
    before = own_fields(reported)
    merge(variable(**FULL), reported)
    assert own_fields(reported) == before


def test_merge_of_an_empty_report_only_moves_the_time() -> None:
    existing = variable(**FULL)
    before = own_fields(existing)
    merge(existing, variable(LATER))
    assert own_fields(existing) == {**before, "updated_at": LATER}


def test_reported_covers_every_field_outside_the_identity() -> None:
    identity = {
        "station_id",
        "component",
        "component_instance",
        "evse_id",
        "connector_id",
        "variable",
        "variable_instance",
        "attribute_type",
        "updated_at",
        "id",
    }
    assert {f.name for f in fields(DeviceVariable)} == identity | set(REPORTED)


optional_values: dict[str, st.SearchStrategy[Any]] = {
    "value": st.one_of(st.none(), st.text(max_size=5)),
    "mutability": st.one_of(st.none(), st.sampled_from(["ReadOnly", "WriteOnly", "ReadWrite"])),
    "persistent": st.one_of(st.none(), st.booleans()),
    "constant": st.one_of(st.none(), st.booleans()),
    "unit": st.one_of(st.none(), st.sampled_from(["A", "W", ""])),
    "data_type": st.one_of(st.none(), st.sampled_from(["integer", "decimal", "string"])),
    "min_limit": st.one_of(st.none(), st.floats(allow_nan=False)),
    "max_limit": st.one_of(st.none(), st.floats(allow_nan=False)),
    "values_list": st.one_of(st.none(), st.text(max_size=5)),
    "supports_monitoring": st.one_of(st.none(), st.booleans()),
    "report_request_id": st.one_of(st.none(), st.integers()),
}
reports = st.fixed_dictionaries(optional_values)


@settings(deadline=None, max_examples=60)
@given(st.lists(reports, min_size=1, max_size=5))
def test_merged_field_is_the_last_reported_value(history: list[dict[str, Any]]) -> None:
    existing = variable(**history[0])
    for i, report in enumerate(history[1:], start=1):
        merge(existing, variable(NOW + timedelta(minutes=i), **report))
    for name in REPORTED:
        said = [report[name] for report in history if report[name] is not None]
        assert getattr(existing, name) == (said[-1] if said else None), name
    assert existing.updated_at == NOW + timedelta(minutes=len(history) - 1)
