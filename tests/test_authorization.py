"""The authorization table: every role against every guarded route, allowed and denied.

Rows are routes (grouped by access group), columns are roles. ``Y`` means the role gets past the
guards (any status but 401/403), ``-`` means it is refused (401 anonymous, 403 signed in).
A route the app serves that is missing here fails the test, so new routes must join the table.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from festival.auth import services
from festival.demo import DEMO_DOMAIN, DEMO_PASSWORD

pytestmark = pytest.mark.anyio

ROLES = ["anonymous", "organiser", "moi-organiser", "logistics", "boxoffice", "gate", "performer", "admin"]
KNOWN_ACCESS = {
    "public",
    "signed-in",
    "organiser:any",
    "staff:any",
    "edition:organiser",
    "edition:box-office",
    "edition:checkin",
    "device",
    "superuser",
    "admin",
    "edition:logistics",
    "edition:passport",
    "edition:performer",
}


@dataclass(frozen=True)
class Row:
    group: str
    method: str
    path: str  # with real values; `route` is the template the app declares
    route: str
    allowed: str  # one letter per role in ROLES order
    body: Any = None


TABLE = [
    # group             method    path                                                  route template
    Row("signed-in", "GET", "/api/v1/auth/me", "/api/v1/auth/me", "-YYYYYYY"),
    Row(
        "superuser",
        "POST",
        "/api/v1/series",
        "/api/v1/series",
        "-------Y",
        {"slug": "authz-series", "names": {"en": "Authz"}},
    ),
    Row(
        "organiser:any",
        "PATCH",
        "/api/v1/series/helsinki-spring-festival",
        "/api/v1/series/{series:str}",
        "-Y-----Y",
        {"descriptions": {"en": "Edited"}},
    ),
    Row(
        "organiser:any",
        "POST",
        "/api/v1/editions",
        "/api/v1/editions",
        "-Y-----Y",
        {
            "series": "helsinki-spring-festival",
            "slug": "hsf-2099",
            "year": 2099,
            "names": {"en": "HSF 2099"},
            "city": {"en": "Helsinki"},
            "time_zone": "Europe/Helsinki",
            "first_day": "2099-01-20",
            "last_day": "2099-01-30",
            "currency": "EUR",
        },
    ),
    Row(
        "organiser:any",
        "POST",
        "/api/v1/partners",
        "/api/v1/partners",
        "-YY----Y",
        {"slug": "authz-partner", "names": {"en": "Authz partner"}},
    ),
    Row(
        "organiser:any",
        "PATCH",
        "/api/v1/partners/caisa",
        "/api/v1/partners/{partner:str}",
        "-Y-----Y",
        {"city": "Helsinki"},
    ),
    Row("organiser:any", "GET", "/api/v1/tokens", "/api/v1/tokens", "-YY----Y"),
    Row(
        "organiser:any",
        "POST",
        "/api/v1/tokens",
        "/api/v1/tokens",
        "-Y-----Y",
        {"user_email": f"gate@{DEMO_DOMAIN}", "name": "authz scanner"},
    ),
    Row("organiser:any", "DELETE", "/api/v1/tokens/{gate_token}", "/api/v1/tokens/{token_id:int}", "-Y-----Y"),
    Row(
        "edition:organiser",
        "PATCH",
        "/api/v1/editions/hsf-2027",
        "/api/v1/editions/{edition:str}",
        "-Y-----Y",
        {"descriptions": {"en": "Edited"}},
    ),
    Row(
        "edition:box-office",
        "POST",
        "/api/v1/editions/hsf-2027/orders/no-such-order-code-here/box-office-payment",
        "/api/v1/editions/{edition:str}/orders/{code:str}/box-office-payment",
        "-Y--Y-YY",  # the performer account is also given the box office role below
        {"amount_minor": 0, "currency": "EUR"},
    ),
    Row(
        "edition:organiser",
        "POST",
        "/api/v1/editions/hsf-2027/orders/no-such-order-code-here/refund",
        "/api/v1/editions/{edition:str}/orders/{code:str}/refund",
        "-Y-----Y",
        {},
    ),
    Row("edition:box-office", "GET", "/hsf-2027/manage/tickets", "/{edition:str}/manage/tickets", "-Y--Y-YY"),
    Row(
        "edition:box-office",
        "GET",
        "/hsf-2027/manage/orders/no-such-order-code-here",
        "/{edition:str}/manage/orders/{code:str}",
        "-Y--Y-YY",
    ),
    Row(
        "edition:box-office",
        "POST",
        "/hsf-2027/manage/orders/no-such-order-code-here/payment",
        "/{edition:str}/manage/orders/{code:str}/payment",
        "-Y--Y-YY",
        {"method": "cash"},
    ),
    Row(
        "edition:organiser",
        "POST",
        "/hsf-2027/manage/orders/no-such-order-code-here/refund",
        "/{edition:str}/manage/orders/{code:str}/refund",
        "-Y-----Y",
        {"all": "1"},
    ),
    # Check-in: organisers set up lists; organisers and gate staff pair and revoke gate devices.
    Row(
        "edition:organiser",
        "POST",
        "/api/v1/editions/hsf-2027/checkin-lists",
        "/api/v1/editions/{edition:str}/checkin-lists",
        "-Y-----Y",
        {"slug": "authz", "name": "Authz", "ticket_types": ["nope"]},
    ),
    Row(
        "edition:organiser",
        "PUT",
        "/api/v1/editions/hsf-2027/checkin-lists/authz",
        "/api/v1/editions/{edition:str}/checkin-lists/{slug:str}",
        "-Y-----Y",
        {"slug": "authz", "name": "Authz", "ticket_types": ["nope"]},
    ),
    Row(
        "edition:checkin",
        "GET",
        "/api/v1/editions/hsf-2027/checkin-lists",
        "/api/v1/editions/{edition:str}/checkin-lists",
        "-Y---Y-Y",
    ),
    Row(
        "edition:checkin",
        "POST",
        "/api/v1/editions/hsf-2027/devices",
        "/api/v1/editions/{edition:str}/devices",
        "-Y---Y-Y",
        {"name": "Authz", "lists": ["nope"]},
    ),
    Row(
        "edition:checkin",
        "GET",
        "/api/v1/editions/hsf-2027/devices",
        "/api/v1/editions/{edition:str}/devices",
        "-Y---Y-Y",
    ),
    Row(
        "edition:checkin",
        "POST",
        "/api/v1/editions/hsf-2027/devices/999999/revoke",
        "/api/v1/editions/{edition:str}/devices/{device_id:int}/revoke",
        "-Y---Y-Y",
    ),
    # The check-in page: organisers see the dashboard and edit lists; gate staff pair and revoke devices.
    Row(
        "edition:organiser",
        "GET",
        "/api/v1/editions/hsf-2027/checkin/stats",
        "/api/v1/editions/{edition:str}/checkin/stats",
        "-Y-----Y",
    ),
    Row("edition:checkin", "GET", "/hsf-2027/manage/checkin", "/{edition:str}/manage/checkin", "-Y---Y-Y"),
    Row(
        "edition:checkin",
        "POST",
        "/hsf-2027/manage/checkin/devices",
        "/{edition:str}/manage/checkin/devices",
        "-Y---Y-Y",
        {"name": "Authz", "lists": "nope"},
    ),
    Row(
        "edition:checkin",
        "POST",
        "/hsf-2027/manage/checkin/devices/999999/revoke",
        "/{edition:str}/manage/checkin/devices/{device_id:int}/revoke",
        "-Y---Y-Y",
    ),
    Row(
        "edition:organiser",
        "GET",
        "/hsf-2027/manage/checkin/lists/new",
        "/{edition:str}/manage/checkin/lists/new",
        "-Y-----Y",
    ),
    Row(
        "edition:organiser",
        "POST",
        "/hsf-2027/manage/checkin/lists/new",
        "/{edition:str}/manage/checkin/lists/new",
        "-Y-----Y",
        {"slug": "authz", "name": "Authz", "ticket_types": "nope"},
    ),
    Row(
        "edition:organiser",
        "GET",
        "/hsf-2027/manage/checkin/lists/festival-pass",
        "/{edition:str}/manage/checkin/lists/{slug:str}",
        "-Y-----Y",
    ),
    Row(
        "edition:organiser",
        "POST",
        "/hsf-2027/manage/checkin/lists/festival-pass",
        "/{edition:str}/manage/checkin/lists/{slug:str}",
        "-Y-----Y",
        {"slug": "festival-pass", "name": "Authz", "ticket_types": "nope"},
    ),
    # A gate device's own routes take only a device token (tests/test_checkin.py): people's are refused.
    Row("device", "GET", "/api/v1/scan/sync", "/api/v1/scan/sync", "--------"),
    Row("device", "POST", "/api/v1/scan", "/api/v1/scan", "--------", {"payload": "x"}),
    Row("device", "POST", "/api/v1/scan/batch", "/api/v1/scan/batch", "--------", {"scans": []}),
    Row(
        "edition:organiser",
        "POST",
        "/api/v1/editions/hsf-2027/quotas",
        "/api/v1/editions/{edition:str}/quotas",
        "-Y-----Y",
        {"slug": "authz-quota", "name": "Authz", "size": 10},
    ),
    Row(
        "edition:organiser",
        "POST",
        "/api/v1/editions/hsf-2027/ticket-types",
        "/api/v1/editions/{edition:str}/ticket-types",
        "-Y-----Y",
        {"slug": "authz-type", "names": {"en": "Authz"}, "quotas": ["nope"], "price_minor": 0, "currency": "EUR"},
    ),
    Row(
        "edition:organiser",
        "POST",
        "/api/v1/editions/hsf-2027/venues",
        "/api/v1/editions/{edition:str}/venues",
        "-Y-----Y",
        {"slug": "authz-venue", "names": {"en": "Authz venue"}},
    ),
    Row(
        "edition:organiser",
        "PATCH",
        "/api/v1/editions/hsf-2027/venues/oodi",
        "/api/v1/editions/{edition:str}/venues/{venue:str}",
        "-Y-----Y",
        {"capacity": 300},
    ),
    Row(
        "edition:organiser",
        "PUT",
        "/api/v1/editions/hsf-2027/partners/caisa",
        "/api/v1/editions/{edition:str}/partners/{partner:str}",
        "-Y-----Y",
        {"role": "partner"},
    ),
    Row(
        "edition:organiser",
        "DELETE",
        "/api/v1/editions/hsf-2027/partners/authz-partner",
        "/api/v1/editions/{edition:str}/partners/{partner:str}",
        "-Y-----Y",
    ),
    Row(
        "edition:organiser",
        "GET",
        "/api/v1/editions/hsf-2027/members",
        "/api/v1/editions/{edition:str}/members",
        "-Y-----Y",
    ),
    Row(
        "edition:organiser",
        "PUT",
        "/api/v1/editions/hsf-2027/members",
        "/api/v1/editions/{edition:str}/members",
        "-Y-----Y",
        {"email": f"gate@{DEMO_DOMAIN}", "role": "gate"},
    ),
    Row(
        "edition:organiser",
        "DELETE",
        "/api/v1/editions/hsf-2027/members/{performer_id}/box_office",
        "/api/v1/editions/{edition:str}/members/{user_id:int}/{role:str}",
        "-Y-----Y",
    ),
    # Performers: organisers and logistics coordinators of any edition.
    Row("staff:any", "GET", "/api/v1/performers", "/api/v1/performers", "-YYY---Y"),
    Row("staff:any", "GET", "/api/v1/performers/li-na-erhu", "/api/v1/performers/{performer:str}", "-YYY---Y"),
    Row(
        "staff:any",
        "GET",
        "/api/v1/performers/li-na-erhu/itinerary",
        "/api/v1/performers/{performer:str}/itinerary",
        "-Y-Y---Y",  # moi-organiser: li-na-erhu performs in no Moi Helsinki item
    ),
    Row(
        "staff:any",
        "POST",
        "/api/v1/performers/li-na-erhu/itinerary/rotate",
        "/api/v1/performers/{performer:str}/itinerary/rotate",
        "-Y-Y---Y",  # moi-organiser: li-na-erhu performs in no Moi Helsinki item
    ),
    Row(
        "staff:any",
        "POST",
        "/api/v1/performers",
        "/api/v1/performers",
        "-YYY---Y",
        {"slug": "authz-performer", "display_name": "Authz"},
    ),
    Row(
        "staff:any",
        "PATCH",
        "/api/v1/performers/li-na-erhu",
        "/api/v1/performers/{performer:str}",
        "-YYY---Y",
        {"website": "https://example.org/"},
    ),
    Row(
        "organiser:any",
        "POST",
        "/api/v1/categories",
        "/api/v1/categories",
        "-YY----Y",
        {"slug": "authz-category", "names": {"en": "Authz"}},
    ),
    # The programme draft of one edition: its organisers.
    Row(
        "edition:organiser",
        "GET",
        "/api/v1/editions/hsf-2027/items",
        "/api/v1/editions/{edition:str}/items",
        "-Y-----Y",
    ),
    Row(
        "edition:organiser",
        "GET",
        "/api/v1/editions/hsf-2027/items/fireworks",
        "/api/v1/editions/{edition:str}/items/{item:str}",
        "-Y-----Y",
    ),
    Row(
        "edition:organiser",
        "POST",
        "/api/v1/editions/hsf-2027/items",
        "/api/v1/editions/{edition:str}/items",
        "-Y-----Y",
        {"slug": "authz-item", "titles": {"en": "Authz"}},
    ),
    Row(
        "edition:organiser",
        "PATCH",
        "/api/v1/editions/hsf-2027/items/fireworks",
        "/api/v1/editions/{edition:str}/items/{item:str}",
        "-Y-----Y",
        {"tags": ["culture"]},
    ),
    Row(
        "edition:organiser",
        "DELETE",
        "/api/v1/editions/hsf-2027/items/authz-item",
        "/api/v1/editions/{edition:str}/items/{item:str}",
        "-Y-----Y",
    ),
    Row(
        "edition:organiser",
        "GET",
        "/api/v1/editions/hsf-2027/slots",
        "/api/v1/editions/{edition:str}/slots",
        "-Y-----Y",
    ),
    Row(
        "edition:organiser",
        "GET",
        "/api/v1/editions/hsf-2027/slots/{slot_id}",
        "/api/v1/editions/{edition:str}/slots/{slot:int}",
        "-Y-----Y",
    ),
    Row(
        "edition:organiser",
        "POST",
        "/api/v1/editions/hsf-2027/slots",
        "/api/v1/editions/{edition:str}/slots",
        "-Y-----Y",
        {"venue": "oodi", "item": "fireworks", "start": "2027-02-08T12:00", "end": "2027-02-08T13:00"},
    ),
    Row(
        "edition:organiser",
        "PATCH",
        "/api/v1/editions/hsf-2027/slots/{slot_id}",
        "/api/v1/editions/{edition:str}/slots/{slot:int}",
        "-Y-----Y",
        {"note": "authz"},
    ),
    Row(
        "edition:organiser",
        "DELETE",
        "/api/v1/editions/hsf-2027/slots/{slot_id}",
        "/api/v1/editions/{edition:str}/slots/{slot:int}",
        "-Y-----Y",
    ),
    Row(
        "edition:organiser",
        "GET",
        "/api/v1/editions/hsf-2027/warnings",
        "/api/v1/editions/{edition:str}/warnings",
        "-Y-----Y",
    ),
    Row(
        "edition:organiser",
        "POST",
        "/api/v1/editions/hsf-2027/versions",
        "/api/v1/editions/{edition:str}/versions",
        "-Y-----Y",
        {"name": "authz", "acknowledge_warnings": True},
    ),
    # The organisers' pages of the programme (forms; bearer tokens here, so no CSRF token is needed).
    Row("edition:organiser", "GET", "/hsf-2027/manage/", "/{edition:str}/manage", "-Y-----Y"),
    Row("edition:organiser", "GET", "/hsf-2027/manage/items/new", "/{edition:str}/manage/items/new", "-Y-----Y"),
    Row("edition:organiser", "POST", "/hsf-2027/manage/items/new", "/{edition:str}/manage/items/new", "-Y-----Y"),
    Row(
        "edition:organiser",
        "GET",
        "/hsf-2027/manage/items/fireworks",
        "/{edition:str}/manage/items/{item:str}",
        "-Y-----Y",
    ),
    Row(
        "edition:organiser",
        "POST",
        "/hsf-2027/manage/items/fireworks",
        "/{edition:str}/manage/items/{item:str}",
        "-Y-----Y",
    ),
    Row("edition:organiser", "GET", "/hsf-2027/manage/slots/new", "/{edition:str}/manage/slots/new", "-Y-----Y"),
    Row("edition:organiser", "POST", "/hsf-2027/manage/slots/new", "/{edition:str}/manage/slots/new", "-Y-----Y"),
    Row(
        "edition:organiser",
        "GET",
        "/hsf-2027/manage/slots/{slot_id}",
        "/{edition:str}/manage/slots/{slot:int}",
        "-Y-----Y",
    ),
    Row(
        "edition:organiser",
        "POST",
        "/hsf-2027/manage/slots/{slot_id}",
        "/{edition:str}/manage/slots/{slot:int}",
        "-Y-----Y",
    ),
    Row("edition:organiser", "POST", "/hsf-2027/manage/publish", "/{edition:str}/manage/publish", "-Y-----Y"),
    # Piccolo Admin: organisers and superusers, with the festival's own session cookie.
    Row("admin", "GET", "/admin/api/tables/", "/admin", "-YY----Y"),
    Row("admin", "PATCH", "/admin/api/tables/festival_venue/{oodi_id}/", "/admin", "-Y-----Y", {"capacity": 300}),
    Row(
        "admin", "PATCH", "/admin/api/tables/festival_edition/{hsf_id}/", "/admin", "-Y-----Y", {"status": "published"}
    ),
    Row("admin", "PATCH", "/admin/api/tables/festival_partner/{caisa_id}/", "/admin", "-------Y", {"city": "Helsinki"}),
    Row("admin", "GET", "/admin/api/tables/festival_membership/", "/admin", "-------Y"),
]

# Logistics (issue 5): organisers and logistics coordinators of the edition; passport numbers and their
# read log for logistics coordinators alone. Bodies and ids that do not exist: past the guard, a 4xx.
_LOGI = "/api/v1/editions/hsf-2027/logistics"
_LOGI_ROUTE = "/api/v1/editions/{edition:str}/logistics"
_LOGI_ROWS: list[tuple[str, str, str, Any]] = [
    # method, path under /logistics, route under /logistics, body
    ("GET", "/delegations", "/delegations", None),
    ("POST", "/delegations", "/delegations", {"slug": "authz", "name": "", "head": 999999}),
    ("GET", "/delegations/nope", "/delegations/{slug:str}", None),
    ("PUT", "/delegations/nope", "/delegations/{slug:str}", {"slug": "nope", "name": "Nope"}),
    ("DELETE", "/delegations/nope", "/delegations/{slug:str}", None),
    ("POST", "/delegations/nope/people", "/delegations/{slug:str}/people", {"display_name": "X"}),
    ("PUT", "/delegations/nope/people/999999", "/delegations/{slug:str}/people/{person_id:int}", {}),
    ("DELETE", "/delegations/nope/people/999999", "/delegations/{slug:str}/people/{person_id:int}", None),
    ("GET", "/people", "/people", None),
    ("GET", "/people/999999", "/people/{person_id:int}", None),
    ("PUT", "/people/999999", "/people/{person_id:int}", {"display_name": "X"}),
    ("GET", "/legs", "/legs", None),
    ("POST", "/legs", "/legs", {"mode": "air", "from_code": "XXX", "to_code": "HEL"}),
    ("GET", "/legs/999999", "/legs/{leg_id:int}", None),
    ("PUT", "/legs/999999", "/legs/{leg_id:int}", {"mode": "air", "from_code": "PKX", "to_code": "HEL"}),
    ("DELETE", "/legs/999999", "/legs/{leg_id:int}", None),
    ("GET", "/transfers", "/transfers", None),
    ("POST", "/transfers", "/transfers", {"dropoff_place": "Hotel", "leg": 999999}),
    ("GET", "/transfers/999999", "/transfers/{transfer_id:int}", None),
    ("PUT", "/transfers/999999", "/transfers/{transfer_id:int}", {"dropoff_place": "Hotel"}),
    ("DELETE", "/transfers/999999", "/transfers/{transfer_id:int}", None),
    ("GET", "/hotels", "/hotels", None),
    ("POST", "/hotels", "/hotels", {"slug": "authz", "name": "", "time_zone": "Nowhere/Else"}),
    ("PUT", "/hotels/nope", "/hotels/{slug:str}", {"slug": "nope", "name": "Nope"}),
    ("DELETE", "/hotels/nope", "/hotels/{slug:str}", None),
    ("POST", "/hotels/nope/rooms", "/hotels/{slug:str}/rooms", {}),
    ("PUT", "/rooms/999999", "/rooms/{room_id:int}", {}),
    ("DELETE", "/rooms/999999", "/rooms/{room_id:int}", None),
    ("GET", "/documents", "/documents", None),
    ("POST", "/documents", "/documents", {"person": 999999, "kind": "visa"}),
    ("PUT", "/documents/999999", "/documents/{document_id:int}", {"person": 999999, "kind": "visa"}),
    ("DELETE", "/documents/999999", "/documents/{document_id:int}", None),
    ("GET", "/problems", "/problems", None),
]
TABLE.extend(
    Row("edition:logistics", method, _LOGI + path, _LOGI_ROUTE + route, "-Y-Y---Y", body)
    for method, path, route, body in _LOGI_ROWS
)
TABLE.extend(
    [
        Row(
            "edition:passport",
            "PUT",
            _LOGI + "/people/999999/passport-number",
            _LOGI_ROUTE + "/people/{person_id:int}/passport-number",
            "---Y---Y",
            {"number": "E12345678"},
        ),
        Row(
            "edition:passport",
            "GET",
            _LOGI + "/people/999999/passport-number",
            _LOGI_ROUTE + "/people/{person_id:int}/passport-number",
            "---Y---Y",
        ),
        Row("edition:passport", "GET", _LOGI + "/passport-reads", _LOGI_ROUTE + "/passport-reads", "---Y---Y"),
        Row("edition:logistics", "GET", "/hsf-2027/manage/logistics", "/{edition:str}/manage/logistics", "-Y-Y---Y"),
        # The page's day-of forms (ids that do not exist: past the guard, a 404 page).
        *(
            Row(
                "edition:logistics",
                "POST",
                f"/hsf-2027/manage/logistics/{kind}/999999",
                f"/{{edition:str}}/manage/logistics/{kind}/{{{param}:int}}",
                "-Y-Y---Y",
            )
            for kind, param in (("legs", "leg_id"), ("transfers", "transfer_id"), ("documents", "document_id"))
        ),
        # Another edition's logistics: hsf-2027's coordinator has no role in moi-helsinki-2027.
        Row(
            "edition:logistics",
            "GET",
            "/api/v1/editions/moi-helsinki-2027/logistics/legs",
            _LOGI_ROUTE + "/legs",
            "--Y----Y",
        ),
    ]
)

# Privacy (issue 5 point 9): a performer's own trip (the demo performer's account is linked to no one:
# 404 past the guard), account links and erasure for organisers and coordinators, fees and the
# retention date for organisers alone.
TABLE.extend(
    Row("edition:logistics", method, _LOGI + path, _LOGI_ROUTE + route, "-Y-Y---Y", body)
    for method, path, route, body in [
        ("GET", "/people/999999/account", "/people/{person_id:int}/account", None),
        ("PUT", "/people/999999/account", "/people/{person_id:int}/account", {"email": "nobody@example.org"}),
        ("DELETE", "/people/999999/account", "/people/{person_id:int}/account", None),
        ("DELETE", "/people/999999/personal-data", "/people/{person_id:int}/personal-data", None),
        ("GET", "/erasures", "/erasures", None),
    ]
)
TABLE.extend(
    Row("edition:organiser", method, _LOGI + path, _LOGI_ROUTE + route, "-Y-----Y", body)
    for method, path, route, body in [
        ("GET", "/fees", "/fees", None),
        (
            "PUT",
            "/delegations/nope/people/999999/fee",
            "/delegations/{slug:str}/people/{person_id:int}/fee",
            {"fee_minor": 100, "currency": "EUR"},
        ),
        ("DELETE", "/delegations/nope/people/999999/fee", "/delegations/{slug:str}/people/{person_id:int}/fee", None),
        ("PUT", "/retention", "/retention", {"retention_until": "1999-01-01"}),
    ]
)
TABLE.extend(
    [
        Row("edition:performer", "GET", _LOGI + "/me", _LOGI_ROUTE + "/me", "------YY"),
        Row("edition:performer", "GET", _LOGI + "/me/itinerary", _LOGI_ROUTE + "/me/itinerary", "------YY"),
        Row("edition:performer", "GET", "/hsf-2027/my/itinerary", "/{edition:str}/my/itinerary", "------YY"),
    ]
)
# Riders, soundchecks and dietary needs (issue 5, point 6): the same group as the rest of logistics.
_RIDER_ROWS: list[tuple[str, str, str, Any]] = [
    ("GET", "/riders", "/riders", None),
    ("GET", "/riders/nope", "/riders/{performer:str}", None),
    ("PUT", "/riders/nope", "/riders/{performer:str}", {}),
    ("POST", "/riders/nope/files", "/riders/{performer:str}/files", None),
    ("GET", "/riders/nope/files/999999", "/riders/{performer:str}/files/{file_id:int}", None),
    ("DELETE", "/riders/nope/files/999999", "/riders/{performer:str}/files/{file_id:int}", None),
    ("GET", "/riders/nope/soundchecks", "/riders/{performer:str}/soundchecks", None),
    ("GET", "/dietary", "/dietary", None),
    ("PUT", "/dietary/999999", "/dietary/{person_id:int}", {"consent": False}),
]
TABLE.extend(
    Row("edition:logistics", method, _LOGI + path, _LOGI_ROUTE + route, "-Y-Y---Y", body)
    for method, path, route, body in _RIDER_ROWS
)


# Itineraries (issue 5 point 8): day sheets, JSON and page, for organisers and logistics coordinators.
TABLE.extend(
    Row("edition:logistics", "GET", prefix + path, route_prefix + route, "-Y-Y---Y")
    for prefix, route_prefix in (
        (_LOGI, _LOGI_ROUTE),
        ("/hsf-2027/manage/logistics", "/{edition:str}/manage/logistics"),
    )
    for path, route in (
        ("/people/999999/itinerary", "/people/{person_id:int}/itinerary"),
        ("/delegations/nope/itinerary", "/delegations/{slug:str}/itinerary"),
    )
)


# Public routes may only read, except signing in and out and a visitor's personal calendar.
PUBLIC_WRITES = {
    ("POST", "/api/v1/auth/login"),
    ("POST", "/api/v1/auth/logout"),
    ("POST", "/login"),
    ("POST", "/logout"),
    # A visitor's own personal calendar, held by its cookie (no account): CSRF-checked like a session.
    ("POST", "/calendars/personal/stars"),
    ("POST", "/calendars/personal/stars/remove"),
    ("POST", "/calendars/personal/rotate"),
    # Visitors reserve without an account; an order's secret code is the authority to give it up.
    ("POST", "/api/v1/editions/{edition:str}/orders"),
    ("POST", "/api/v1/orders/{code:str}/cancel"),
    ("POST", "/api/v1/orders/{code:str}/pay"),
    ("POST", "/{edition:str}/tickets"),
    # Stripe's events: the signature over the body is the authority (ticketing.webhooks).
    ("POST", "/webhooks/stripe"),
    # The order page's "resend the e-mail" (to the buyer's own address, once a minute): the code again.
    ("POST", "/{edition:str}/orders/{code:str}/resend"),
    ("POST", "/{edition:str}/orders/{code:str}/pay"),
    ("POST", "/{edition:str}/orders/{code:str}/cancel"),
}


def _print_table() -> str:
    header = f"{'route':<72}" + "".join(f"{r[:9]:>10}" for r in ROLES)
    lines = [header]
    for row in TABLE:
        cells = "".join(f"{'allowed' if c == 'Y' else 'denied':>10}" for c in row.allowed)
        shown = row.path if row.group == "admin" else row.route  # the admin is one mount: show what is probed
        lines.append(f"{row.method + ' ' + shown:<72}{cells}")
    return "\n".join(lines)


def test_every_guarded_route_is_in_the_table(app: Any) -> None:
    """Each handler declares its access group; every non-public one has a guard and a row here."""
    covered = {(row.method, row.route) for row in TABLE}
    missing: list[str] = []
    unguarded: list[str] = []
    undeclared: list[str] = []
    public_writes: list[str] = []
    for route in app.routes:
        handlers = getattr(route, "route_handlers", None) or [route.route_handler]
        for handler in handlers:
            if getattr(handler, "http_methods", None) == {"OPTIONS"}:
                continue  # Litestar's automatic pre-flight handler
            access = handler.opt.get("access")
            if route.path.startswith("/schema"):
                continue  # Litestar's OpenAPI routes: public documentation
            if access not in KNOWN_ACCESS:
                undeclared.append(f"{route.path}: access={access!r}")
                continue
            methods = sorted(m for m in getattr(handler, "http_methods", {"*"}) if m not in {"OPTIONS", "HEAD"})
            if access == "admin":
                methods = ["GET"]  # a mount: the rows above probe its reads and writes
            if access == "public":
                for method in methods:
                    if method != "GET" and (method, route.path) not in PUBLIC_WRITES:
                        public_writes.append(f"{method} {route.path}")
                continue
            if getattr(handler, "http_methods", None) == {"OPTIONS"}:
                continue  # Litestar's automatic CORS pre-flight handler
            if access != "admin" and not handler.resolve_guards():
                unguarded.append(route.path)
            for method in methods or ["*"]:
                key = (method, route.path) if access != "admin" else (method, "/admin")
                if key not in covered:
                    missing.append(f"{method} {route.path}")
    assert not undeclared, f"routes without opt['access']: {undeclared}"
    assert not unguarded, f"non-public routes without a guard: {unguarded}"
    assert not missing, f"guarded routes missing from the authorization table: {missing}"
    assert not public_writes, f"public routes that write (give them a guard and a row): {public_writes}"


async def _sign_in(app: Any, email: str) -> httpx.AsyncClient:
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")
    response = await client.post("/api/v1/auth/login", json={"email": email, "password": DEMO_PASSWORD})
    assert response.status_code == 200, response.text
    return client


async def test_authorization_table(app: Any, demo: Any) -> None:
    """Bearer tokens for the API rows, session cookies for the admin: each role, each row."""
    from piccolo.apps.user.tables import BaseUser

    secrets: dict[str, str] = {}
    for role in ROLES[1:]:
        secrets[role] = (await services.issue_token(None, f"{role}@{DEMO_DOMAIN}", "authz")).secret
    performer = await BaseUser.objects().where(BaseUser.username == f"performer@{DEMO_DOMAIN}").first()
    await services.grant_role(performer.id, "hsf-2027", services.Role.BOX_OFFICE)
    await services.grant_role(performer.id, "hsf-2027", services.Role.BOX_OFFICE)  # idempotent
    failures: list[str] = []
    from festival.tables import Edition, Partner, Venue

    hsf = await Edition.objects().where(Edition.slug == "hsf-2027").first()
    from schedule.tables import Slot

    ids = {
        "slot_id": (await Slot.objects().where(Slot.edition == hsf.id).first()).id,
        "hsf_id": hsf.id,
        "oodi_id": (await Venue.objects().where((Venue.edition == hsf.id) & (Venue.slug == "oodi")).first()).id,
        "caisa_id": (await Partner.objects().where(Partner.slug == "caisa").first()).id,
    }
    sessions = {role: await _sign_in(app, f"{role}@{DEMO_DOMAIN}") for role in ROLES[1:]}
    for session in sessions.values():
        await session.get("/admin/")  # Piccolo Admin's own CSRF cookie
    try:
        for row in TABLE:
            for role, expected in zip(ROLES, row.allowed, strict=True):
                gate_token = (await services.issue_token(None, f"gate@{DEMO_DOMAIN}", "to revoke")).id
                path = row.path.format(gate_token=gate_token, performer_id=performer.id, **ids)
                if row.group == "admin":
                    if role == "anonymous":
                        async with httpx.AsyncClient(
                            transport=httpx.ASGITransport(app=app), base_url="http://test"
                        ) as c:
                            response = await c.request(row.method, path, json=row.body)
                    else:
                        session = sessions[role]
                        csrf = {"x-csrftoken": session.cookies.get("csrftoken", "")}
                        response = await session.request(row.method, path, json=row.body, headers=csrf)
                else:
                    headers = {"authorization": f"Bearer {secrets[role]}"} if role != "anonymous" else {}
                    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as c:
                        response = await c.request(row.method, path, json=row.body, headers=headers)
                # Piccolo Admin answers 405 "Only superusers can perform these actions" for its own guards.
                # Pages send anonymous visitors of a GET to the sign-in form instead of a 401.
                to_sign_in = response.status_code == 303 and response.headers["location"].startswith("/login?next=")
                refused = (
                    response.status_code in (401, 403)
                    or to_sign_in
                    or (row.group == "admin" and response.status_code == 405)
                )
                if expected == "Y" and refused:
                    failures.append(f"{role} refused {row.method} {path}: {response.status_code} {response.text[:120]}")
                if expected == "-" and not refused:
                    failures.append(f"{role} allowed {row.method} {path}: {response.status_code}")
                page_get = row.method == "GET" and not row.path.startswith("/api/")
                if expected == "-" and role == "anonymous" and response.status_code != 401 and row.group != "admin":
                    if not (to_sign_in and page_get):
                        failures.append(f"anonymous should get 401 on {row.method} {path}, got {response.status_code}")
    finally:
        for client in sessions.values():
            await client.aclose()
    assert not failures, "\n".join(failures) + "\n\n" + _print_table()


def test_table_printout() -> None:
    """The table as printed in the closing note (run with -s to see it)."""
    text = _print_table()
    print("\n" + text)
    assert len(text.splitlines()) == len(TABLE) + 1
