"""The airports logistics knows by IATA code, with their IANA zones.

A small built-in table (the routes between Beijing, Helsinki and their usual hubs): a leg by air
names its ends by these codes and takes each end's zone from here, so a flight is always shown in
the clocks of its two airports. An unknown code is refused (``unknown_airport``) rather than
guessed; add a row here to support another airport. Rail, road and sea legs name their places in
free text with an explicit zone instead.
"""

from __future__ import annotations

from dataclasses import dataclass

from festival.errors import ValidationFailed


@dataclass(frozen=True, slots=True)
class Airport:
    code: str
    name: str
    city: str
    time_zone: str


AIRPORTS: dict[str, Airport] = {
    a.code: a
    for a in [
        Airport("HEL", "Helsinki Airport", "Helsinki", "Europe/Helsinki"),
        Airport("PKX", "Beijing Daxing International Airport", "Beijing", "Asia/Shanghai"),
        Airport("PEK", "Beijing Capital International Airport", "Beijing", "Asia/Shanghai"),
        Airport("PVG", "Shanghai Pudong International Airport", "Shanghai", "Asia/Shanghai"),
        Airport("SHA", "Shanghai Hongqiao International Airport", "Shanghai", "Asia/Shanghai"),
        Airport("CAN", "Guangzhou Baiyun International Airport", "Guangzhou", "Asia/Shanghai"),
        Airport("CTU", "Chengdu Shuangliu International Airport", "Chengdu", "Asia/Shanghai"),
        Airport("TFU", "Chengdu Tianfu International Airport", "Chengdu", "Asia/Shanghai"),
        Airport("XIY", "Xi'an Xianyang International Airport", "Xi'an", "Asia/Shanghai"),
        Airport("HKG", "Hong Kong International Airport", "Hong Kong", "Asia/Hong_Kong"),
        Airport("ARN", "Stockholm Arlanda Airport", "Stockholm", "Europe/Stockholm"),
        Airport("CPH", "Copenhagen Airport", "Copenhagen", "Europe/Copenhagen"),
        Airport("OSL", "Oslo Airport", "Oslo", "Europe/Oslo"),
        Airport("FRA", "Frankfurt Airport", "Frankfurt", "Europe/Berlin"),
        Airport("MUC", "Munich Airport", "Munich", "Europe/Berlin"),
        Airport("CDG", "Paris Charles de Gaulle Airport", "Paris", "Europe/Paris"),
        Airport("AMS", "Amsterdam Airport Schiphol", "Amsterdam", "Europe/Amsterdam"),
        Airport("LHR", "London Heathrow Airport", "London", "Europe/London"),
        Airport("IST", "Istanbul Airport", "Istanbul", "Europe/Istanbul"),
        Airport("DOH", "Hamad International Airport", "Doha", "Asia/Qatar"),
        Airport("DXB", "Dubai International Airport", "Dubai", "Asia/Dubai"),
        Airport("NRT", "Narita International Airport", "Tokyo", "Asia/Tokyo"),
        Airport("HND", "Tokyo Haneda Airport", "Tokyo", "Asia/Tokyo"),
        Airport("ICN", "Incheon International Airport", "Seoul", "Asia/Seoul"),
        Airport("BKK", "Suvarnabhumi Airport", "Bangkok", "Asia/Bangkok"),
        Airport("SIN", "Singapore Changi Airport", "Singapore", "Asia/Singapore"),
    ]
}


def airport(code: str, field: str) -> Airport:
    """The airport of an IATA code (case-insensitive); ``ValidationFailed`` (``unknown_airport``) otherwise."""
    found = AIRPORTS.get(code.strip().upper())
    if found is None:
        raise ValidationFailed(
            f"{field}: {code!r} is not an airport logistics knows (IATA codes such as HEL, PKX, PEK); "
            "for a station or another place use a rail, road or sea leg with its zone",
            code="unknown_airport",
        )
    return found
