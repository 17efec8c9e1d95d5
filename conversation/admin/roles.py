"""Who may do what: roles come from configuration and the users table, never from a message."""

from __future__ import annotations

import re
from collections.abc import Iterable
from enum import IntEnum

from conversation.types import Scope
from storage.admin_store import AdminStore
from storage.user_data import UserRef

LOCAL_PLATFORM = "cli"
"""The platform of ``chatwright admin`` messages: only the local command line submits them, and
whoever can run it already holds the database, so it acts as a superuser (and the audit says so)."""
_USER_REF = re.compile(r"^(?P<platform>[a-z][a-z0-9_-]*):(?P<user>\S+)$")


class Role(IntEnum):
    """Roles in increasing power; a verb needs at least its role."""

    USER = 0
    ADMIN = 1
    SUPERUSER = 2


class BadUserRef(ValueError):
    """Text that is not ``platform:user``."""


def parse_user_ref(text: str) -> tuple[str, str]:
    """``"slack:U123"`` -> ``("slack", "U123")``; anything else raises BadUserRef."""
    match = _USER_REF.match(text.strip())
    if match is None:
        raise BadUserRef(f"{text!r} is not a user: write platform:user, e.g. slack:U0123ABC or discord:4242")
    return match["platform"], match["user"]


def user_ref(platform: str, user: str) -> UserRef:
    """The storage reference of a user, with the platform and id spelled as in scope keys."""
    parts = Scope(platform, "", "", "", user).key.split("/")
    return UserRef(platform, user, parts[0], parts[-1])


class Roles:
    """Decides a caller's role from the local CLI, the configured admins and the database."""

    def __init__(self, store: AdminStore, bootstrap: Iterable[str] = ()) -> None:
        self.store = store
        self.bootstrap = frozenset(parse_user_ref(ref) for ref in bootstrap)
        """Admins from configuration (``CHATWRIGHT_ADMINS``); the database cannot revoke them."""

    def role_of(self, platform: str, user: str) -> Role:
        """The caller's role, read fresh from the database (blocking: call it off the event loop)."""
        if platform == LOCAL_PLATFORM:
            return Role.SUPERUSER
        if (platform, user) in self.bootstrap or self.store.is_admin(platform, user):
            return Role.ADMIN
        return Role.USER
