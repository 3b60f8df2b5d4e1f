"""Accounts, roles per edition, sign-in sessions and bearer tokens."""

from festival.auth.principal import Principal
from festival.auth.roles import Role

__all__ = ["Principal", "Role"]
