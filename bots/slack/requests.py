"""The door of ``POST /slack/events``: size cap, then the signature, and only then the body's shape.

Bolt parses a body before it checks the signature, so a malformed unsigned body reached its
parser (HTTP 500 with a traceback). Here a request is read up to ``MAX_BODY_BYTES``, verified
with the signing secret, parsed, and checked for the fields the listeners read; a bad one gets
400, 401 or 413 and one log line. What passes goes on to Bolt unchanged.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from urllib.parse import parse_qs

from starlette.requests import Request
from starlette.types import Message as AsgiMessage

from bots.slack.events import Payload, payload_problem
from bots.web.guard import BadRequest, read_body

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 1_000_000
"""Slack's event payloads are a few kilobytes; anything this large is not from Slack."""
MAX_CLOCK_SKEW_S = 300
"""Slack's rule: a request signed more than five minutes ago (or ahead) may be a replay."""


async def screened(request: Request, signing_secret: str) -> Request:
    """``request`` with its body read and checked, ready for Bolt; raise BadRequest otherwise."""
    body = await read_body(request, MAX_BODY_BYTES)
    if not is_signed(body, request.headers, signing_secret):
        raise BadRequest(401, "the signature is missing, stale or wrong")
    problem = payload_problem(_parsed(body, request.headers.get("content-type", "")))
    if problem:
        raise BadRequest(400, problem)
    return Request(request.scope, _replay(body))


def is_signed(body: bytes, headers: Mapping[str, str], signing_secret: str) -> bool:
    """Slack's v0 signature: HMAC-SHA256 of ``v0:<timestamp>:<body>``, on the raw bytes."""
    timestamp = headers.get("x-slack-request-timestamp", "")
    if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > MAX_CLOCK_SKEW_S:
        return False
    base = b"v0:" + timestamp.encode() + b":" + body
    expected = "v0=" + hmac.new(signing_secret.encode(), base, hashlib.sha256).hexdigest()
    given = headers.get("x-slack-signature", "").encode("utf-8", "replace")
    return hmac.compare_digest(expected.encode(), given)


def _parsed(body: bytes, content_type: str) -> Payload:
    """The payload as the listeners see it: JSON, a form (slash commands), or a form's JSON ``payload``."""
    try:
        text = body.decode("utf-8")
        if content_type.startswith("application/x-www-form-urlencoded"):
            form = {name: values[0] for name, values in parse_qs(text, strict_parsing=bool(text)).items()}
            parsed = json.loads(form["payload"]) if "payload" in form else form
        else:
            parsed = json.loads(text)
    except (UnicodeDecodeError, ValueError) as error:
        raise BadRequest(400, f"the body is not JSON or a form ({type(error).__name__})") from None
    if not isinstance(parsed, dict):
        raise BadRequest(400, "the body is not a JSON object")
    return parsed


def _replay(body: bytes) -> Callable[[], Awaitable[AsgiMessage]]:
    """An ASGI ``receive`` that hands over ``body`` again, for Bolt to read."""
    sent = False

    async def receive() -> AsgiMessage:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return receive
