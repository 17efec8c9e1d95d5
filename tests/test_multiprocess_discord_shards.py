"""Discord sharding by configuration: each process connects only the shards it is given."""

from __future__ import annotations

from pathlib import Path

import discord
import pytest

from bots.discord.adapter import DiscordAdapter
from conversation import ConfigError, load_settings
from tests.fakes.discord_api import FakeDiscord
from tests.fakes.engines import make_engine, sqlite_url


async def test_two_processes_identify_each_with_its_own_shard(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with FakeDiscord() as fake:
        adapters = []
        for shard in (0, 1):  # two processes, each with its own engine, on one database
            settings = load_settings(
                discord_token="fake-token",
                discord_shard_count=2,
                discord_shard_ids=[shard],
                **fake.settings(),
            )
            engine = make_engine(sqlite_url(tmp_path))
            adapters.append((engine, DiscordAdapter(engine, settings)))
        for engine, adapter in adapters:
            await engine.start()
            await adapter.start()
        await fake.until(lambda: len(fake.identifies) >= 2)
        for engine, adapter in adapters:
            await adapter.stop()
            await engine.aclose()

    assert all(isinstance(adapter.client, discord.AutoShardedClient) for _, adapter in adapters)
    assert sorted(identify["shard"] for identify in fake.identifies) == [[0, 2], [1, 2]]


def test_without_a_shard_count_the_bot_is_one_unsharded_client(tmp_path: Path) -> None:
    adapter = DiscordAdapter(make_engine(sqlite_url(tmp_path)), load_settings(discord_token="fake-token"))

    assert type(adapter.client) is discord.Client


@pytest.mark.parametrize(
    ("overrides", "problem"),
    [
        ({"discord_shard_ids": [0]}, "needs discord_shard_count"),
        ({"discord_shard_ids": [0, 2], "discord_shard_count": 2}, r"shard ids run from 0 to 1, not \[2\]"),
    ],
)
def test_shard_ids_outside_the_count_stop_start_up_with_a_clear_error(
    overrides: dict[str, object], problem: str
) -> None:
    with pytest.raises(ConfigError, match=problem):
        load_settings(discord_token="fake-token", **overrides)
