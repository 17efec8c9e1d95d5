"""AdminSkill: ``/admin <verb>``, the caller's role checked in code before anything runs, all audited."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

from conversation.admin import docs, models, privacy, reports, verbs
from conversation.admin.base import AdminError, AdminServices, Invocation, Verb, VerbResult
from conversation.admin.roles import LOCAL_PLATFORM, Role
from conversation.admin.training_sources import training_sources_verb
from conversation.admin.web_login import web_login
from conversation.types import Reply
from skills.base import SkillRequest, SkillResponse
from storage.admin_store import AuditEntry

log = logging.getLogger(__name__)


async def _help(_services: AdminServices, _invocation: Invocation) -> VerbResult:
    return VerbResult("Admin verbs:\n" + "\n".join(f"/admin {v.usage} - {v.summary}" for v in VERBS.values()))


VERBS: dict[str, Verb] = {
    verb.name: verb
    for verb in (
        Verb("help", "help", "this list", _help),
        Verb(
            "stats",
            "stats [days]",
            "messages per skill/platform/day, latency, errors, feedback, model",
            reports.stats,
        ),
        Verb("roles", "roles [list|grant <user>|revoke <user>]", "who is an admin", verbs.roles),
        Verb("menu", "menu reload", "re-read the order menu (a bad file keeps the old one)", verbs.menu),
        Verb(
            "channel",
            "channel mode <translator|default> [platform:team:channel]",
            "this channel's mode",
            verbs.channel,
        ),
        Verb(
            "maintenance",
            "maintenance [on|off]",
            "answer everyone but admins with a notice",
            verbs.maintenance,
        ),
        Verb("forget", "forget <platform:user>", "delete everything stored about a user", privacy.forget),
        Verb(
            "export",
            "export <platform:user>",
            "write everything stored about a user to a JSON file",
            privacy.export,
        ),
        Verb("audit", "audit [n]", "the newest audit log entries", verbs.audit),
        Verb(
            "ingest",
            "ingest <path> [collection]",
            "index files for /ask (chat: under data_dir/docs)",
            docs.ingest,
        ),
        Verb(
            "collections",
            "collections [list|bind <name> [channel]|unbind [channel]]",
            "the docs collections and which channel /ask uses",
            docs.collections,
        ),
        Verb("train", "train [force]", "fine-tune on the transcripts now (in the background)", models.train),
        Verb("models", "models", "the fine-tuned versions and their status", models.models),
        Verb("promote", "promote <version>", "serve a fine-tuned version", models.promote),
        Verb("rollback", "rollback", "serve the version promoted before", models.rollback),
        Verb(
            "training-sources",
            "training-sources [list|enable <platform>|disable <platform>]",
            "which platforms' conversations may train the model (Slack, Discord: off by default)",
            training_sources_verb,
        ),
        Verb(
            "web-login",
            "web-login <user>",
            "a one-time link that signs a browser in as web admin (command line only)",
            web_login,
            Role.SUPERUSER,
        ),
    )
}
"""Every verb and the role it needs; the permission check reads this table, never the message."""


class AdminSkill:
    """Runs admin verbs for callers whose role allows them; refuses everyone else. Replies are ephemeral.

    The role comes from where the message came from (platform and user id set by the adapter,
    checked against configuration and the users table), never from what the message says.
    """

    summary = "Administration (admins only)"
    usage = "help | stats | roles | forget <platform:user> | ..."

    name = "admin"
    description = "Administration commands for admins."

    def __init__(self, services: AdminServices) -> None:
        self.services = services

    async def handle(self, request: SkillRequest) -> SkillResponse:
        """Check the caller's role against the verb's rule, run it if allowed, audit either way."""
        message = request.message
        words = request.text.split()
        name = words[0].lower()[:64] if words else "help"
        invocation = Invocation(message, name, words[1:])
        role = await asyncio.to_thread(self.services.roles.role_of, message.platform, message.user)
        verb = VERBS.get(name)
        needed = verb.needs if verb is not None else Role.ADMIN
        if role < needed:
            text = (
                f"Refused: /admin {name} is for admins only, and {message.platform}:{message.user} "
                "is not one. Nothing was done."
            )
            return await self._finish(invocation, "refused", VerbResult(text))
        if verb is None:
            text = f"Unknown admin verb {name!r}. Verbs: {', '.join(VERBS)}."
            return await self._finish(invocation, "error", VerbResult(text))
        try:
            result = await verb.run(self.services, invocation)
        except AdminError as error:
            return await self._finish(invocation, "error", VerbResult(str(error)))
        except Exception as error:
            log.exception("/admin %s failed", name)
            text = f"/admin {name} failed: {type(error).__name__}. Details are in the bot's log."
            return await self._finish(invocation, "error", VerbResult(text))
        return await self._finish(invocation, "ok", result)

    async def _finish(self, invocation: Invocation, outcome: str, result: VerbResult) -> SkillResponse:
        message = invocation.message
        args: Sequence[str] = invocation.args if result.audit_args is None else result.audit_args
        detail = "local superuser (chatwright admin)" if message.platform == LOCAL_PLATFORM else ""
        entry = AuditEntry(message.platform, message.user, invocation.verb, list(args), outcome, detail)
        await asyncio.to_thread(self.services.store.record_audit, entry)
        data = {"verb": invocation.verb, "result": outcome, **result.data}
        return SkillResponse([Reply(result.text, skill=self.name, data=data, ephemeral=True)])
