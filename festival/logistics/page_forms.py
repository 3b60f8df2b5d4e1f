"""The day-of forms of the coordinators' page, turned into the API's request structs.

Each form changes a few fields of one row: the rest of the request is the row as it is now (read
through the same service the API's ``GET`` uses), so the page then calls exactly the service the
API's ``PUT`` calls, with every check and side effect of it (a leg's following pickups move with
it). Browsers send text: an empty time or date is TBD (``null``), a ticked box is present, an
unticked one absent. A refusal becomes a message in the page's language (``refusal_text``).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

import msgspec

from festival.errors import FestivalError, ValidationFailed
from festival.i18n import N_, gettext
from festival.logistics import schemas as s

LEG_STATUSES = ("planned", "booked", "confirmed", "cancelled")
TRANSFER_STATUSES = ("planned", "confirmed", "done", "cancelled")
DOCUMENT_STATUSES = ("needed", "requested", "issued", "refused")

# A field a browser could send wrong (only a hand-made request can): what to do instead.
FIELD_HINTS = {
    "status": N_("Choose one of the listed statuses."),
    "arrival_actual": N_("Give the date and time of the arrival, e.g. 2027-01-20 06:05."),
    "pickup": N_("Give the date and time of the pickup, e.g. 2027-01-20 06:50."),
    "valid_from": N_("Give the dates as YYYY-MM-DD, with a year from 1900 to 2999."),
    "valid_until": N_("Give the dates as YYYY-MM-DD, with a year from 1900 to 2999."),
}
NOT_ACCEPTED = N_("This value is not accepted.")

# The services' codes a form can meet, in words; %(time)s is what was typed, %(zone)s its place's zone.
REFUSALS = {
    "nonexistent_local_time": N_(
        "%(time)s does not exist in %(zone)s: the clocks skip that hour (daylight saving time starts). "
        "Choose a time before or after it."
    ),
    "ambiguous_local_time": N_(
        "%(time)s happens twice in %(zone)s (the clocks go back). Choose a time outside that hour, "
        "or give the time with its UTC offset through the API."
    ),
    "offset_mismatch": N_("%(time)s is not a time %(zone)s has: give the local time at the place."),
    "invalid_times": N_("%(time)s is not a date and time."),
    "arrival_before_departure": N_("The arrival must be after the departure (%(departure)s)."),
    "invalid_validity": N_("“Valid until” cannot be before “valid from”."),
    "leg_not_found": N_("There is no such travel leg in this edition."),
    "transfer_not_found": N_("There is no such transfer in this edition."),
    "document_not_found": N_("There is no such document in this edition."),
}


def typed(form: Mapping[str, Any], name: str) -> str:
    """A field as typed (the last, if a name repeats), without surrounding spaces."""
    value = form.get(name, "")
    if isinstance(value, list):
        value = value[-1] if value else ""
    return str(value).strip()


def shown(form: Mapping[str, Any], name: str) -> str:
    """A typed time as a message quotes it: ``2027-03-28 03:30``."""
    return typed(form, name).replace("T", " ")


def _ticked(form: Mapping[str, Any], name: str) -> bool:
    return typed(form, name) not in ("", "0", "false", "off")


def _convert(values: dict[str, Any], kind: type[Any]) -> Any:
    """``values`` as ``kind``; a refusal names the field's hint (``FIELD_HINTS``), not the validator's terms."""
    try:
        return msgspec.convert(values, kind)
    except msgspec.ValidationError as exc:
        found = re.search(r"at `\$\.(\w+)", str(exc)) or re.match(r"(\w+): ", str(exc))
        field = found.group(1) if found else ""
        raise ValidationFailed(FIELD_HINTS.get(field, NOT_ACCEPTED), code="invalid") from None


def field_value(instant: dt.datetime | None) -> str:
    """A local time as a ``datetime-local`` input shows it (``2027-01-20T06:05``); '' for TBD."""
    return "" if instant is None else instant.strftime("%Y-%m-%dT%H:%M")


def _with_offset(instant: dt.datetime | None) -> str | None:
    """A stored local time as the API takes it back unchanged: with its offset, which also says
    which of the repeated autumn hour's two times it is."""
    return None if instant is None else instant.isoformat(timespec="seconds")


def _typed_time(value: str, current: dt.datetime | None) -> str | None:
    """A typed local time ('' is TBD). The same wall clock as the current value keeps the current
    instant: a time in the repeated autumn hour, shown without its offset, is not made ambiguous by
    saving the form again."""
    if not value:
        return None
    minutes = value.replace(" ", "T")
    if len(minutes) == 19 and minutes.endswith(":00"):  # a browser may add the seconds
        minutes = minutes[:16]
    if current is not None and minutes == field_value(current):
        return _with_offset(current)
    return value


def leg_in(leg: s.LegOut, form: Mapping[str, Any]) -> s.LegIn:
    """The leg as it is, with the form's actual arrival, "arrived" mark and status."""
    air = leg.mode == "air"
    values = {
        "mode": leg.mode,
        "direction": leg.direction,
        "carrier": leg.carrier,  # as the API gives them (CZ, 8171), which it takes back
        "number": leg.number,
        "booking_reference": leg.booking_reference,
        "from_code": leg.from_code,
        "from_place": leg.from_place,
        "from_zone": None if air else leg.from_zone,  # an airport's zone comes from the airport table
        "to_code": leg.to_code,
        "to_place": leg.to_place,
        "to_zone": None if air else leg.to_zone,
        "departure": _with_offset(leg.departure_local),
        "arrival": _with_offset(leg.arrival_local),
        "arrival_actual": _typed_time(typed(form, "arrival_actual"), leg.arrival_actual_local),
        "arrived": _ticked(form, "arrived"),
        "status": typed(form, "status"),
        "passengers": [p.person for p in leg.passengers],
        "notes": leg.notes,
    }
    result: s.LegIn = _convert(values, s.LegIn)
    return result


def transfer_in(transfer: s.TransferOut, form: Mapping[str, Any]) -> s.TransferIn:
    """The transfer as it is, with the form's pickup time (empty: follow the leg again) and status."""
    current = None if transfer.pickup_from_leg else transfer.pickup_local
    values = {
        "dropoff_place": transfer.dropoff_place,
        "leg": transfer.leg,
        "pickup": _typed_time(typed(form, "pickup"), current),
        "pickup_place": transfer.pickup_place,
        "pickup_zone": transfer.pickup_zone,
        "vehicle": transfer.vehicle,
        "seats": transfer.seats,
        "driver_name": transfer.driver_name,
        "driver_phone": transfer.driver_phone,
        "status": typed(form, "status"),
        "passengers": [p.person for p in transfer.passengers],
        "notes": transfer.notes,
    }
    result: s.TransferIn = _convert(values, s.TransferIn)
    return result


def document_in(document: s.DocumentOut, form: Mapping[str, Any]) -> s.DocumentIn:
    """The document as it is, with the form's status and validity dates (empty: not known yet)."""
    values = {
        "person": document.person,
        "kind": document.kind,
        "document_type": document.document_type,
        "status": typed(form, "status"),
        "issued_by": document.issued_by,
        "valid_from": typed(form, "valid_from") or None,
        "valid_until": typed(form, "valid_until") or None,
        "notes": document.notes,
    }
    result: s.DocumentIn = _convert(values, s.DocumentIn)
    return result


def refusal_text(exc: FestivalError, **params: str) -> str:
    """The refusal in the page's language: ``REFUSALS`` with ``params`` (time, zone, departure), a
    field's hint, or else the service's own message."""
    if exc.code in REFUSALS:
        return gettext(REFUSALS[exc.code]) % {"time": "", "zone": "", "departure": "", **params}
    if exc.code == "invalid" and exc.message in (*FIELD_HINTS.values(), NOT_ACCEPTED):
        return gettext(exc.message)
    return exc.message
