"""``/admin training-sources``: which platforms' conversations may train the model.

Web chat and the console feed training by default. Slack's API terms and Discord's developer
policy restrict using message content to train models, so their transcripts are left out until
an admin, for a workspace or server whose agreement allows it, enables them here.
"""

from __future__ import annotations

import asyncio

from conversation.admin.base import AdminError, AdminServices, Invocation, VerbResult
from storage.training_sources import TRAINING_SOURCES_FLAG, training_source_choices, training_sources

USAGE = "Usage: /admin training-sources [list] | enable <platform> | disable <platform>"


async def training_sources_verb(services: AdminServices, invocation: Invocation) -> VerbResult:
    """``training-sources [list|enable <platform>|disable <platform>]``."""
    args = [arg.lower() for arg in invocation.args]
    defaults = services.settings.training_sources
    if args in ([], ["list"]):
        sources = await asyncio.to_thread(training_sources, services.database, defaults)
        listed = ", ".join(sorted(sources)) or "none"
        return VerbResult(
            f"Transcripts that feed training come from: {listed}.", {"sources": sorted(sources)}
        )
    if len(args) != 2 or args[0] not in ("enable", "disable") or not args[1].isidentifier():
        raise AdminError(USAGE)
    action, platform = args
    choices = await asyncio.to_thread(training_source_choices, services.database)
    choices[platform] = action == "enable"
    await asyncio.to_thread(services.store.set_flag, TRAINING_SOURCES_FLAG, choices)
    sources = await asyncio.to_thread(training_sources, services.database, defaults)
    state = "now feed" if platform in sources else "no longer feed"
    return VerbResult(
        f"{platform} conversations {state} training (from the next run on).", {"sources": sorted(sources)}
    )
