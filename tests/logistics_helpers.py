"""What the logistics tests share: a client signed in as a demo account, and answers read back."""

from __future__ import annotations

from typing import Any

import httpx

from festival.auth import services as auth
from festival.demo import DEMO_DOMAIN

BASE = "/api/v1/editions/hsf-2027/logistics"


async def client(app: Any, role: str) -> httpx.AsyncClient:
    """An API client of ``app`` with a bearer token of the demo account ``{role}@…``."""
    token = (await auth.issue_token(None, f"{role}@{DEMO_DOMAIN}", "tests")).secret
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://test", headers={"authorization": f"Bearer {token}"}
    )


def ok(response: httpx.Response, status: int = 200) -> Any:
    """The JSON of an answer that must have ``status``."""
    assert response.status_code == status, response.text
    return response.json()


def problem(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    """A problem-details answer with ``status`` and ``code``."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["code"] == code, body
    return body
