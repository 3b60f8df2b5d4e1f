"""The roles a person can hold in one edition, and what each may do."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    ORGANISER = "organiser"
    LOGISTICS = "logistics"
    BOX_OFFICE = "box_office"
    GATE = "gate"
    PERFORMER = "performer"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS: dict[Role, str] = {
    Role.ORGANISER: "Organiser",
    Role.LOGISTICS: "Logistics coordinator",
    Role.BOX_OFFICE: "Box office",
    Role.GATE: "Gate staff",
    Role.PERFORMER: "Performer",
}
