"""Admin login links that survive link previews: a GET shows a button, only its POST spends the link.

``chatwright admin web-login`` prints a one-time link. Pasted into Slack, the unfurler GETs it
before the admin clicks; so the link opens a page whose button (a POST from this site) signs in.
"""

from __future__ import annotations

import asyncio
import html
import logging
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from bots.web.guard import BadRequest, check_origin, log_refusal
from bots.web.sessions import Sessions
from storage.web_logins import WebLogins

log = logging.getLogger(__name__)

LOGIN_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="robots" content="noindex">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in to chatwright</title><link rel="stylesheet" href="/static/chat.css"></head>
<body class="login"><main><h1>Sign in to chatwright as an admin</h1>
<p>This link works once, for ten minutes. Opening it signs nobody in: the button does.</p>
<form method="post" action="{action}"><button id="sign-in" type="submit">Sign in</button></form>
</main></body></html>
"""
NOT_CACHED = {"Cache-Control": "no-store", "Referrer-Policy": "same-origin"}
"""The token is in the URL: not kept by caches, never sent to another site (no-referrer would make
the form's Origin "null", which the origin check refuses)."""


def login_routes(sessions: Sessions, logins: WebLogins) -> list[Route]:
    """``GET /login?token=…`` (the page with the button) and ``POST /login?token=…`` (signs in)."""

    async def page(request: Request) -> Response:
        token = request.query_params.get("token", "")
        action = html.escape(f"/login?{urlencode({'token': token})}", quote=True)
        return HTMLResponse(LOGIN_PAGE.format(action=action), headers=NOT_CACHED)

    async def sign_in(request: Request) -> Response:
        try:
            check_origin(request, sessions.access.allowed_origins)
        except BadRequest as refused:
            log_refusal(request, refused.reason)
            return PlainTextResponse(refused.reason, status_code=refused.status)
        token = request.query_params.get("token", "")
        user = (
            await asyncio.to_thread(logins.redeem, token)
            if token and not sessions.access.trusted_user_header
            else None
        )
        if user is None:
            log_refusal(request, "a login link that is used, expired or wrong")
            return PlainTextResponse("This login link is not valid: used, expired or wrong.", status_code=401)
        response = RedirectResponse("/", 303)
        sessions.start(response, request, user)
        log.info("web session signed in as web:%s by a login link", user)
        return response

    return [Route("/login", page, methods=["GET"]), Route("/login", sign_in, methods=["POST"])]
