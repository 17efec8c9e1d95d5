"""Idempotency keys for replies posted to a platform, derived from what the outbox stores."""

from __future__ import annotations

import hashlib

KEY_CHARS = 25
"""Discord's limit for a message nonce."""


def reply_key(*parts: object) -> str:
    """A short stable key for the post identified by ``parts`` (event id, piece number, reply text…).

    The same reply delivered again after a restart gets the same key, so the platform (Discord's
    ``nonce``) or a look-up (Slack's message metadata) recognises the post that already went out.
    """
    return hashlib.sha256("\x00".join(map(str, parts)).encode()).hexdigest()[:KEY_CHARS]
