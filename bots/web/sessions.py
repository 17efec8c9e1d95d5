"""Who is talking to the web chat: a signed, HttpOnly session cookie, never a name typed in the page.

Every browser gets an anonymous user id (``s-…``) in a cookie signed with ``web_session_secret``
(or a secret generated once and kept in ``data_dir``). A login link from
``chatwright admin web-login <user>`` replaces it with ``<user>``, the only way to act as a web
admin. For deployments on the open internet there are two more gates:

- ``web_access_token``: the page opens only as ``/?access=<token>``; the session then carries a
  fingerprint of the token, so changing the token ends every session made with the old one.
- ``web_trusted_user_header``: an authenticating reverse proxy names the user in a header and no
  cookie is used. Only safe when the app is reachable through that proxy alone, and the proxy
  replaces the header on every request.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.requests import Request
from starlette.responses import Response

from conversation import Settings
from conversation.admin.web_login import ANONYMOUS_PREFIX

COOKIE = "chatwright_session"
SESSION_MAX_AGE_S = 30 * 24 * 3600
SECRET_FILE = "web_session_secret"


@dataclass(frozen=True, slots=True)
class WebAccess:
    """The web chat's access rules, from Settings (see the module docstring)."""

    secret: str = field(default_factory=lambda: secrets.token_urlsafe(32), repr=False)
    enabled: bool = True
    access_token: str = field(default="", repr=False)
    trusted_user_header: str = ""
    allowed_origins: frozenset[str] = frozenset()

    @classmethod
    def from_settings(cls, settings: Settings) -> WebAccess:
        """The rules of ``settings``; the cookie secret is read from (or first written to) data_dir."""
        return cls(
            secret=settings.web_session_secret.get_secret_value() or _kept_secret(settings.data_dir),
            enabled=settings.web_chat_enabled,
            access_token=settings.web_access_token.get_secret_value(),
            trusted_user_header=settings.web_trusted_user_header,
            allowed_origins=frozenset(origin.rstrip("/") for origin in settings.web_allowed_origins),
        )


class Sessions:
    """Reads and issues session cookies under one ``WebAccess``."""

    def __init__(self, access: WebAccess) -> None:
        self.access = access
        self._signer = URLSafeTimedSerializer(access.secret, salt="chatwright-web-session")
        token = access.access_token.encode()
        self._gate = hashlib.sha256(token).hexdigest()[:16] if token else ""

    def user_of(self, request: Request) -> str | None:
        """The request's user: the proxy's header, or a valid cookie's user; None otherwise."""
        header = self.access.trusted_user_header
        if header:
            return request.headers.get(header) or None
        cookie = request.cookies.get(COOKIE)
        if not cookie:
            return None
        try:
            session = self._signer.loads(cookie, max_age=SESSION_MAX_AGE_S)
        except BadSignature:  # forged, tampered, signed with another secret, or expired
            return None
        if not isinstance(session, dict) or not isinstance(user := session.get("user"), str):
            return None
        return user if hmac.compare_digest(str(session.get("gate", "")), self._gate) else None

    def opens_the_gate(self, request: Request) -> bool:
        """True when no access token is configured, or the request brings it (``?access=``)."""
        if not self.access.access_token:
            return True
        given = request.query_params.get("access", "").encode()
        return hmac.compare_digest(given, self.access.access_token.encode())

    def start(self, response: Response, request: Request, user: str | None = None) -> str:
        """Set a new session cookie on ``response`` (a fresh anonymous user unless ``user``)."""
        user = user or ANONYMOUS_PREFIX + secrets.token_urlsafe(16)
        response.set_cookie(
            COOKIE,
            self._signer.dumps({"user": user, "gate": self._gate}),
            max_age=SESSION_MAX_AGE_S,
            httponly=True,
            samesite="lax",
            secure=request.url.scheme == "https",
        )
        return user


def _kept_secret(data_dir: Path) -> str:
    """The secret in ``data_dir/web_session_secret``, made (readable by the owner only) if missing."""
    path = data_dir / SECRET_FILE
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(secrets.token_urlsafe(32), encoding="utf-8")
    return path.read_text(encoding="utf-8").strip()
