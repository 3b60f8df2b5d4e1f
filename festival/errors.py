"""Domain errors with stable codes; services raise these, never HTTP exceptions.

One handler (``festival.web.errors``) maps every ``FestivalError`` to a status and to RFC 9457
problem details for the API or a friendly page for people.
"""

from __future__ import annotations

from typing import Any


class FestivalError(Exception):
    """Base of every domain error: ``code`` is stable and machine-readable, ``message`` is for people."""

    code = "error"
    status_code = 400

    def __init__(self, message: str, *, code: str | None = None, extra: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.extra = extra or {}


class NotFound(FestivalError):
    code = "not_found"
    status_code = 404


class NotAuthenticated(FestivalError):
    code = "not_authenticated"
    status_code = 401


class Forbidden(FestivalError):
    code = "forbidden"
    status_code = 403


class ValidationFailed(FestivalError):
    """Input that is well-formed but breaks a rule (an unknown time zone, a last day before the first)."""

    code = "invalid"
    status_code = 422


class Conflict(FestivalError):
    """The change clashes with existing data (a slug already taken)."""

    code = "conflict"
    status_code = 409


class TooManyRequests(FestivalError):
    code = "too_many_requests"
    status_code = 429
