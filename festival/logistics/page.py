"""The coordinators' overview page, ``/{edition}/manage/logistics``: the problems list, delegations and their people,
travel legs with each end's local time (``+1`` for a later day), transfers, rooms and documents, all
read through the same services as the JSON API.

The day-of forms post to ``…/legs/{id}`` (actual arrival, "arrived", status), ``…/transfers/{id}``
(pickup time or following the leg again, status) and ``…/documents/{id}`` (status, validity): each
reads the row through the API's ``GET`` service, changes those fields (``page_forms``) and calls the
service the API's ``PUT`` calls, so a late landing moves the pickups that follow the leg. Then back
to the row (``#leg-{id}``, 303); a refusal shows the page again with the message in the page's
language at the row and its status (422, 404), nothing changed. Everything else still goes through
the API."""

from __future__ import annotations

import datetime as dt
from typing import Any

from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, URLEncodedBody
from litestar.response import Redirect, Template

from festival.auth.principal import Principal
from festival.errors import FestivalError
from festival.i18n import N_, gettext, localize
from festival.logistics import delegations, documents, page_forms, problems, stays, transfers, travel
from festival.logistics.common import edition
from festival.logistics.controllers import LOGISTICS, LOGISTICS_GUARD, PathId

LABELS = {
    "planned": N_("planned"),
    "booked": N_("booked"),
    "confirmed": N_("confirmed"),
    "cancelled": N_("cancelled"),
    "done": N_("done"),
    "needed": N_("needed"),
    "requested": N_("requested"),
    "issued": N_("issued"),
    "refused": N_("refused"),
    "visa": N_("visa"),
    "invitation_letter": N_("invitation letter"),
    "entry_basis": N_("entry basis"),
    "error": N_("error"),
    "warning": N_("warning"),
    "unknown": N_("unknown"),
}


def label(value: str) -> str:
    """A status or kind in the page's language."""
    return gettext(LABELS[value]) if value in LABELS else value


def when(value: dt.datetime | None) -> str:
    """``2027-01-20 06:05 EET``, or TBD (a time not known yet is never shown as a time)."""
    if value is None:
        return gettext("TBD")
    return f"{value:%Y-%m-%d %H:%M} {value.tzname() or ''}".strip()


async def overview(actor: Principal, edition_slug: str, lang: str) -> dict[str, Any]:
    ed = await edition(edition_slug, actor)
    return {
        "edition": ed,
        "edition_name": localize(ed["names"], lang),
        "problems": await problems.list_problems(actor, edition_slug),
        "delegations": await delegations.list_delegations(actor, edition_slug),
        "legs": await travel.list_legs(actor, edition_slug),
        "transfers": await transfers.list_transfers(actor, edition_slug),
        "hotels": await stays.list_hotels(actor, edition_slug),
        "documents": await documents.list_documents(actor, edition_slug),
        "when": when,
        "label": label,
        "field_value": page_forms.field_value,
        "leg_statuses": page_forms.LEG_STATUSES,
        "transfer_statuses": page_forms.TRANSFER_STATUSES,
        "document_statuses": page_forms.DOCUMENT_STATUSES,
        "refusal": None,
    }


Form = URLEncodedBody[dict[str, Any]]


async def _refused(
    actor: Principal, edition_slug: str, lang: str, anchor: str, data: dict[str, Any], exc: FestivalError, text: str
) -> Template:
    """The page again, with the refusal at its row and the row's form as it was typed."""
    context = await overview(actor, edition_slug, lang)
    context["refusal"] = {"anchor": anchor, "message": text, "values": {k: page_forms.typed(data, k) for k in data}}
    return Template("logistics/overview.html", context=context, status_code=exc.status_code)


def _back(edition_slug: str, anchor: str) -> Redirect:
    return Redirect(f"/{edition_slug}/manage/logistics#{anchor}", status_code=303)


class LogisticsPageController(Controller):
    path = "/{edition:str}/manage/logistics"
    include_in_schema = False
    guards = LOGISTICS_GUARD

    @get("/", opt=LOGISTICS)
    async def logistics_page(
        self, edition: FromPath[str], actor: NamedDependency[Principal], lang: NamedDependency[str]
    ) -> Template:
        return Template("logistics/overview.html", context=await overview(actor, edition, lang))

    @post("/legs/{leg_id:int}", opt=LOGISTICS, status_code=303)
    async def update_leg(
        self,
        edition: FromPath[str],
        leg_id: PathId,
        data: Form,
        actor: NamedDependency[Principal],
        lang: NamedDependency[str],
    ) -> Redirect | Template:
        """Actual arrival (local at the destination; empty clears it), "arrived", status."""
        anchor, params = f"leg-{leg_id}", {"time": page_forms.shown(data, "arrival_actual")}
        try:
            leg = await travel.get_leg(actor, edition, leg_id)
            params |= {"zone": leg.to_zone, "departure": when(leg.departure_local)}
            await travel.update_leg(actor, edition, leg_id, page_forms.leg_in(leg, data))
        except FestivalError as exc:
            text = page_forms.refusal_text(exc, **params)
            return await _refused(actor, edition, lang, anchor, data, exc, text)
        return _back(edition, anchor)

    @post("/transfers/{transfer_id:int}", opt=LOGISTICS, status_code=303)
    async def update_transfer(
        self,
        edition: FromPath[str],
        transfer_id: PathId,
        data: Form,
        actor: NamedDependency[Principal],
        lang: NamedDependency[str],
    ) -> Redirect | Template:
        """Pickup time (local at the pickup place; empty: follow the leg again), status."""
        anchor, params = f"transfer-{transfer_id}", {"time": page_forms.shown(data, "pickup")}
        try:
            transfer = await transfers.get_transfer(actor, edition, transfer_id)
            params |= {"zone": transfer.pickup_zone}
            await transfers.update_transfer(actor, edition, transfer_id, page_forms.transfer_in(transfer, data))
        except FestivalError as exc:
            text = page_forms.refusal_text(exc, **params)
            return await _refused(actor, edition, lang, anchor, data, exc, text)
        return _back(edition, anchor)

    @post("/documents/{document_id:int}", opt=LOGISTICS, status_code=303)
    async def update_document(
        self,
        edition: FromPath[str],
        document_id: PathId,
        data: Form,
        actor: NamedDependency[Principal],
        lang: NamedDependency[str],
    ) -> Redirect | Template:
        """Status and validity dates."""
        anchor = f"document-{document_id}"
        try:
            document = await documents.get_document(actor, edition, document_id)
            await documents.update_document(actor, edition, document_id, page_forms.document_in(document, data))
        except FestivalError as exc:
            return await _refused(actor, edition, lang, anchor, data, exc, page_forms.refusal_text(exc))
        return _back(edition, anchor)


CONTROLLERS = [LogisticsPageController]
