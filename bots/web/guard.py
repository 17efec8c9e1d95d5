"""Checks every web API request passes before it is read: its origin and its size."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from starlette.requests import Request

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 256 * 1024
"""A message is at most 20,000 characters (``max_message_chars``), a few times that as JSON."""


class BadRequest(Exception):
    """A request refused with ``status`` and one sentence."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def check_origin(request: Request, allowed: frozenset[str]) -> None:
    """Refuse (403) a request a page of another site made; requests without Origin are not browsers'.

    The app's own origin is compared by host, so a TLS-terminating proxy in front does not matter.
    """
    origin = request.headers.get("origin")
    if origin is None:
        if request.headers.get("sec-fetch-site") == "cross-site":
            raise BadRequest(403, "requests from other sites are not accepted")
        return
    if urlsplit(origin).netloc != request.headers.get("host", "") and origin.rstrip("/") not in allowed:
        raise BadRequest(403, "requests from other sites are not accepted")


async def read_body(request: Request, limit: int = MAX_BODY_BYTES) -> bytes:
    """The body, read no further than ``limit`` bytes (413 beyond)."""
    declared = request.headers.get("content-length", "0")
    if declared.isdigit() and int(declared) > limit:
        raise BadRequest(413, "the request is too large")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BadRequest(413, "the request is too large")
        chunks.append(chunk)
    return b"".join(chunks)


def log_refusal(request: Request, reason: str) -> None:
    """One log line for the operator: what was refused, from where, and why."""
    client = request.client.host if request.client else "?"
    log.warning("refused %s %s from %s: %s", request.method, request.url.path, client, reason)
