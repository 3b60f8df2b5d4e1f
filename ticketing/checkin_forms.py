"""The check-in page's forms (a list, a device) turned into the API's request structs, and back.

Browsers send every field as text and repeat a name for each ticked box; times are typed on the
edition's clock. Each form goes through one function here, then the services apply exactly the
checks the JSON API gets (``checkin_lists.save_list``, ``devices.pair``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import msgspec

from festival.auth.principal import Principal
from festival.editions.services import edition_row
from festival.errors import ValidationFailed
from festival.i18n import N_
from schedule.times import local, to_utc
from ticketing import checkin_lists
from ticketing.checkin_schemas import CheckinListIn, CheckinListOut, DeviceIn

# What a refused field asks for, in words (the page shows them translated: ``checkin_view``).
FIELD_HINTS = {
    "slug": N_("Short name: use lower-case letters, digits and hyphens, e.g. main-gate."),
    "name": N_("Name: give a name (one line)."),
    "gates": N_("Gates: give gate names separated by commas (at most 80 characters each)."),
    "doors_open_min": N_("Doors open: give the minutes as a whole number from 0 to 1440."),
    "doors_close_min": N_("Doors close: give the minutes as a whole number from 0 to 1440."),
    "lists": N_("Tick at least one check-in list."),
    "gate": N_("Gate: give the gate's name (at most 80 characters, one line)."),
    "ticket_types": N_("Tick ticket types of this edition."),
}
NOT_ACCEPTED = N_("A value of the form is not accepted.")


def _list(form: Mapping[str, Any], name: str) -> list[str]:
    value = form.get(name, [])
    values = value if isinstance(value, list) else [value]
    return [v.strip() for v in values if isinstance(v, str) and v.strip()]


def _text(form: Mapping[str, Any], name: str) -> str:
    value = form.get(name, "")
    if isinstance(value, list):
        value = value[-1] if value else ""
    return str(value).strip()


def _minutes(form: Mapping[str, Any], name: str, default: int) -> Any:
    text = _text(form, name)
    return int(text) if text.isdigit() and len(text) < 6 else (text or default)


def _convert(values: dict[str, Any], kind: type[Any]) -> Any:
    """The form's values as ``kind``; a refusal names the field in words, not the validator's terms."""
    try:
        return msgspec.convert(values, kind)
    except msgspec.ValidationError as exc:
        found = re.search(r"at `\$\.(\w+)", str(exc))
        field = found.group(1) if found else ""
        hint = FIELD_HINTS.get(field, NOT_ACCEPTED)
        raise ValidationFailed(hint, code="invalid", extra={"field": field} if field else {}) from None


def list_values(form: Mapping[str, Any]) -> dict[str, Any]:
    """The list form as the template shows it again (ticked boxes as lists)."""
    return {
        "slug": _text(form, "slug"),
        "name": _text(form, "name"),
        "ticket_types": _list(form, "ticket_types"),
        "slots": _list(form, "slots"),
        "gates": _text(form, "gates"),
        "doors_open_min": _text(form, "doors_open_min"),
        "doors_close_min": _text(form, "doors_close_min"),
        "valid_from": _text(form, "valid_from"),
        "valid_until": _text(form, "valid_until"),
        "reentry": bool(_text(form, "reentry")),
        "exit_scans": bool(_text(form, "exit_scans")),
    }


def list_in(form: Mapping[str, Any], time_zone: str) -> CheckinListIn:
    """A list from its form; ``valid_from``/``valid_until`` are local times of ``time_zone``.
    ``ValidationFailed``: ``invalid`` (a field), the local-time codes of ``schedule.times.to_utc``."""
    values = list_values(form)
    result: CheckinListIn = _convert(
        {
            **values,
            "gates": [g.strip() for g in values["gates"].split(",") if g.strip()],
            "doors_open_min": _minutes(form, "doors_open_min", 30),
            "doors_close_min": _minutes(form, "doors_close_min", 0),
            "valid_from": to_utc(values["valid_from"], time_zone, "valid_from") if values["valid_from"] else None,
            "valid_until": to_utc(values["valid_until"], time_zone, "valid_until") if values["valid_until"] else None,
        },
        CheckinListIn,
    )
    return result


def list_form(found: CheckinListOut, time_zone: str) -> dict[str, Any]:
    """The form fields of an existing list, as ``list_values`` reads them."""

    def clock(value: Any) -> str:
        if value is None:
            return ""
        shown = local(value, time_zone)
        # Inside the repeated autumn hour the offset is what tells the two apart: keep it there.
        ambiguous = shown.replace(fold=1 - shown.fold).utcoffset() != shown.utcoffset()
        return shown.isoformat(timespec="minutes") if ambiguous else shown.strftime("%Y-%m-%d %H:%M")

    return {
        "slug": found.slug,
        "name": found.name,
        "ticket_types": found.ticket_types,
        "slots": found.slots,
        "gates": ", ".join(found.gates),
        "doors_open_min": str(found.doors_open_min),
        "doors_close_min": str(found.doors_close_min),
        "valid_from": clock(found.valid_from),
        "valid_until": clock(found.valid_until),
        "reentry": found.reentry,
        "exit_scans": found.exit_scans,
    }


async def save_list_form(actor: Principal, edition: str, form: Mapping[str, Any], replace: str | None = None) -> int:
    """``checkin_lists.save_list`` from the list form (times on the edition's clock); its errors."""
    time_zone = str((await edition_row(edition, actor))["time_zone"])
    return await checkin_lists.save_list(actor, edition, list_in(form, time_zone), replace=replace)


def device_values(form: Mapping[str, Any]) -> dict[str, Any]:
    return {"name": _text(form, "name"), "lists": _list(form, "lists"), "gate": _text(form, "gate")}


def device_in(form: Mapping[str, Any]) -> DeviceIn:
    result: DeviceIn = _convert(device_values(form), DeviceIn)
    return result
