"""Which adapters ``chatwright run`` starts is decided by the settings alone."""

from __future__ import annotations

import pytest

from bots.runner import configured_adapters
from conversation import ConfigError, Engine, load_settings


def test_no_platform_tokens_means_only_the_web_chat(engine: Engine) -> None:
    assert configured_adapters(engine, load_settings()) == []


def test_slack_over_http_needs_the_signing_secret(engine: Engine) -> None:
    with pytest.raises(ConfigError, match=r"^slack_signing_secret: required"):
        configured_adapters(engine, load_settings(slack_bot_token="xoxb-1"))


def test_slack_and_discord_tokens_start_both_adapters(engine: Engine) -> None:
    settings = load_settings(slack_bot_token="xoxb-1", slack_signing_secret="s", discord_token="d")

    adapters = {adapter.platform: adapter for adapter in configured_adapters(engine, settings)}

    assert sorted(adapters) == ["discord", "slack"]
    assert [route.path for route in adapters["slack"].routes()] == ["/slack/events"]  # type: ignore[attr-defined]


def test_a_section_for_an_adapter_that_is_not_installed_is_an_error(engine: Engine) -> None:
    with pytest.raises(ConfigError, match=r"^adapters: no installed adapter 'teams'"):
        configured_adapters(engine, load_settings(adapters={"teams": {"url": "x"}}))
