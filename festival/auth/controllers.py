"""Sign-in (API and page), the caller's own account, edition members and bearer tokens."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, Request, Response, delete, get, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody, URLEncodedBody
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_204_NO_CONTENT

from festival.auth import guards, services
from festival.auth.principal import Principal
from festival.auth.roles import Role
from festival.auth.schemas import IssuedTokenOut, LoginIn, MemberIn, MemberOut, MeOut, TokenIn, TokenOut
from festival.auth.throttle import SignInThrottle
from festival.errors import NotAuthenticated
from festival.settings import Settings

ORGANISER = {"access": "edition:organiser"}


def _session_response(response: Response[Any], token: str, settings: NamedDependency[Settings]) -> Response[Any]:
    response.set_cookie(
        key=services.SESSION_COOKIE,
        value=token,
        max_age=settings.session_ttl_s,
        httponly=True,
        secure=settings.secure_cookies,
        samesite="lax",
        path="/",
    )
    return response


class AuthApiController(Controller):
    path = "/api/v1/auth"
    tags = ["Accounts"]

    @post("/login", opt={"access": "public"}, status_code=200, summary="Sign in (sets the cookie)")
    async def login(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[LoginIn],
        settings: NamedDependency[Settings],
        throttle: NamedDependency[SignInThrottle],
    ) -> Response[MeOut]:
        token = await services.sign_in(data.email, data.password, settings.session_ttl_s, throttle, _address(request))
        principal = await services.principal_for_session(token) if token else None
        if token is None or principal is None:
            raise NotAuthenticated("wrong e-mail or password", code="bad_credentials")
        return _session_response(Response(_me(principal)), token, settings)

    @post("/logout", opt={"access": "public"}, status_code=HTTP_204_NO_CONTENT, summary="Sign out")
    async def logout(self, request: Request[Any, Any, Any]) -> Response[None]:
        token = request.cookies.get(services.SESSION_COOKIE)
        if token:
            await services.sign_out(token)
        response: Response[None] = Response(None, status_code=HTTP_204_NO_CONTENT)
        response.delete_cookie(services.SESSION_COOKIE, path="/")
        return response

    @get("/me", guards=[guards.signed_in], opt={"access": "signed-in"}, summary="Who am I, and my roles")
    async def me(self, actor: NamedDependency[Principal]) -> MeOut:
        return _me(actor)


def _address(request: Request[Any, Any, Any]) -> str:
    return request.client.host if request.client else "unknown"


def _me(p: Principal) -> MeOut:
    return MeOut(
        user_id=p.user_id,
        email=p.email,
        display_name=p.display_name,
        superuser=p.superuser,
        roles={slug: sorted(r.value for r in held) for slug, held in p.roles.items()},
        authenticated_by=p.via,
    )


class MemberController(Controller):
    path = "/api/v1/editions/{edition:str}/members"
    tags = ["Accounts"]
    guards = [guards.edition_role(Role.ORGANISER)]

    @get("/", opt=ORGANISER, summary="People with a role in the edition")
    async def list_members(self, edition: FromPath[str]) -> list[MemberOut]:
        return await services.list_members(edition)

    @put("/", opt=ORGANISER, summary="Give a person a role (creates the account when a password is given)")
    async def add_member(self, edition: FromPath[str], data: JSONBody[MemberIn]) -> MemberOut:
        return await services.add_member(edition, data.email, data.role, data.password)

    @delete("/{user_id:int}/{role:str}", opt=ORGANISER, summary="Take a role away")
    async def remove_member(self, edition: FromPath[str], user_id: FromPath[int], role: FromPath[Role]) -> None:
        await services.revoke_role(user_id, edition, role)


class TokenController(Controller):
    path = "/api/v1/tokens"
    tags = ["Accounts"]
    guards = [guards.role_anywhere(Role.ORGANISER)]

    @get("/", opt={"access": "organiser:any"}, summary="Bearer tokens of the accounts you manage")
    async def list_tokens(self, actor: NamedDependency[Principal]) -> list[TokenOut]:
        return await services.list_tokens(actor)

    @post("/", opt={"access": "organiser:any"}, summary="Create a bearer token (the secret is shown once)")
    async def create_token(self, data: JSONBody[TokenIn], actor: NamedDependency[Principal]) -> IssuedTokenOut:
        issued = await services.issue_token(actor, data.user_email, data.name)
        return IssuedTokenOut(
            id=issued.id, name=issued.name, prefix=issued.prefix, user_email=issued.user_email, token=issued.secret
        )

    @delete("/{token_id:int}", opt={"access": "organiser:any"}, summary="Revoke a bearer token at once")
    async def revoke_token(self, token_id: FromPath[int], actor: NamedDependency[Principal]) -> None:
        await services.revoke_token(actor, token_id)


class LoginForm(msgspec.Struct):
    email: str = ""
    password: str = ""
    next: FromQuery[str] = "/"


def _safe_next(target: str) -> str:
    """Only local paths: never redirect to another site after sign-in."""
    return target if target.startswith("/") and not target.startswith("//") else "/"


class LoginPageController(Controller):
    path = "/"
    include_in_schema = False

    @get("/login", opt={"access": "public"})
    async def login_page(self, next: FromQuery[str] = "/") -> Template:
        return Template("login.html", context={"next": _safe_next(next), "error": None})

    @post("/login", opt={"access": "public"}, status_code=303)
    async def login_form(
        self,
        request: Request[Any, Any, Any],
        data: URLEncodedBody[LoginForm],
        settings: NamedDependency[Settings],
        throttle: NamedDependency[SignInThrottle],
    ) -> Response[Any]:
        token = await services.sign_in(data.email, data.password, settings.session_ttl_s, throttle, _address(request))
        if token is None:
            return Template(
                "login.html",
                context={"next": _safe_next(data.next), "error": "wrong e-mail or password", "email": data.email},
                status_code=401,
            )
        return _session_response(Redirect(_safe_next(data.next), status_code=303), token, settings)

    @post("/logout", opt={"access": "public"}, status_code=303)
    async def logout_form(self, request: Request[Any, Any, Any]) -> Redirect:
        token = request.cookies.get(services.SESSION_COOKIE)
        if token:
            await services.sign_out(token)
        response = Redirect("/", status_code=303)
        response.delete_cookie(services.SESSION_COOKIE, path="/")
        return response


CONTROLLERS = [AuthApiController, MemberController, TokenController, LoginPageController]
