"""Which platform adapters run, decided once from the settings and the installed adapters."""

from __future__ import annotations

from bots.adapter import PlatformAdapter
from bots.platforms import AdapterFactory
from conversation import ConfigError, Engine, Settings
from conversation.registry import ADAPTERS, installed


def configured_adapters(engine: Engine, settings: Settings) -> list[PlatformAdapter]:
    """Every installed adapter (entry points ``chatwright.adapters``) that is configured.

    The shipped ones: Slack when its bot token is set, Discord when its token is set; the web
    chat always runs. An adapter's own settings are its ``[adapters.<name>]`` section.
    """
    factories: dict[str, AdapterFactory] = installed(ADAPTERS)
    if unknown := sorted(set(settings.adapters) - set(factories)):
        raise ConfigError(
            f"adapters: no installed adapter {unknown[0]!r} (installed: {', '.join(factories)})"
        )
    return [adapter for factory in factories.values() if (adapter := factory(engine, settings)) is not None]
