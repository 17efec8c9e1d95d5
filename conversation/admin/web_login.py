"""``chatwright admin web-login <user>``: the only way to be an admin in the web chat.

A web session is anonymous until it opens a login link: typing a name never gives an identity.
The link is single use and lasts ten minutes; only the local command line may make one.
"""

from __future__ import annotations

import asyncio
import re

from conversation.admin.base import AdminError, AdminServices, Invocation, VerbResult
from conversation.admin.roles import Role
from storage.web_logins import LINK_TTL_S, WebLogins

WEB_PLATFORM = "web"
_WEB_USER = re.compile(r"^(?:web:)?(?P<user>[A-Za-z0-9._@-]{1,64})$")
ANONYMOUS_PREFIX = "s-"
"""Anonymous web sessions' user ids start with this; no login link may take one over."""


async def web_login(services: AdminServices, invocation: Invocation) -> VerbResult:
    """``web-login <user>``: print a link that signs one browser in as the admin ``web:<user>``."""
    match = _WEB_USER.match(invocation.args[0]) if len(invocation.args) == 1 else None
    if match is None or match["user"].startswith(ANONYMOUS_PREFIX):
        raise AdminError("Usage: chatwright admin web-login <user> (letters, digits, . _ @ -; not s-…)")
    user = match["user"]
    if await asyncio.to_thread(services.roles.role_of, WEB_PLATFORM, user) < Role.ADMIN:
        raise AdminError(
            f"web:{user} is not an admin; grant it first (chatwright admin roles grant web:{user})."
        )
    token = await asyncio.to_thread(WebLogins(services.database).issue, user)
    settings = services.settings
    base = (settings.web_public_url or f"http://{settings.host}:{settings.port}").rstrip("/")
    minutes = int(LINK_TTL_S // 60)
    return VerbResult(
        f"Open this link once, within {minutes} minutes, in the browser that should be web:{user}:\n"
        f"{base}/login?token={token}",
        audit_args=[user],
    )
