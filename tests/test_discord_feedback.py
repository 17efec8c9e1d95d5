"""Discord: 👍/👎 added to or removed from the bot's replies become the user's stored vote.

discord.py runs on the fake gateway through the wiring of ``chatwright run``; the fake dispatches
MESSAGE_REACTION_ADD/REMOVE as Discord does.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from conversation import EngineLimits
from tests.fakes.adapter_servers import (
    FIRST_DM,
    dm_from,
    feedback_votes,
    serve_discord,
)
from tests.fakes.discord_api import FakeDiscord
from tests.fakes.discord_objects import BOT_ID, USER_ID
from tests.fakes.engines import make_engine, sqlite_url

NO_RETRY = EngineLimits(retry_after_s=60)


async def test_thumbs_on_a_reply_are_stored_as_the_users_vote_and_taking_one_back_removes_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    database_url = sqlite_url(tmp_path)
    async with FakeDiscord() as fake:
        engine = make_engine(database_url, limits=NO_RETRY)
        async with serve_discord(fake, engine):
            await fake.dispatch("MESSAGE_CREATE", dm_from(fake, 0, "rate me"))
            await fake.until(lambda: fake.contents_in(FIRST_DM))
            await engine.join()
            [reply_id] = fake.messages
            channel = FIRST_DM
            for emoji, author_id in [("🎉", BOT_ID), ("👎", USER_ID)]:  # not a thumb; not on a bot reply
                reaction = fake.reaction(reply_id, emoji, channel_id=channel, author_id=author_id)
                await fake.dispatch("MESSAGE_REACTION_ADD", reaction)
            await fake.dispatch("MESSAGE_REACTION_ADD", fake.reaction(reply_id, "👍🏽", channel_id=channel))
            await fake.until(lambda: feedback_votes(database_url))
            voted = feedback_votes(database_url)
            await fake.dispatch(
                "MESSAGE_REACTION_REMOVE", fake.reaction_removal(reply_id, "👍", channel_id=channel)
            )
            await fake.until(lambda: not feedback_votes(database_url))

    assert voted == [("discord", str(reply_id), str(USER_ID), 1)]
