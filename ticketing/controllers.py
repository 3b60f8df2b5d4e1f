"""JSON API of ticketing: organisers set up quotas and ticket types and refund orders; anyone sees
availability, reserves places (an order that holds them for ``RESERVATION_TTL_S``), pays or gives
the reservation up; the box office takes payments; Stripe's webhook confirms online payments."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from festival.auth import guards
from festival.auth.principal import Principal
from festival.auth.roles import Role
from festival.jobs import JobQueue
from festival.settings import Settings
from ticketing import catalogue, checkout, orders, refunds, ticket_keys, webhooks
from ticketing import schemas as s
from ticketing.order_page import order_address

PUBLIC = {"access": "public"}
ORGANISER = {"access": "edition:organiser"}


class CatalogueController(Controller):
    path = "/api/v1/editions/{edition:str}"
    tags = ["Tickets"]

    @post("/quotas", guards=[guards.edition_role(Role.ORGANISER)], opt=ORGANISER, summary="Add a quota")
    async def create_quota(
        self, edition: FromPath[str], data: JSONBody[s.QuotaIn], actor: NamedDependency[Principal]
    ) -> s.CreatedOut:
        await catalogue.create_quota(actor, edition, data.slug, data.name, data.size)
        return s.CreatedOut(slug=data.slug)

    @post("/ticket-types", guards=[guards.edition_role(Role.ORGANISER)], opt=ORGANISER, summary="Add a ticket type")
    async def create_ticket_type(
        self, edition: FromPath[str], data: JSONBody[s.TicketTypeIn], actor: NamedDependency[Principal]
    ) -> s.CreatedOut:
        await catalogue.create_ticket_type(actor, edition, data)
        return s.CreatedOut(slug=data.slug)

    @get("/availability", opt=PUBLIC, summary="Places left per ticket type")
    async def availability(self, edition: FromPath[str]) -> list[s.AvailabilityOut]:
        return [s.AvailabilityOut(a.ticket_type, a.left, a.state) for a in await catalogue.availability(edition)]


class ReservationController(Controller):
    path = "/api/v1"
    tags = ["Tickets"]

    @post(
        "/editions/{edition:str}/orders",
        opt=PUBLIC,
        summary="Reserve places (held for RESERVATION_TTL_S, 15 minutes by default)",
    )
    async def reserve(
        self, edition: FromPath[str], data: JSONBody[s.OrderIn], settings: NamedDependency[Settings]
    ) -> s.OrderOut:
        """409 ``sold_out`` when a quota lacks the places; nothing is held then."""
        return await orders.reserve(edition, data.lines, data.buyer, settings.reservation_ttl)

    @post("/orders/{code:str}/cancel", opt=PUBLIC, status_code=200, summary="Give up a reservation")
    async def cancel(self, code: FromPath[str], settings: NamedDependency[Settings]) -> s.CancelledOut:
        """The order's secret code is the authority; its places go back at once (and its Stripe
        session is closed)."""
        return s.CancelledOut(places_released=await checkout.give_up(settings, code))

    @post("/orders/{code:str}/pay", opt=PUBLIC, status_code=200, summary="Pay for a reservation")
    async def pay(
        self,
        code: FromPath[str],
        request: Request[Any, Any, Any],
        settings: NamedDependency[Settings],
        jobs: NamedDependency[JobQueue],
    ) -> s.PaymentOut:
        """A free order is paid at once; with Stripe, go to ``redirect_url`` (a Checkout Session, the
        same one when asked again); otherwise pay at the box office before the reservation expires.
        409 ``not_pending`` once the order was paid, expired or cancelled."""
        order = await orders.order_by_code(code)
        page = order_address(request, settings, order["edition.slug"], code)
        started = await checkout.start(settings, jobs, code, order_url=page)
        return s.PaymentOut(started.way, started.redirect_url, started.expires_at, page)


class BoxOfficeController(Controller):
    path = "/api/v1/editions/{edition:str}/orders/{code:str}"
    tags = ["Tickets"]

    @post(
        "/box-office-payment",
        guards=[guards.edition_role(Role.BOX_OFFICE, Role.ORGANISER)],
        opt={"access": "edition:box-office"},
        status_code=200,
        summary="The box office took the money for an order: its tickets are issued",
    )
    async def pay_at_box_office(
        self,
        edition: FromPath[str],
        code: FromPath[str],
        data: JSONBody[s.BoxOfficePaymentIn],
        actor: NamedDependency[Principal],
        settings: NamedDependency[Settings],
        jobs: NamedDependency[JobQueue],
    ) -> s.SettledOut:
        """Saying it twice issues nothing more; money for an order whose places are gone: ``refund_due``."""
        settled = await checkout.complete(
            settings,
            jobs,
            code,
            provider="box_office",
            reference=f"box-office:{code}",
            amount_minor=data.amount_minor,
            currency=data.currency,
            actor=f"{actor.email} ({data.method})",
            edition=edition,
        )
        return s.SettledOut(settled.outcome, settled.tickets)

    @post(
        "/refund",
        guards=[guards.edition_role(Role.ORGANISER)],
        opt=ORGANISER,
        status_code=200,
        summary="Refund an order, or some of its tickets: they are revoked at once and their places freed",
    )
    async def refund(
        self,
        edition: FromPath[str],
        code: FromPath[str],
        data: JSONBody[s.RefundIn],
        actor: NamedDependency[Principal],
        settings: NamedDependency[Settings],
        jobs: NamedDependency[JobQueue],
    ) -> s.RefundOut:
        """Money paid through Stripe goes back by a job (``refund_status: requested`` until Stripe
        confirms); at the box office it is handed back and ``succeeded`` at once."""
        done = await refunds.refund_tickets(settings, jobs, actor, edition, code, data.tickets, data.reason)
        return s.RefundOut(
            done.refund_id,
            done.amount_minor,
            done.currency,
            done.tickets_revoked,
            done.places_released,
            done.order_status,
            "requested" if done.refund_status == "requested" else "succeeded" if done.refund_id else "none",
        )


class StripeWebhookController(Controller):
    path = "/webhooks/stripe"
    tags = ["Tickets"]

    @post(
        "/",
        opt={"access": "public"},
        status_code=200,
        summary="Stripe's events (signed); 400 for a forged or stale delivery, 409 for a replay",
        include_in_schema=False,
    )
    async def receive(
        self, request: Request[Any, Any, Any], settings: NamedDependency[Settings], jobs: NamedDependency[JobQueue]
    ) -> s.WebhookOut:
        received = await webhooks.receive(settings, jobs, await request.body(), request.headers.get("stripe-signature"))
        return s.WebhookOut(received.event_id, received.type, received.outcome)


class TicketKeysController(Controller):
    path = "/api/v1/editions/{edition:str}/ticket-keys"
    tags = ["Tickets"]

    @get("/", opt=PUBLIC, summary="The public keys that verify the edition's ticket QR codes (for scanners)")
    async def ticket_keys(self, edition: FromPath[str]) -> list[s.TicketKeyOut]:
        """The signing key first, then older keys still accepted (retired by a rotation, not revoked)."""
        keys = await ticket_keys.edition_public_keys(edition)
        return [s.TicketKeyOut(k.key_id, k.public_key, "Ed25519", k.signing) for k in keys]


CONTROLLERS = [
    CatalogueController,
    ReservationController,
    BoxOfficeController,
    StripeWebhookController,
    TicketKeysController,
]
