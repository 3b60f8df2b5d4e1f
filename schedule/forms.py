"""HTML forms of the organisers' pages, turned into the API's request structs (and back).

Browsers send every field as text and repeat a name for each ticked box, so each form is read
through one function here; the services then apply exactly the checks the JSON API gets.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import msgspec

from festival.errors import ValidationFailed
from festival.i18n import LANGUAGES
from schedule import schemas as s

TEXT_FIELDS = ("titles", "descriptions", "audience", "accessibility")


def _list(form: Mapping[str, Any], name: str) -> list[str]:
    value = form.get(name, [])
    values = value if isinstance(value, list) else [value]
    return [v.strip() for v in values if isinstance(v, str) and v.strip()]


def _text(form: Mapping[str, Any], name: str) -> str:
    value = form.get(name, "")
    if isinstance(value, list):
        value = value[-1] if value else ""
    return str(value).strip()


FIELD_HINTS = {
    "start": "give the date and time like 2027-02-06 18:00",
    "end": "give the date and time like 2027-02-06 19:30",
    "slug": "use lower-case letters, digits and single hyphens, e.g. lion-dance",
    "kind": "choose one of the listed kinds",
    "status": "choose draft, confirmed or cancelled",
    "admission": "choose free, free with registration or tickets",
    "languages": 'use language codes such as fi en zh, or "none"',
    "tags": "choose among the listed themes",
    "name": "give the version a name (at most 120 characters)",
    "capacity": "give the number of places as a whole number",
}


def _convert(values: dict[str, Any], kind: type[Any]) -> Any:
    """The form's values as ``kind``; a refusal names the field in words, not the validator's terms."""
    try:
        return msgspec.convert(values, kind)
    except msgspec.ValidationError as exc:
        found = re.search(r"at `\$\.(\w+)", str(exc))
        field = found.group(1) if found else ""
        hint = FIELD_HINTS.get(field, "this value is not accepted")
        raise ValidationFailed(f"{field}: {hint}" if field else hint, code="invalid") from None


def item_values(form: Mapping[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {
        name: {lang: _text(form, f"{name}.{lang}") for lang in LANGUAGES if _text(form, f"{name}.{lang}")}
        for name in TEXT_FIELDS
    }
    values["category"] = _text(form, "category") or None
    values["tags"] = _list(form, "tags")
    values["performers"] = _list(form, "performers")
    values["languages"] = [code.strip() for code in _text(form, "languages").replace(",", " ").split()]
    values["image_url"] = _text(form, "image_url")
    values["admission"] = _text(form, "admission") or "free"
    return values


def item_in(form: Mapping[str, Any]) -> s.ItemIn:
    result: s.ItemIn = _convert({"slug": _text(form, "slug"), **item_values(form)}, s.ItemIn)
    return result


def item_patch(form: Mapping[str, Any]) -> s.ItemPatch:
    result: s.ItemPatch = _convert(item_values(form), s.ItemPatch)
    return result


def _places(text: str) -> int | None:
    if not text:
        return None
    try:
        return int(text, 10)
    except ValueError:
        raise ValidationFailed("capacity: give the number of places as a whole number", code="invalid") from None


def slot_values(form: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "venue": _text(form, "venue"),
        "start": _text(form, "start"),
        "end": _text(form, "end"),
        "item": _text(form, "item") or None,
        "kind": _text(form, "kind") or "public",
        "status": _text(form, "status") or "draft",
        "capacity": _places(_text(form, "capacity")),
        "note": _text(form, "note"),
    }


def slot_in(form: Mapping[str, Any]) -> s.SlotIn:
    result: s.SlotIn = _convert(slot_values(form), s.SlotIn)
    return result


def slot_patch(form: Mapping[str, Any]) -> s.SlotPatch:
    result: s.SlotPatch = _convert(slot_values(form), s.SlotPatch)
    return result


def publish_in(form: Mapping[str, Any]) -> s.PublishIn:
    result: s.PublishIn = _convert(
        {
            "name": _text(form, "name"),
            "comment": _text(form, "comment"),
            "acknowledge_warnings": _text(form, "acknowledge_warnings") == "yes",
        },
        s.PublishIn,
    )
    return result


def item_form(item: s.ItemOut) -> dict[str, Any]:
    """The form fields of an existing item, as ``item_values`` reads them."""
    values: dict[str, Any] = {
        f"{name}.{lang}": text for name in TEXT_FIELDS for lang, text in getattr(item, name).items()
    }
    values.update(
        slug=item.slug,
        category=item.category or "",
        tags=item.tags,
        performers=item.performers,
        languages=" ".join(item.languages),
        image_url=item.image_url,
        admission=item.admission,
    )
    return values


def slot_form(slot: s.SlotOut) -> dict[str, Any]:
    def clock(value: Any) -> str:
        # Inside the repeated autumn hour the offset is what tells the two apart: keep it there.
        return str(value.isoformat(timespec="minutes") if _ambiguous(value) else value.strftime("%Y-%m-%d %H:%M"))

    return {
        "venue": slot.venue,
        "start": clock(slot.start),
        "end": clock(slot.end),
        "item": slot.item or "",
        "kind": slot.kind,
        "status": slot.status,
        "capacity": "" if slot.capacity is None else str(slot.capacity),
        "note": slot.note,
    }


def _ambiguous(value: Any) -> bool:
    other = value.replace(fold=1 - value.fold)
    return bool(other.utcoffset() != value.utcoffset())
