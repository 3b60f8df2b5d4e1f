"""Accounts, sign-in sessions, roles and bearer tokens: one function per use case.

Passwords are hashed by Piccolo's ``BaseUser`` (PBKDF2-SHA256, 600 000 iterations as OWASP
recommends), so the same account signs in here and in Piccolo Admin. Sessions are rows of
piccolo_api's ``SessionsBase`` (cookie ``id``), which Piccolo Admin reads too. Bearer tokens are
random secrets of which only the SHA-256 hash is stored.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from piccolo.apps.user.tables import BaseUser
from piccolo_api.session_auth.tables import SessionsBase

from festival.auth.principal import Principal
from festival.auth.roles import Role
from festival.auth.schemas import MemberOut, TokenOut
from festival.auth.throttle import SignInThrottle
from festival.errors import Conflict, Forbidden, NotFound, ValidationFailed
from festival.tables import ApiToken, Edition, Membership

SESSION_COOKIE = "id"  # piccolo_api's cookie name: the admin accepts the same session
TOKEN_PREFIX = "fst_"  # noqa: S105 - a public marker on every token, not a secret
MIN_PASSWORD_LENGTH = 10


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _hash_token(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def normalise_email(email: str) -> str:
    email = email.strip().lower()
    if "@" not in email or email.startswith("@") or email.endswith("@") or " " in email:
        raise ValidationFailed(f"{email!r} is not an e-mail address", code="invalid_email")
    return email


async def create_user(
    email: str, password: str, *, first_name: str = "", last_name: str = "", superuser: bool = False
) -> BaseUser:
    """Create an active account signed in by e-mail; raise ``Conflict`` if the e-mail is taken."""
    email = normalise_email(email)
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationFailed(f"a password needs at least {MIN_PASSWORD_LENGTH} characters", code="password_too_short")
    if len(password) > BaseUser._max_password_length:
        raise ValidationFailed(
            f"a password may have at most {BaseUser._max_password_length} characters", code="password_too_long"
        )
    if await BaseUser.exists().where(BaseUser.username == email):
        raise Conflict(f"an account for {email} already exists", code="user_exists")
    user = await BaseUser.create_user(
        username=email,
        password=password,
        email=email,
        first_name=first_name,
        last_name=last_name,
        active=True,
        admin=superuser,
        superuser=superuser,
    )
    return user


async def get_user_by_email(email: str) -> BaseUser:
    user = await BaseUser.objects().where(BaseUser.username == normalise_email(email)).first()
    if user is None:
        raise NotFound(f"no account for {email}", code="user_not_found")
    return user


async def _edition_id(edition_slug: str) -> int:
    row = await Edition.select(Edition.id).where(Edition.slug == edition_slug).first()
    if row is None:
        raise NotFound(f"no edition {edition_slug!r}", code="edition_not_found")
    return int(row["id"])


async def grant_role(user_id: int, edition_slug: str, role: Role) -> bool:
    """Give ``role`` in the edition; return False if it was already held. Organisers may open the admin."""
    edition_id = await _edition_id(edition_slug)
    exists = await Membership.exists().where(
        (Membership.user == user_id) & (Membership.edition == edition_id) & (Membership.role == role.value)
    )
    if exists:
        return False
    await Membership.insert(Membership(user=user_id, edition=edition_id, role=role.value, created_at=_now()))
    if role is Role.ORGANISER:
        await BaseUser.update({BaseUser.admin: True}).where(BaseUser.id == user_id)
    return True


async def revoke_role(user_id: int, edition_slug: str, role: Role) -> None:
    edition_id = await _edition_id(edition_slug)
    await Membership.delete().where(
        (Membership.user == user_id) & (Membership.edition == edition_id) & (Membership.role == role.value)
    )
    still_organiser = await Membership.exists().where(
        (Membership.user == user_id) & (Membership.role == Role.ORGANISER.value)
    )
    if not still_organiser:
        await BaseUser.update({BaseUser.admin: False}).where((BaseUser.id == user_id) & (BaseUser.superuser.eq(False)))


async def load_principal(user_id: int, via: str) -> Principal | None:
    """The active account with its roles per edition; None if the account is gone or inactive."""
    user = await BaseUser.objects().where((BaseUser.id == user_id) & (BaseUser.active.eq(True))).first()
    if user is None:
        return None
    rows = await Membership.select(Membership.role, Membership.edition.slug).where(Membership.user == user_id)
    roles: dict[str, set[Role]] = {}
    for row in rows:
        roles.setdefault(row["edition.slug"], set()).add(Role(row["role"]))
    display = f"{user.first_name} {user.last_name}".strip() or user.username
    return Principal(
        user_id=user.id,
        email=user.username,
        display_name=display,
        superuser=user.superuser,
        roles={slug: frozenset(held) for slug, held in roles.items()},
        via=via,
    )


async def verify_password(username: str, password: str) -> int | None:
    """The id of the active account whose password this is, else None.

    Piccolo's ``BaseUser.login`` hashes on the event loop (~0.3 s of PBKDF2 that would stall every
    request of the process); here the hash runs in a worker thread. Unknown accounts cost the same
    hash, so timing does not reveal which e-mails exist.
    """
    if len(password) > BaseUser._max_password_length:
        return None  # Piccolo refuses to hash very long passwords; no account has one
    row = (
        await BaseUser.select(BaseUser.id, BaseUser.password, BaseUser.active)
        .where(BaseUser.username == username)
        .first()
    )
    if row is None:
        await asyncio.to_thread(BaseUser.hash_password, password)
        return None
    _algorithm, iterations, salt, _digest = BaseUser.split_stored_password(row["password"])
    candidate = await asyncio.to_thread(BaseUser.hash_password, password, salt, int(iterations))
    if not hmac.compare_digest(candidate, row["password"]) or not row["active"]:
        return None
    if int(iterations) != BaseUser._pbkdf2_iteration_count:
        await BaseUser.update_password(row["id"], password)  # rehash with today's iteration count
    await BaseUser.update({BaseUser.last_login: dt.datetime.now()}).where(BaseUser.id == row["id"])
    return int(row["id"])


async def sign_in(email: str, password: str, session_ttl_s: int, throttle: SignInThrottle, address: str) -> str | None:
    """Check the password and open a session; return its token or None for any failure.

    The caller must not say which part was wrong (unknown e-mail or bad password). Raises
    ``TooManyRequests`` after too many failures from ``address`` (see ``festival.auth.throttle``).
    """
    await throttle.attempt(address, email)
    token = await _open_session(email, password, session_ttl_s)
    if token is not None:
        await throttle.succeeded(address, email)
    return token


async def _open_session(email: str, password: str, session_ttl_s: int) -> str | None:
    try:
        username = normalise_email(email)
    except ValidationFailed:
        return None
    user_id = await verify_password(username, password)
    if user_id is None:
        return None
    # piccolo_api compares session expiry with naive local time (datetime.now()), so store it likewise.
    expiry = dt.datetime.now() + dt.timedelta(seconds=session_ttl_s)
    session = await SessionsBase.create_session(
        user_id=user_id, expiry_date=expiry, max_expiry_date=expiry + dt.timedelta(days=1)
    )
    return str(session.token)


async def principal_for_session(token: str) -> Principal | None:
    user_id = await SessionsBase.get_user_id(token)
    if user_id is None:
        return None
    return await load_principal(int(user_id), via="session")


async def sign_out(token: str) -> None:
    await SessionsBase.remove_session(token)


@dataclass(frozen=True, slots=True)
class IssuedToken:
    """A new token: ``secret`` is shown once and never stored."""

    id: int
    name: str
    prefix: str
    secret: str
    user_email: str


def manages(actor: Principal | None, target: Principal) -> bool:
    """``actor`` may hold tokens of ``target`` only if it could do everything that account can.

    That is: the actor is the account itself, the CLI (None) or a superuser; or the account is no
    superuser and every edition where it holds a role is one the actor organises. Otherwise an
    organiser could give a role to a powerful account and then act as it through a token.
    """
    if actor is None or actor.superuser or actor.user_id == target.user_id:
        return True
    return not target.superuser and bool(target.roles) and set(target.roles) <= set(actor.editions_with(Role.ORGANISER))


async def _manages(actor: Principal | None, user_id: int) -> bool:
    if actor is None or actor.superuser or actor.user_id == user_id:
        return True
    target = await load_principal(user_id, via="token")
    return target is not None and manages(actor, target)


async def _check_manages(actor: Principal | None, user_id: int) -> None:
    if not await _manages(actor, user_id):
        raise Forbidden(
            "tokens can be made and managed only for accounts whose roles are all in editions you organise",
            code="not_your_account",
        )


async def issue_token(actor: Principal | None, user_email: str, name: str) -> IssuedToken:
    """Create a bearer token acting as the account ``user_email`` (e.g. a gate scanner's account).

    ``actor`` None is the command line (trusted). Otherwise the account must hold a role in an
    edition the actor organises (``Forbidden``, code ``not_your_account``).
    """
    user = await get_user_by_email(user_email)
    await _check_manages(actor, int(user.id))
    name = name.strip()
    if not name:
        raise ValidationFailed("a token needs a name that says where it is used", code="token_name_missing")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user=user.id,
        name=name,
        prefix=secret[:12],
        token_hash=_hash_token(secret),
        created_at=_now(),
        created_by=actor.user_id if actor is not None else None,
    )
    await token.save()
    return IssuedToken(id=token.id, name=name, prefix=token.prefix, secret=secret, user_email=user.username)


async def revoke_token(actor: Principal | None, token_id: int) -> None:
    """Revoke at once; revoking twice is harmless. Raise ``NotFound`` for an unknown id."""
    token = await ApiToken.objects().where(ApiToken.id == token_id).first()
    if token is None:
        raise NotFound(f"no token {token_id}", code="token_not_found")
    await _check_manages(actor, int(token.user))
    await ApiToken.update({ApiToken.revoked: True, ApiToken.revoked_at: _now()}).where(
        (ApiToken.id == token_id) & (ApiToken.revoked.eq(False))
    )


async def revoke_token_by_prefix(prefix: str) -> int:
    """Revoke by the visible prefix (as listed); return the id revoked."""
    token = await ApiToken.objects().where(ApiToken.prefix == prefix).first()
    if token is None:
        raise NotFound(f"no token starting with {prefix!r}", code="token_not_found")
    await revoke_token(None, token.id)
    return int(token.id)


async def principal_for_token(secret: str) -> Principal | None:
    if not secret.startswith(TOKEN_PREFIX):
        return None
    token = (
        await ApiToken.objects()
        .where((ApiToken.token_hash == _hash_token(secret)) & (ApiToken.revoked.eq(False)))
        .first()
    )
    if token is None:
        return None
    principal = await load_principal(int(token.user), via="token")
    if principal is None:
        return None
    if token.created_by is not None and int(token.created_by) != principal.user_id:
        # The maker must still be allowed to act as this account: if the account has since gained
        # roles elsewhere (or become a superuser), the organiser's token stops working.
        maker = await load_principal(int(token.created_by), via="token")
        if maker is None or not manages(maker, principal):
            return None
    now = _now()
    # Record use at most once a minute: a write per request would serialise SQLite.
    if token.last_used_at is None or now - token.last_used_at > dt.timedelta(seconds=60):
        await ApiToken.update({ApiToken.last_used_at: now}).where(ApiToken.id == token.id)
    return principal


async def list_tokens(actor: Principal | None) -> list[TokenOut]:
    """Tokens of the accounts ``actor`` manages (all for superusers and the CLI)."""
    query = ApiToken.select(
        ApiToken.id,
        ApiToken.user,
        ApiToken.name,
        ApiToken.prefix,
        ApiToken.user.username,
        ApiToken.created_at,
        ApiToken.last_used_at,
        ApiToken.revoked,
    ).order_by(ApiToken.id)
    all_rows = await query
    allowed = {uid: await _manages(actor, uid) for uid in {int(r["user"]) for r in all_rows}}
    rows = [row for row in all_rows if allowed[int(row["user"])]]
    return [
        TokenOut(
            id=r["id"],
            name=r["name"],
            prefix=r["prefix"],
            user_email=r["user.username"],
            created_at=r["created_at"],
            last_used_at=r["last_used_at"],
            revoked=bool(r["revoked"]),
        )
        for r in rows
    ]


async def list_members(edition_slug: str) -> list[MemberOut]:
    """People holding a role in the edition, with their roles there."""
    rows = await Membership.select(
        Membership.user,
        Membership.role,
        Membership.user.username,
        Membership.user.first_name,
        Membership.user.last_name,
    ).where(Membership.edition.slug == edition_slug)
    people: dict[int, MemberOut] = {}
    for r in rows:
        uid = int(r["user"])
        if uid not in people:
            name = f"{r['user.first_name']} {r['user.last_name']}".strip() or r["user.username"]
            people[uid] = MemberOut(user_id=uid, email=r["user.username"], display_name=name, roles=[])
        people[uid].roles.append(r["role"])
    return sorted(people.values(), key=lambda m: m.email)


async def add_member(edition_slug: str, email: str, role: Role, password: str | None) -> MemberOut:
    """Give a person a role in the edition, creating the account first when ``password`` is given.

    ``NotFound`` (code ``edition_not_found``) for an unknown edition, (code ``user_not_found``) when
    the account does not exist and no password was given. The account and its role are written in
    one transaction: a failure leaves neither.
    """
    await _edition_id(edition_slug)
    async with BaseUser._meta.db.transaction():
        try:
            user = await get_user_by_email(email)
        except NotFound:
            if not password:
                raise NotFound(f"no account for {email}; give a password to create it", code="user_not_found") from None
            user = await create_user(email, password)
        await grant_role(int(user.id), edition_slug, role)
    return next(m for m in await list_members(edition_slug) if m.user_id == user.id)
