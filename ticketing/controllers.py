"""JSON API of ticketing so far: organisers set up quotas and ticket types; anyone sees availability,
reserves places (an order that holds them for ``RESERVATION_TTL_S``) and cancels their reservation."""

from __future__ import annotations

import datetime as dt

from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from festival.auth import guards
from festival.auth.principal import Principal
from festival.auth.roles import Role
from festival.jobs import JobQueue
from festival.settings import Settings
from ticketing import catalogue, delivery, orders, payments, signing
from ticketing import schemas as s

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
        ttl = dt.timedelta(seconds=settings.reservation_ttl_s)
        return await orders.reserve(edition, data.lines, data.buyer, ttl)

    @post("/orders/{code:str}/cancel", opt=PUBLIC, status_code=200, summary="Give up a reservation")
    async def cancel(self, code: FromPath[str]) -> s.CancelledOut:
        """The order's secret code is the authority; its places go back at once."""
        return s.CancelledOut(places_released=await orders.cancel(code))


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
        jobs: NamedDependency[JobQueue],
    ) -> s.SettledOut:
        """Saying it twice issues nothing more; money for an order whose places are gone: ``refund_due``.
        The buyer gets the tickets by e-mail."""
        settled = await payments.settle(
            code,
            provider="box_office",
            reference=f"box-office:{code}",
            amount_minor=data.amount_minor,
            currency=data.currency,
            actor=f"{actor.email} ({data.method})",
            edition=edition,
        )
        if settled.outcome == "paid":
            await delivery.enqueue_tickets(jobs, code)
        return s.SettledOut(settled.outcome, settled.tickets)


class TicketKeysController(Controller):
    path = "/api/v1/ticket-keys"
    tags = ["Tickets"]

    @get("/", opt=PUBLIC, summary="The public keys that verify ticket QR codes (for scanners)")
    async def ticket_keys(self, settings: NamedDependency[Settings]) -> list[s.TicketKeyOut]:
        """The signing key first, then older keys still accepted (``TICKET_VERIFY_KEYS``)."""
        return [s.TicketKeyOut(k.key_id, k.public_key, "Ed25519") for k in signing.keys_of(settings).public_keys()]


CONTROLLERS = [CatalogueController, ReservationController, BoxOfficeController, TicketKeysController]
