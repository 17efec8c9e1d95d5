"""Training consent: Slack and Discord transcripts stay out of the dataset until an admin enables them."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from storage.training_sources import training_sources
from tests.fakes.admin_bot import admin_bot
from tests.fakes.transcripts import record_exchange
from training.dataset import build_dataset

PLATFORMS = ("web", "console", "slack", "discord")


def record_one_per_platform(database: sa.Engine) -> None:
    for n, platform in enumerate(PLATFORMS):
        record_exchange(
            database, f"question {n} from {platform}", f"answer {n} on {platform}", platform=platform
        )


def trained_platforms(database: sa.Engine, defaults: list[str]) -> set[str]:
    sources = training_sources(database, defaults)
    dataset = build_dataset(database, test_fraction=0.25, near_duplicate_threshold=0.95, sources=sources)
    return {pair.instruction.rsplit(" ", 1)[-1] for pair in dataset.pairs}


async def test_slack_and_discord_transcripts_train_only_after_an_admin_enables_them(tmp_path: Path) -> None:
    async with admin_bot(tmp_path) as bot:
        record_one_per_platform(bot.database)
        defaults = bot.settings.training_sources
        before = trained_platforms(bot.database, defaults)
        listed = await bot.admin("training-sources")
        enabled = await bot.admin("training-sources enable slack")
        with_slack = trained_platforms(bot.database, defaults)
        await bot.admin("training-sources disable web")
        without_web = trained_platforms(bot.database, defaults)

    assert before == {"web", "console"}
    assert listed.text == "Transcripts that feed training come from: console, jsonl, web."
    assert enabled.text == "slack conversations now feed training (from the next run on)."
    assert with_slack == {"web", "console", "slack"}
    assert without_web == {"console", "slack"}


async def test_the_dataset_manifest_counts_what_consent_left_out(tmp_path: Path) -> None:
    async with admin_bot(tmp_path) as bot:
        record_one_per_platform(bot.database)
        dataset = build_dataset(
            bot.database,
            test_fraction=0.25,
            near_duplicate_threshold=0.95,
            sources=training_sources(bot.database, bot.settings.training_sources),
        )

    assert dataset.manifest["dropped"] == {"not_a_training_source": 2}


async def test_only_admins_may_change_the_sources(tmp_path: Path) -> None:
    async with admin_bot(tmp_path) as bot:
        [refused] = await bot.say("/admin training-sources enable discord", user="mallory")
        sources = training_sources(bot.database, bot.settings.training_sources)

    assert refused.text.startswith("Refused:")
    assert "discord" not in sources
