"""Which platform adapters run, decided once from the settings."""

from __future__ import annotations

from bots.adapter import PlatformAdapter
from conversation import Engine, Settings


def configured_adapters(engine: Engine, settings: Settings) -> list[PlatformAdapter]:
    """Slack when its bot token is set, Discord when its token is set (the web chat always runs)."""
    adapters: list[PlatformAdapter] = []
    if settings.slack_bot_token.get_secret_value():
        from bots.slack import SlackAdapter  # noqa: PLC0415 - only when Slack is configured

        adapters.append(SlackAdapter(engine, settings))
    if settings.discord_token.get_secret_value():
        from bots.discord import DiscordAdapter  # noqa: PLC0415 - only when Discord is configured

        adapters.append(DiscordAdapter(engine, settings))
    return adapters
