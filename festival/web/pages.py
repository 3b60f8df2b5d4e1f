"""Public pages of the shell: the home page listing editions, and the language switch."""

from __future__ import annotations

from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from festival.auth.principal import Principal
from festival.editions import services as editions
from festival.errors import NotFound
from festival.i18n import LANGUAGE_COOKIE, is_language


class PageController(Controller):
    path = "/"
    include_in_schema = False

    @get("/", opt={"access": "public"})
    async def home(self, principal: NamedDependency[Principal | None], lang: NamedDependency[str]) -> Template:
        all_editions = await editions.list_editions(principal, lang)
        series = await editions.list_series(principal, lang)
        return Template("home.html", context={"editions": all_editions, "series": series})

    @get("/language/{code:str}", opt={"access": "public"})
    async def switch_language(self, code: FromPath[str], next: FromQuery[str] = "/") -> Redirect:
        """Remember the chosen language in a cookie for a year and go back to the page."""
        if not is_language(code):
            raise NotFound(f"no language {code!r}", code="language_not_found")
        target = next if next.startswith("/") and not next.startswith("//") else "/"
        response = Redirect(target, status_code=303)
        response.set_cookie(LANGUAGE_COOKIE, code, max_age=365 * 24 * 3600, samesite="lax", path="/")
        return response
