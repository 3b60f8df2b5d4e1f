"""The order page: a buyer's tickets behind the order's secret link (no account), their PDFs, and
"send the e-mail again". Handlers parse and make one service call each (``ticketing.views``,
``ticketing.delivery``)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import ResponseHeader
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER, HTTP_429_TOO_MANY_REQUESTS

from festival.errors import TooManyRequests
from festival.jobs import JobQueue
from festival.settings import Settings
from festival.web.http import site_url
from ticketing import checkout, delivery, stripe_api, views

PUBLIC = {"access": "public"}
# The address is the secret: never stored by caches, sent on as a referrer, or indexed.
PRIVATE_HEADERS = [
    ResponseHeader(name="Cache-Control", value="private, no-store"),
    ResponseHeader(name="Referrer-Policy", value="no-referrer"),
    ResponseHeader(name="X-Robots-Tag", value="noindex, nofollow"),
]


def order_address(request: Request[Any, Any, Any], settings: Settings, edition: str, code: str) -> str:
    """The order page's full address (where Stripe sends the buyer back, what the API answers)."""
    return f"{site_url(request, settings)}/{edition}/orders/{code}"


async def pay_redirect(
    request: Request[Any, Any, Any], settings: Settings, jobs: JobQueue, edition: str, code: str
) -> Redirect:
    """Where a buyer goes to pay a pending order: Stripe's page, or the order page (paid at once, the
    box office, or ``?notice=payment-failed`` when Stripe failed: the places stay held)."""
    try:
        started = await checkout.start(
            settings, jobs, code, order_url=order_address(request, settings, edition, code), edition=edition
        )
    except (stripe_api.StripeUnavailable, stripe_api.StripeRefused):
        return Redirect(f"/{edition}/orders/{code}?notice=payment-failed", status_code=HTTP_303_SEE_OTHER)
    return Redirect(started.redirect_url or f"/{edition}/orders/{code}", status_code=HTTP_303_SEE_OTHER)


class OrderPageController(Controller):
    path = "/{edition:str}/orders/{code:str}"
    include_in_schema = False
    response_headers = PRIVATE_HEADERS

    @get("/", opt=PUBLIC)
    async def order_page(
        self,
        edition: FromPath[str],
        code: FromPath[str],
        lang: NamedDependency[str],
        settings: NamedDependency[Settings],
        notice: FromQuery[str] = "",
    ) -> Template:
        """Status, buyer, lines and each ticket with its QR code; 404 for a wrong code."""
        return Template("ticketing/order.html", context=await views.order_page(settings, edition, code, lang, notice))

    @get("/tickets/{number:int}", opt=PUBLIC)
    async def ticket_pdf(
        self,
        edition: FromPath[str],
        code: FromPath[str],
        number: FromPath[int],
        lang: NamedDependency[str],
        settings: NamedDependency[Settings],
    ) -> Response[bytes]:
        """One admission as a PDF (the same as attached to the e-mail)."""
        filename, pdf = await views.ticket_pdf(settings, edition, code, number, lang)
        disposition = f'attachment; filename="{filename}"'
        return Response(pdf, media_type="application/pdf", headers={"Content-Disposition": disposition})

    @post("/resend", opt=PUBLIC, status_code=HTTP_303_SEE_OTHER)
    async def resend(
        self,
        edition: FromPath[str],
        code: FromPath[str],
        lang: NamedDependency[str],
        settings: NamedDependency[Settings],
        jobs: NamedDependency[JobQueue],
    ) -> Redirect | Template:
        """Send the tickets e-mail again (once a minute per order), back to the page with a notice.
        The form carries a CSRF token like every form (checked when the browser holds a cookie)."""
        try:
            await delivery.request_resend(jobs, code, edition)
        except TooManyRequests:
            context = await views.order_page(settings, edition, code, lang, "too-soon")
            return Template("ticketing/order.html", context=context, status_code=HTTP_429_TOO_MANY_REQUESTS)
        return Redirect(f"/{edition}/orders/{code}?notice=sent", status_code=HTTP_303_SEE_OTHER)

    @post("/pay", opt=PUBLIC, status_code=HTTP_303_SEE_OTHER)
    async def pay(
        self,
        edition: FromPath[str],
        code: FromPath[str],
        request: Request[Any, Any, Any],
        settings: NamedDependency[Settings],
        jobs: NamedDependency[JobQueue],
    ) -> Redirect:
        """Back to Stripe's page for a pending order (the same Checkout Session while it lasts)."""
        return await pay_redirect(request, settings, jobs, edition, code)

    @post("/cancel", opt=PUBLIC, status_code=HTTP_303_SEE_OTHER)
    async def cancel(
        self, edition: FromPath[str], code: FromPath[str], settings: NamedDependency[Settings]
    ) -> Redirect:
        """The buyer gives the reservation up: its places go back at once."""
        await checkout.give_up(settings, code, edition)
        return Redirect(f"/{edition}/orders/{code}?notice=gave-up", status_code=HTTP_303_SEE_OTHER)


CONTROLLERS = [OrderPageController]
