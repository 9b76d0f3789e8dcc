"""The tariff form: its fields (a tariff's head and up to ELEMENTS elements, each with its
four price components and its restrictions), the OCPI body it becomes, the values a version
fills it with, and the domain's field names (``elements[1].price_components[0].price``) put
back beside the form field they came from, in words."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time
from decimal import Decimal
from typing import Annotated, Any, cast

from pydantic import Field, create_model

from kilowatt.domain.errors import InvalidInput
from kilowatt.domain.money import CURRENCIES, plain
from kilowatt.domain.tariffs import Dimension, TariffVersion, Weekday
from kilowatt.web.kit.forms import Day, Fields, Number, Says
from kilowatt.web.kit.i18n import N_

ELEMENTS = 4
"""Element rows the form shows (rows left empty are not part of the tariff)."""

COMPONENTS = {
    Dimension.ENERGY: "energy",
    Dimension.TIME: "time",
    Dimension.PARKING_TIME: "parking",
    Dimension.FLAT: "flat",
}
"""Each dimension's part of its form fields' names (e1_energy, e1_energy_step...)."""

RESTRICTIONS = (
    "start_time",
    "end_time",
    "start_date",
    "end_date",
    "min_kwh",
    "max_kwh",
    "min_power",
    "max_power",
    "min_duration",
    "max_duration",
)

TimeOfDay = Annotated[
    str,
    Field(pattern=r"^(([01]\d|2[0-3]):[0-5]\d)?$"),
    Says(N_("Enter a time of day as HH:MM, such as 17:00.")),
]
Price = Annotated[Number, Says(N_("Enter a price, such as 0.25."))]
Step = Annotated[
    int | None, Field(ge=1, le=86_400), Says(N_("Enter a whole number from 1 to 86400."))
]
Minutes = Annotated[
    int | None, Field(ge=0, le=100_000), Says(N_("Enter a whole number of minutes."))
]


def _element_fields(i: int) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for name in COMPONENTS.values():
        fields[f"e{i}_{name}"] = (Price, None)
        if name != "flat":
            fields[f"e{i}_{name}_step"] = (Step, None)
    fields[f"e{i}_start_time"] = (TimeOfDay, "")
    fields[f"e{i}_end_time"] = (TimeOfDay, "")
    fields[f"e{i}_start_date"] = (Day, None)
    fields[f"e{i}_end_date"] = (Day, None)
    for name in ("min_kwh", "max_kwh", "min_power", "max_power"):
        fields[f"e{i}_{name}"] = (Annotated[Number, Says(N_("Enter a number."))], None)
    fields[f"e{i}_min_duration"] = (Minutes, None)
    fields[f"e{i}_max_duration"] = (Minutes, None)
    fields[f"e{i}_days"] = (list[Weekday], [])
    return fields


_FIELDS: dict[str, Any] = {
    "name": (
        Annotated[str, Field(max_length=200), Says(N_("Enter a name of at most 200 characters."))],
        "",
    ),
    "currency": (Annotated[str, Field(max_length=3)], "EUR"),
    "vat": (Annotated[Number, Says(N_("Enter the VAT rate in percent, such as 24."))], None),
    "min_price": (Price, None),
    "max_price": (Price, None),
    "text": (Annotated[str, Field(max_length=500)], ""),
    **{k: v for i in range(1, ELEMENTS + 1) for k, v in _element_fields(i).items()},
}
TariffForm: type[Fields] = create_model("TariffForm", __base__=Fields, **_FIELDS)
"""The form's fields; element rows are numbered from 1 as the page shows them."""


@dataclass
class Built:
    """The OCPI body a form makes, and where each element and component came from."""

    body: dict[str, Any]
    rows: list[int] = field(default_factory=list)
    """Element index in the body → the form's row number."""
    components: list[list[str]] = field(default_factory=list)
    """Element index → component index → the component's name part (energy, flat...)."""


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _filled(data: dict[str, Any], i: int) -> bool:
    return any(data.get(f"e{i}_{name}") is not None for name in COMPONENTS.values())


def build(form: Fields) -> Built:
    """The OCPI body of a form read without field errors."""
    data = form.model_dump()
    built = Built({})
    elements = []
    for i in range(1, ELEMENTS + 1):
        if not _filled(data, i):
            continue
        components = []
        names = []
        for dimension, name in COMPONENTS.items():
            price = data.get(f"e{i}_{name}")
            if price is None:
                continue
            component: dict[str, Any] = {"type": dimension.value, "price": str(price)}
            step = data.get(f"e{i}_{name}_step")
            if step:
                component["step_size"] = step
            components.append(component)
            names.append(name)
        restrictions: dict[str, Any] = {}
        for key in ("start_time", "end_time"):
            if data[f"e{i}_{key}"]:
                restrictions[key] = data[f"e{i}_{key}"]
        for key in ("start_date", "end_date"):
            if data[f"e{i}_{key}"] is not None:
                restrictions[key] = data[f"e{i}_{key}"].isoformat()
        for key in ("min_kwh", "max_kwh", "min_power", "max_power"):
            if data[f"e{i}_{key}"] is not None:
                restrictions[key] = str(data[f"e{i}_{key}"])
        for key in ("min_duration", "max_duration"):
            if data[f"e{i}_{key}"] is not None:
                restrictions[key] = int(data[f"e{i}_{key}"]) * 60
        if data[f"e{i}_days"]:
            restrictions["day_of_week"] = [
                d.value for d in sorted(set(data[f"e{i}_days"]), key=list(Weekday).index)
            ]
        element: dict[str, Any] = {"price_components": components}
        if restrictions:
            element["restrictions"] = restrictions
        elements.append(element)
        built.rows.append(i)
        built.components.append(names)
    body: dict[str, Any] = {
        "currency": data["currency"],
        "vat": str(data["vat"]) if data["vat"] is not None else "0",
        "elements": elements,
    }
    for key in ("min_price", "max_price"):
        if data[key] is not None:
            body[key] = _text(data[key])
    if data["text"]:
        body["tariff_alt_text"] = [{"language": "en", "text": data["text"]}]
    built.body = body
    return built


def values_of(version: TariffVersion | None, name: str = "") -> dict[str, Any]:
    """The form's values for ``version`` (None: a new tariff)."""
    values: dict[str, Any] = {"name": name, "currency": "EUR", "vat": "", "text": ""}
    values["min_price"] = values["max_price"] = ""
    for i in range(1, ELEMENTS + 1):
        for key in COMPONENTS.values():
            values[f"e{i}_{key}"] = ""
            values[f"e{i}_{key}_step"] = ""
        for key in RESTRICTIONS:
            values[f"e{i}_{key}"] = ""
        values[f"e{i}_days"] = []
    if version is None:
        return values
    values["currency"] = version.currency
    values["vat"] = plain(version.vat_percent)
    values["min_price"] = "" if version.min_price is None else plain(version.min_price)
    values["max_price"] = "" if version.max_price is None else plain(version.max_price)
    values["text"] = version.texts.get("en") or next(iter(version.texts.values()), "")
    for index, element in enumerate(version.elements[:ELEMENTS]):
        i = index + 1
        for c in element.components:
            key = COMPONENTS[c.dimension]
            values[f"e{i}_{key}"] = plain(c.price)
            if key != "flat" and c.step_size > 1:
                values[f"e{i}_{key}_step"] = str(c.step_size)
        r = element.restrictions
        for key in RESTRICTIONS:
            value = getattr(r, key)
            if value is None:
                continue
            if isinstance(value, time):
                values[f"e{i}_{key}"] = value.strftime("%H:%M")
            elif isinstance(value, date):
                values[f"e{i}_{key}"] = value.isoformat()
            elif key.endswith("duration"):
                values[f"e{i}_{key}"] = str(int(value) // 60)
            else:
                values[f"e{i}_{key}"] = plain(cast(Decimal, value))
        values[f"e{i}_days"] = [d.value for d in r.day_of_week]
    return values


def currencies() -> list[tuple[str, str]]:
    return [(code, code) for code in sorted(CURRENCIES)]


_MESSAGES = (
    ("must not be negative", N_("Must not be negative.")),
    ("nothing would match", N_("The maximum must be above the minimum: nothing would match.")),
    ("could never apply", N_("This could never apply: change the start or the end.")),
    ("can never apply", N_("An earlier element always applies first: this one never would.")),
    ("ambiguous", N_("Another element has the same restrictions: the price would be ambiguous.")),
    ("prices this dimension twice", N_("The element prices this twice.")),
    ("must be at least 1", N_("Enter a step of 1 or more.")),
    ("at least one element", N_("Fill in at least one price.")),
    ("needs a price component", N_("Fill in at least one price.")),
    ("must be from 0 up to 100", N_("Enter a VAT rate from 0 up to 100 percent.")),
    ("is below min_price", N_("The maximum price is below the minimum price.")),
    ("unknown currency", N_("Choose one of the currencies.")),
    ("keeps its currency", N_("A tariff keeps its currency: make a new tariff for another.")),
    ("names a day twice", N_("A day is chosen twice.")),
)


def _where(error_field: str, built: Built) -> str:
    """The form field a domain field name belongs to."""
    if not error_field.startswith("elements["):
        return (
            error_field if error_field in ("currency", "vat", "min_price", "max_price") else "form"
        )
    head, _, rest = error_field.partition("]")
    index = int(head[len("elements[") :])
    if index >= len(built.rows):
        return "form"
    row = built.rows[index]
    rest = rest.lstrip(".")
    if rest.startswith("price_components["):
        number, _, tail = rest[len("price_components[") :].partition("]")
        names = built.components[index]
        if not number.isdigit() or int(number) >= len(names):
            return f"e{row}_energy"
        name = names[int(number)]
        return f"e{row}_{name}_step" if tail.endswith("step_size") else f"e{row}_{name}"
    if rest == "price_components":
        return f"e{row}_energy"
    if rest.startswith("restrictions."):
        key = rest[len("restrictions.") :]
        if key.startswith("day_of_week"):
            return f"e{row}_days"
        if key in RESTRICTIONS:
            return f"e{row}_{key}"
    return f"e{row}"


def field_error(error: InvalidInput, built: Built, gettext: Any) -> dict[str, str]:
    """The domain's refusal beside the form field it names, in words."""
    message = next((m for probe, m in _MESSAGES if probe in error.message), "")
    text = gettext(message) if message else gettext("This value is not accepted.")
    return {_where(error.field, built): text}
