"""Checks of what travel documents hold: passport names and numbers, nationalities, flight numbers.

Passport names are typed exactly as printed in the passport's Latin name fields and never derived
from another name (a transliteration is the passport office's choice, not ours). ICAO Doc 9303
writes names in the machine-readable zone with the letters A-Z only, and in the visual zone in
capitals that may keep the separators a name has; we accept A-Z, single spaces, hyphens and
apostrophes between letters (``O'NEILL``, ``ANNA-LIISA``, ``ZHANG``). Lower case and letters
with accents are refused with the reason, since the airline's booking must match the passport.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from festival.errors import ValidationFailed

_PASSPORT_NAME = re.compile(r"^[A-Z]+(?:[ '\-][A-Z]+)*$")
_PASSPORT_NUMBER = re.compile(r"^[A-Z0-9]{5,20}$")
_NATIONALITY = re.compile(r"^[A-Z]{3}$")
# IATA airline designator (two characters, at least one a letter) or ICAO (three letters), then a
# flight number of 1-4 digits and an optional operational suffix letter.
_FLIGHT = re.compile(r"^(?P<carrier>[A-Z]{3}|[A-Z][A-Z0-9]|[0-9][A-Z])(?P<number>[0-9]{1,4}[A-Z]?)$")


def check_passport_name(value: str, field: str, *, required: bool) -> str:
    """``value`` as printed in a passport, or ``ValidationFailed`` (``invalid_passport_name``)."""
    if not value:
        if required:
            raise ValidationFailed(f"{field}: give the name as printed in the passport", code="invalid_passport_name")
        return value
    if _PASSPORT_NAME.match(value):
        return value
    if value != value.upper():
        why = "use capital letters, as the passport prints them"
    elif any(not ("A" <= c <= "Z") and c.isalpha() for c in value):
        why = "use only the letters A-Z: type the Latin spelling printed in the passport (no accents, no other scripts)"
    else:
        why = "use the letters A-Z with single spaces, hyphens or apostrophes between them"
    raise ValidationFailed(f"{field}: {value!r} is not a passport name: {why}", code="invalid_passport_name")


def check_nationality(value: str | None) -> str | None:
    if value is not None and not _NATIONALITY.match(value):
        raise ValidationFailed(
            f"passport.nationality: {value!r} is not a three-letter code as in passports (e.g. CHN, FIN)",
            code="invalid_nationality",
        )
    return value


def check_passport_number(value: str) -> str:
    number = value.strip().upper()
    if not _PASSPORT_NUMBER.match(number):
        raise ValidationFailed(
            "number: a passport number is 5-20 letters A-Z and digits, as printed", code="invalid_passport_number"
        )
    return number


@dataclass(frozen=True, slots=True)
class FlightNumber:
    carrier: str
    number: str

    @property
    def designator(self) -> str:
        return f"{self.carrier}{self.number}"


def parse_flight_number(value: str) -> FlightNumber:
    """``CZ8171``, ``AY 51``, ``ay0051`` → carrier and number; ``ValidationFailed`` (``invalid_flight_number``)."""
    found = _FLIGHT.match(value.replace(" ", "").upper())
    if found is None:
        raise ValidationFailed(
            f"number: {value!r} is not a flight number: the airline's code and the number, e.g. CZ8171 or AY51",
            code="invalid_flight_number",
        )
    return FlightNumber(found["carrier"], found["number"])
