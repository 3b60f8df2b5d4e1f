"""The check-in page of an edition, ``/{edition}/manage/checkin``: the live dashboard (organisers),
the check-in lists with their forms (organisers), and the gate devices, paired and revoked here by
organisers and gate staff (``docs/checkin.md``).

Each handler calls the same services as the JSON API (``checkin_lists``, ``devices``,
``checkin_stats``); a refused form comes back with its values and a message, never half-saved.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, URLEncodedBody
from litestar.response import Redirect, Template

from festival.auth import guards
from festival.auth.principal import Principal
from festival.auth.roles import Role
from festival.errors import FestivalError
from festival.settings import Settings
from festival.web.http import site_url
from ticketing import checkin_forms, checkin_view, devices

CHECKIN_STAFF = {"access": "edition:checkin"}  # organisers and gate staff
ORGANISER = {"access": "edition:organiser"}
Form = URLEncodedBody[dict[str, Any]]
# The pairing page shows a device token once: no cache, no history copy to come back to.
NO_STORE = {"cache-control": "no-store"}


class CheckinPageController(Controller):
    path = "/{edition:str}/manage/checkin"
    include_in_schema = False
    guards = [guards.edition_role(Role.ORGANISER, Role.GATE)]

    @get("/", opt=CHECKIN_STAFF)
    async def checkin_page(
        self,
        edition: FromPath[str],
        actor: NamedDependency[Principal],
        lang: NamedDependency[str],
        saved: FromQuery[bool] = False,
        revoked: FromQuery[bool] = False,
    ) -> Template:
        """The dashboard (organisers; its numbers refresh every few seconds), lists and devices."""
        context = await checkin_view.checkin_page(actor, edition, lang)
        context |= {"saved": saved, "revoked": revoked}
        return Template("checkin/dashboard.html", context=context, headers=NO_STORE)  # live numbers

    @post("/devices", opt=CHECKIN_STAFF, status_code=200)
    async def pair(
        self,
        edition: FromPath[str],
        data: Form,
        actor: NamedDependency[Principal],
        lang: NamedDependency[str],
        request: Request[Any, Any, Any],
        settings: NamedDependency[Settings],
    ) -> Template:
        """Pair a device: its token, pairing link and the link's QR code, shown this once."""
        try:
            _, token = await devices.pair(actor, edition, checkin_forms.device_in(data))
        except FestivalError as exc:
            context = await checkin_view.checkin_page(actor, edition, lang)
            context |= {"error": checkin_view.refusal_text(exc), "values": checkin_forms.device_values(data)}
            return Template("checkin/dashboard.html", context=context, status_code=exc.status_code)
        url = f"{site_url(request, settings)}/scan#pair={token}"
        context = {"edition": edition, "name": checkin_forms.device_values(data)["name"], "token": token, "url": url}
        return Template("checkin/paired.html", context=context | {"qr": checkin_view.pairing_qr(url)}, headers=NO_STORE)

    @post("/devices/{device_id:int}/revoke", opt=CHECKIN_STAFF, status_code=303)
    async def revoke(
        self, edition: FromPath[str], device_id: FromPath[int], actor: NamedDependency[Principal]
    ) -> Redirect:
        """Revoke a device: its token is refused from now on (``device_revoked``)."""
        await devices.revoke(actor, edition, device_id)
        return Redirect(f"/{edition}/manage/checkin?revoked=1#devices", status_code=303)


class CheckinListFormController(Controller):
    path = "/{edition:str}/manage/checkin/lists"
    include_in_schema = False
    guards = [guards.edition_role(Role.ORGANISER)]

    @get("/new", opt=ORGANISER)
    async def new_list(
        self, edition: FromPath[str], actor: NamedDependency[Principal], lang: NamedDependency[str]
    ) -> Template:
        return Template("checkin/list.html", context=await checkin_view.list_page(actor, edition, lang))

    @post("/new", opt=ORGANISER, status_code=303)
    async def create_list(
        self, edition: FromPath[str], data: Form, actor: NamedDependency[Principal], lang: NamedDependency[str]
    ) -> Redirect | Template:
        try:
            await checkin_forms.save_list_form(actor, edition, data)
        except FestivalError as exc:
            return await self._refused(actor, edition, lang, None, data, exc)
        return Redirect(f"/{edition}/manage/checkin?saved=1#lists", status_code=303)

    @get("/{slug:str}", opt=ORGANISER)
    async def edit_list(
        self, edition: FromPath[str], slug: FromPath[str], actor: NamedDependency[Principal], lang: NamedDependency[str]
    ) -> Template:
        return Template("checkin/list.html", context=await checkin_view.list_page(actor, edition, lang, slug))

    @post("/{slug:str}", opt=ORGANISER, status_code=303)
    async def update_list(
        self,
        edition: FromPath[str],
        slug: FromPath[str],
        data: Form,
        actor: NamedDependency[Principal],
        lang: NamedDependency[str],
    ) -> Redirect | Template:
        """Change a list; its new rules apply to scans within ``checkin_lists.RULES_TTL_S``."""
        try:
            await checkin_forms.save_list_form(actor, edition, data, replace=slug)
        except FestivalError as exc:
            return await self._refused(actor, edition, lang, slug, data, exc)
        return Redirect(f"/{edition}/manage/checkin?saved=1#lists", status_code=303)

    async def _refused(
        self, actor: Principal, edition: str, lang: str, slug: str | None, data: dict[str, Any], exc: FestivalError
    ) -> Template:
        context = await checkin_view.list_page(actor, edition, lang, slug)
        context |= {"values": checkin_forms.list_values(data), "error": checkin_view.refusal_text(exc)}
        return Template("checkin/list.html", context=context, status_code=exc.status_code)


CONTROLLERS = [CheckinPageController, CheckinListFormController]
