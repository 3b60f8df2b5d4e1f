"""The check-in page's view: what its template shows, from the check-in services.

Organisers get the dashboard (``checkin_stats``), the lists with their forms and the devices; gate
staff get the lists (to read) and the devices (to pair and revoke). The scans-per-minute chart is an
inline SVG drawn here (no style attributes: the pages' CSP forbids them), with the same geometry
``festival/web/static/checkin.js`` uses when it redraws the bars from the JSON every few seconds.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from markupsafe import Markup

from festival.auth.principal import Principal
from festival.auth.roles import Role
from festival.editions.services import edition_row
from festival.errors import FestivalError
from festival.i18n import N_, gettext, localize
from ticketing import checkin_forms, checkin_lists, devices, documents
from ticketing.checkin import REASONS
from ticketing.checkin_stats import CheckinStats, MinuteStats, checkin_stats

CHART_HEIGHT = 60  # SVG units of the tallest bar
BAR_STEP = 10  # SVG units per minute
BAR_WIDTH = 8
TICK_EVERY = 5  # a time under every fifth bar
NEW_LIST: dict[str, Any] = {"doors_open_min": "30", "doors_close_min": "0", "ticket_types": [], "slots": []}

# What a person reads when a form is refused, by the service's error code; other codes show the
# service's own (English) message.
FRIENDLY = {
    "slug_taken": N_("This edition already has a list with that short name."),
    "empty_list": N_("Tick at least one ticket type or slot: a list must admit something."),
    "invalid_window": N_("“Valid until” must be after “valid from”."),
    "unknown_ticket_type": N_("That ticket type is not sold in this edition."),
    "invalid_slot": N_("That slot is not in this edition."),
    "unknown_list": N_("Tick at least one check-in list of this edition."),
    "list_not_found": N_("There is no such check-in list."),
    "device_not_found": N_("There is no such device."),
}
FIELD_MESSAGES = frozenset([*checkin_forms.FIELD_HINTS.values(), checkin_forms.NOT_ACCEPTED])


@dataclass(frozen=True, slots=True)
class Bar:
    x: int
    scans: int
    admitted: int
    scans_y: float
    scans_h: float
    admitted_y: float
    admitted_h: float
    label: str  # the minute on the edition's clock, HH:MM
    tick: bool  # show the label under the bar


@dataclass(frozen=True, slots=True)
class Chart:
    bars: list[Bar]
    peak: int
    width: int
    height: int


def chart(minutes: list[MinuteStats], time_zone: str) -> Chart:
    """Bars of scans (and of admitted scans inside them) scaled to the busiest minute."""
    zone = ZoneInfo(time_zone)
    peak = max((m.scans for m in minutes), default=0)
    scale = CHART_HEIGHT / max(peak, 1)
    bars = []
    for i, m in enumerate(minutes):
        scans_h, admitted_h = round(m.scans * scale, 1), round(m.admitted * scale, 1)
        bars.append(
            Bar(
                x=i * BAR_STEP + (BAR_STEP - BAR_WIDTH) // 2,
                scans=m.scans,
                admitted=m.admitted,
                scans_y=round(CHART_HEIGHT - scans_h, 1),
                scans_h=scans_h,
                admitted_y=round(CHART_HEIGHT - admitted_h, 1),
                admitted_h=admitted_h,
                label=m.start.astimezone(zone).strftime("%H:%M"),
                tick=(len(minutes) - 1 - i) % TICK_EVERY == 0,
            )
        )
    return Chart(bars, peak, len(minutes) * BAR_STEP, CHART_HEIGHT)


def clock(instant: dt.datetime | None, time_zone: str, now: dt.datetime) -> str:
    """An instant on the edition's clock: the time alone today, with the date on other days."""
    if instant is None:
        return ""
    zone = ZoneInfo(time_zone)
    shown = instant.astimezone(zone)
    return shown.strftime("%H:%M:%S") if shown.date() == now.astimezone(zone).date() else f"{shown:%Y-%m-%d %H:%M}"


def reason(result: str) -> str:
    """A scan's result for people, in the page's language."""
    return gettext(REASONS[result]) if result in REASONS else result


def refusal_text(exc: FestivalError) -> str:
    message = FRIENDLY.get(exc.code or "")
    if message is None and exc.code == "invalid" and exc.message in FIELD_MESSAGES:
        message = exc.message  # a form field's hint (checkin_forms.FIELD_HINTS)
    return gettext(message) if message else exc.message


async def checkin_page(actor: Principal, edition: str, lang: str) -> dict[str, Any]:
    """Everything the check-in page shows to ``actor`` (organiser or gate staff of ``edition``)."""
    ed = await edition_row(edition, actor)
    organiser = actor.has_role(edition, Role.ORGANISER)
    stats: CheckinStats | None = await checkin_stats(actor, edition) if organiser else None
    lists = await checkin_lists.lists_of(edition, actor)
    now = stats.generated_at if stats is not None else dt.datetime.now(dt.UTC)
    return {
        "edition": ed,
        "edition_name": localize(ed["names"], lang),
        "organiser": organiser,
        "stats": stats,
        "chart": chart(stats.minutes, ed["time_zone"]) if stats is not None else None,
        "device_stats": {d.id: d for d in stats.devices} if stats is not None else {},
        "lists": lists,
        "devices": await devices.devices_of(edition, actor),
        "gates": sorted({g for x in lists for g in x.gates}),
        "list_names": {x.slug: x.name for x in lists},
        "clock": lambda instant: clock(instant, ed["time_zone"], now),
        "reason": reason,
        "labels": {code: gettext(text) for code, text in REASONS.items()},
        "values": {},
    }


async def list_page(actor: Principal, edition: str, lang: str, slug: str | None = None) -> dict[str, Any]:
    """The list form: a new list (``slug`` None) or the list ``slug`` as it is. ``NotFound``."""
    ed = await edition_row(edition, actor)
    choices = await checkin_lists.list_choices(edition, actor, lang)
    found = await checkin_lists.list_of(edition, slug, actor) if slug is not None else None
    values = checkin_forms.list_form(found, ed["time_zone"]) if found is not None else NEW_LIST
    return {
        "edition": ed,
        "edition_name": localize(ed["names"], lang),
        "slug": slug,
        "choices": choices,
        "values": values,
    }


def pairing_qr(url: str) -> Markup:
    """The pairing link as a QR code a phone's camera opens."""
    # qrcode's own markup for a link we made (a token of ours and the site's address): nothing typed in it.
    return Markup(documents.qr_svg(url, gettext("QR code of the pairing link")))  # noqa: S704
