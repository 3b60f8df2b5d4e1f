"""What the pages show about calendar feeds: subscription links (webcal, https, Google, Outlook) for
an edition's feeds, and a visitor's personal calendar."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from festival.i18n import gettext, localize
from festival.web.http import webcal_of
from schedule import personal
from schedule.snapshot import Programme
from schedule.views import page_context

GOOGLE_SUBSCRIBE = "https://calendar.google.com/calendar/render"
OUTLOOK_SUBSCRIBE = "https://outlook.live.com/calendar/0/addfromweb"
OFFICE_SUBSCRIBE = "https://outlook.office.com/calendar/0/addfromweb"


@dataclass(frozen=True, slots=True)
class Subscription:
    """One feed and the ways to subscribe to it."""

    label: str
    https: str
    webcal: str
    google: str
    outlook: str
    office: str


def subscription(label: str, url: str) -> Subscription:
    """``url`` is the feed's plain address; webcal:// is the same address for calendar apps."""
    webcal = webcal_of(url)
    return Subscription(
        label=label,
        https=url,
        webcal=webcal,
        google=f"{GOOGLE_SUBSCRIBE}?{urlencode({'cid': webcal})}",
        outlook=f"{OUTLOOK_SUBSCRIBE}?{urlencode({'url': url, 'name': label})}",
        office=f"{OFFICE_SUBSCRIBE}?{urlencode({'url': url, 'name': label})}",
    )


def edition_subscriptions(current: Programme, lang: str, base_url: str) -> dict[str, Any]:
    """The subscribe page of an edition: the whole programme, the series, each venue and category."""
    langs = current.languages
    edition_name = localize(current.edition_names, lang, langs)
    feed = f"{base_url}/calendars/{current.edition}.ics"
    query = f"lang={lang}"
    whole = subscription(edition_name, f"{feed}?{query}")
    series = subscription(gettext("Every coming edition"), f"{base_url}/calendars/series/{current.series}.ics?{query}")
    venues = [
        subscription(localize(v.names, lang, langs), f"{feed}?{urlencode({'venue': slug, 'lang': lang})}")
        for slug, v in sorted(current.venues.items(), key=lambda kv: localize(kv[1].names, lang, langs))
    ]
    categories = [
        subscription(localize(c.names, lang, langs), f"{feed}?{urlencode({'category': slug, 'lang': lang})}")
        for slug, c in sorted(current.categories.items(), key=lambda kv: localize(kv[1].names, lang, langs))
    ]
    return page_context(current, lang) | {
        "whole": whole,
        "series": series,
        "venues": venues,
        "categories": categories,
    }


async def personal_page(token: str | None, lang: str, base_url: str) -> dict[str, Any]:
    """The visitor's calendar page: the starred items' runs and the private feed's links."""
    runs = await personal.starred_runs(token, lang) if token else None
    if runs is None:
        return {"runs": [], "feed": None}
    url = f"{base_url}/calendars/personal/{token}.ics?lang={lang}"
    return {"runs": runs, "feed": subscription(gettext("My festival calendar"), url)}
