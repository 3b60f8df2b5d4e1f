"""Who is making a request: the signed-in person or the owner of a bearer token."""

from __future__ import annotations

from dataclasses import dataclass, field

from festival.auth.roles import Role


@dataclass(frozen=True, slots=True)
class Principal:
    user_id: int
    email: str
    display_name: str
    superuser: bool
    # edition slug -> roles held in that edition
    roles: dict[str, frozenset[Role]] = field(default_factory=dict)
    via: str = "session"  # "session" (cookie) or "token" (bearer)

    def has_role(self, edition_slug: str, *roles: Role) -> bool:
        """Superusers hold every role; everyone else only what was granted for that edition."""
        if self.superuser:
            return True
        held = self.roles.get(edition_slug, frozenset())
        return any(role in held for role in roles)

    def has_role_anywhere(self, *roles: Role) -> bool:
        if self.superuser:
            return True
        return any(role in held for held in self.roles.values() for role in roles)

    def editions_with(self, *roles: Role) -> list[str]:
        return sorted(slug for slug, held in self.roles.items() if any(r in held for r in roles))
