"""Single-use, short-lived login links for the web chat; only a hash of each token is stored."""

from __future__ import annotations

import hashlib
import secrets
import time

import sqlalchemy as sa

from storage.tables import web_logins

LINK_TTL_S = 600.0


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class WebLogins:
    """Issues login tokens for a web user and redeems each one once, before it expires."""

    def __init__(self, database: sa.Engine) -> None:
        self.database = database

    def issue(self, user_id: str, ttl_s: float = LINK_TTL_S) -> str:
        """A new token that signs a browser in as ``user_id`` once within ``ttl_s`` seconds."""
        token = secrets.token_urlsafe(32)
        now = time.time()
        row = {"token_hash": _hash(token), "user_id": user_id, "created_at": now, "expires_at": now + ttl_s}
        with self.database.begin() as connection:
            connection.execute(web_logins.insert().values(**row))
        return token

    def redeem(self, token: str) -> str | None:
        """The user of ``token`` if it is unused and unexpired (it is used up now), else None."""
        now = time.time()
        where = (
            web_logins.c.token_hash == _hash(token),
            web_logins.c.used_at.is_(None),
            web_logins.c.expires_at > now,
        )
        with self.database.begin() as connection:
            user = connection.execute(sa.select(web_logins.c.user_id).where(*where)).scalar()
            if (
                user is None
                or connection.execute(web_logins.update().where(*where).values(used_at=now)).rowcount != 1
            ):
                return None
        return str(user)
