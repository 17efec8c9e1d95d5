"""The shipped adapters' factories, registered as entry points ``chatwright.adapters``.

An adapter factory takes the engine and the settings and returns the adapter, or None when the
platform is not configured; the platform's SDK is imported only then.
"""

from __future__ import annotations

from collections.abc import Callable

from bots.adapter import PlatformAdapter
from conversation import Engine, Settings

AdapterFactory = Callable[[Engine, Settings], PlatformAdapter | None]


def slack(engine: Engine, settings: Settings) -> PlatformAdapter | None:
    """Slack when its bot token is set, or its OAuth client id and secret (many workspaces)."""
    oauth = settings.slack_client_id and settings.slack_client_secret.get_secret_value()
    if not settings.slack_bot_token.get_secret_value() and not oauth:
        return None
    from bots.slack import SlackAdapter  # noqa: PLC0415 - only when Slack is configured

    return SlackAdapter(engine, settings)


def discord(engine: Engine, settings: Settings) -> PlatformAdapter | None:
    """Discord when its token is set."""
    if not settings.discord_token.get_secret_value():
        return None
    from bots.discord import DiscordAdapter  # noqa: PLC0415 - only when Discord is configured

    return DiscordAdapter(engine, settings)
