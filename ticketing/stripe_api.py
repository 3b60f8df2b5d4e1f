"""The one module that talks to Stripe: Checkout Sessions, refunds, and checking webhook signatures.

Every call goes through the official SDK's async API (``StripeClient(...).v1...*_async``) with the
SDK's typed request params (``stripe.params``), so mypy checks each key we send, and with a
deterministic idempotency key, so a retried request (the SDK's own retries, a job tried again, a
visitor pressing "pay" twice) never creates a second session or refund. ``STRIPE_API_BASE`` points
the client at another address: the tests' fake Stripe server.

Amounts are integer minor units; Stripe wants lower-case currency codes and answers with them.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import json
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal

import stripe
from stripe._base_address import BaseAddresses
from stripe.params import RefundCreateParams
from stripe.params.checkout import (
    SessionCreateParams,
    SessionCreateParamsLineItem,
    SessionCreateParamsPaymentIntentData,
)

from festival.errors import FestivalError
from festival.settings import Settings

# Stripe's own limits on a Checkout Session's expires_at: 30 minutes to 24 hours after creation.
SESSION_MIN_LIFETIME = dt.timedelta(minutes=30, seconds=30)
SESSION_ROUNDING_S = 300
SIGNATURE_TOLERANCE_S = 300  # Stripe's default: older signatures are replays
LOCALES: Mapping[str, Literal["en", "fi", "sv", "zh"]] = {"en": "en", "fi": "fi", "sv": "sv", "zh": "zh"}


class StripeUnavailable(FestivalError):
    """Stripe could not be reached or failed (a 5xx, a timeout): trying again later may work."""

    status_code = 503
    code = "payment_provider_unavailable"


class StripeRefused(FestivalError):
    """Stripe refused the request for good (a 4xx: a bad key, an already refunded charge)."""

    status_code = 502
    code = "payment_provider_refused"


class WebhookRefused(FestivalError):
    """A webhook delivery that is not Stripe's, or too old to trust (forged, stale, unparseable)."""

    status_code = 400
    code = "invalid_signature"


@functools.lru_cache(maxsize=4)
def _client(api_key: str, api_base: str | None) -> stripe.StripeClient:
    addresses: BaseAddresses = {"api": api_base} if api_base else {}
    # httpx for the async calls (and for sync ones, which we do not make); 2 retries with the same
    # idempotency key on network errors and 409/429/5xx, as Stripe recommends.
    return stripe.StripeClient(
        api_key, base_addresses=addresses, http_client=stripe.HTTPXClient(), max_network_retries=2
    )


def client(settings: Settings) -> stripe.StripeClient:
    if settings.stripe_secret_key is None:
        raise StripeRefused("Stripe is not configured (STRIPE_SECRET_KEY)", code="stripe_not_configured")
    return _client(settings.stripe_secret_key, settings.stripe_api_base)


@dataclass(frozen=True, slots=True)
class CheckoutLine:
    name: str
    unit_amount_minor: int
    quantity: int


@dataclass(frozen=True, slots=True)
class CheckoutSession:
    id: str
    url: str
    expires_at: dt.datetime


def session_expiry(now: dt.datetime) -> dt.datetime:
    """When a new session ends: Stripe allows 30 minutes at the least, longer than our reservation
    (the expiry job closes the session when the reservation runs out first, ``expire_session``).
    Rounded up to five minutes, so that "pay" pressed twice asks Stripe the same thing and its
    idempotency key (which names this time) gives the same session."""
    earliest = int((now + SESSION_MIN_LIFETIME).timestamp())
    return dt.datetime.fromtimestamp(-(-earliest // SESSION_ROUNDING_S) * SESSION_ROUNDING_S, dt.UTC)


@contextlib.contextmanager
def _translated(what: str) -> Iterator[None]:
    """Stripe's errors as ours: retryable ones 503 (``StripeUnavailable``), refusals 502, never a 500."""
    try:
        yield
    except (stripe.APIConnectionError, stripe.RateLimitError) as exc:
        raise StripeUnavailable(f"{what}: Stripe could not be reached ({exc.user_message or exc})") from exc
    except stripe.StripeError as exc:
        if exc.http_status is not None and exc.http_status >= 500:
            raise StripeUnavailable(f"{what}: Stripe failed ({exc.user_message or exc})") from exc
        raise StripeRefused(f"{what}: Stripe refused ({exc.user_message or exc})") from exc


async def create_checkout_session(
    settings: Settings,
    *,
    order_code: str,
    edition: str,
    buyer_email: str,
    language: str,
    currency: str,
    lines: list[CheckoutLine],
    expires_at: dt.datetime,
    success_url: str,
    cancel_url: str,
) -> CheckoutSession:
    """A Checkout Session for a pending order. The idempotency key is the order's and the session's
    end (``session_expiry``): the same request sent again (a retry, "pay" pressed twice) gives the
    same session; Stripe refuses a key reused with other parameters."""
    metadata = {"order": order_code, "edition": edition}
    line_items: list[SessionCreateParamsLineItem] = [
        {
            "quantity": line.quantity,
            "price_data": {
                "currency": currency.lower(),
                "unit_amount": line.unit_amount_minor,
                "product_data": {"name": line.name},
            },
        }
        for line in lines
    ]
    payment_intent_data: SessionCreateParamsPaymentIntentData = {"metadata": metadata}
    params: SessionCreateParams = {
        "mode": "payment",
        "line_items": line_items,
        "customer_email": buyer_email,
        "client_reference_id": order_code,
        "metadata": metadata,
        "payment_intent_data": payment_intent_data,
        "locale": LOCALES.get(language, "en"),
        "expires_at": int(expires_at.timestamp()),
        "success_url": success_url,
        "cancel_url": cancel_url,
    }
    with _translated("checkout session"):
        session = await client(settings).v1.checkout.sessions.create_async(
            params, {"idempotency_key": f"festival-checkout-{order_code}-{int(expires_at.timestamp())}"}
        )
    if not session.url:
        raise StripeRefused("checkout session: Stripe gave no payment page", code="payment_provider_refused")
    return CheckoutSession(session.id, session.url, dt.datetime.fromtimestamp(session.expires_at, dt.UTC))


async def open_session_url(settings: Settings, session_id: str) -> str | None:
    """The payment page of a session that can still be paid, else None (completed or expired)."""
    with _translated("checkout session"):
        session = await client(settings).v1.checkout.sessions.retrieve_async(session_id)
    return session.url if session.status == "open" and session.url else None


async def expire_session(settings: Settings, session_id: str) -> str:
    """End an open session (its reservation ran out) so nobody pays for places that are gone;
    returns the session's status (``expired``, or ``complete`` when the payment won the race)."""
    sessions = client(settings).v1.checkout.sessions
    with _translated("expire checkout session"):
        try:
            session = await sessions.expire_async(session_id)
        except stripe.InvalidRequestError:
            # Only an open session can be expired: it completed or expired meanwhile. Read which.
            session = await sessions.retrieve_async(session_id)
    return str(session.status)


# A Stripe refund's status as ours: ended well or badly; the others (pending, requires_action) wait.
REFUND_OUTCOMES: Mapping[str, Literal["succeeded", "failed"]] = {
    "succeeded": "succeeded",
    "failed": "failed",
    "canceled": "failed",
}


@dataclass(frozen=True, slots=True)
class RefundResult:
    id: str
    status: str  # succeeded / pending / requires_action / failed / canceled


async def refund(
    settings: Settings, *, payment_intent: str, amount_minor: int, idempotency_key: str, metadata: dict[str, str]
) -> RefundResult:
    params: RefundCreateParams = {"payment_intent": payment_intent, "amount": amount_minor, "metadata": metadata}
    with _translated("refund"):
        made = await client(settings).v1.refunds.create_async(params, {"idempotency_key": idempotency_key})
    return RefundResult(made.id, str(made.status))


@dataclass(frozen=True, slots=True)
class WebhookEvent:
    id: str
    type: str
    object: dict[str, Any]
    signed_at: int  # the t= of the delivery's signature


def verify_webhook(settings: Settings, payload: bytes, signature: str | None, now: float | None = None) -> WebhookEvent:
    """The event of a delivery whose ``Stripe-Signature`` is good and at most five minutes old (the
    SDK's check over the raw body); ``WebhookRefused`` otherwise, also for a signature from the future."""
    if settings.stripe_webhook_secret is None:
        raise WebhookRefused("this festival takes no Stripe payments", code="stripe_not_configured")
    try:
        stripe.WebhookSignature.verify_header(
            payload.decode("utf-8"), signature, settings.stripe_webhook_secret, SIGNATURE_TOLERANCE_S
        )
    except stripe.SignatureVerificationError as exc:
        stale = "tolerance" in str(exc)
        raise WebhookRefused(
            "the signature is too old: a replay, or a clock far off" if stale else "not signed by Stripe",
            code="stale_signature" if stale else "invalid_signature",
        ) from None
    except UnicodeDecodeError:
        raise WebhookRefused("the body is not UTF-8", code="invalid_payload") from None
    assert signature is not None  # verify_header refuses a missing header
    signed_at = int(dict(part.split("=", 1) for part in signature.split(",") if "=" in part)["t"])
    if signed_at > (now or time.time()) + SIGNATURE_TOLERANCE_S:
        raise WebhookRefused("the signature is dated in the future", code="stale_signature")
    try:
        body = json.loads(payload)
        event = WebhookEvent(str(body["id"]), str(body["type"]), dict(body["data"]["object"]), signed_at)
    except (ValueError, KeyError, TypeError):
        raise WebhookRefused("not a Stripe event", code="invalid_payload") from None
    return event
