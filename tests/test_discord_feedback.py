"""Discord: 👍/👎 on the bot's replies become stored feedback; a reply re-sent after a crash posts once.

discord.py runs on the fake gateway through the wiring of ``chatwright run``; the fake dispatches
MESSAGE_REACTION_ADD/REMOVE and honours ``enforce_nonce`` as Discord does.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import pytest
import sqlalchemy as sa

from conversation import EngineLimits
from storage import Completion, NewEvent, SentReply, Written
from storage.tables import outbox
from tests.fakes.adapter_servers import (
    FIRST_DM,
    REPLIES,
    discord_answers,
    dm_from,
    feedback_votes,
    point_discord_py_at,
    serve_discord,
)
from tests.fakes.discord_api import BOT_ID, USER_ID, FakeDiscord
from tests.fakes.engines import make_engine, sqlite_url

NO_RETRY = EngineLimits(retry_after_s=60)


def sent_marks(database_url: str) -> list[float | None]:
    """When each outbox row was marked sent (None: not yet)."""
    database = sa.create_engine(database_url)
    with database.connect() as connection:
        marks = list(connection.execute(sa.select(outbox.c.sent_at)).scalars())
    database.dispose()
    return marks


async def test_thumbs_on_a_reply_are_stored_as_the_users_vote_and_taking_one_back_removes_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    database_url = sqlite_url(tmp_path)
    async with FakeDiscord() as fake:
        point_discord_py_at(fake, monkeypatch)
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


async def test_a_reply_discord_took_before_the_crash_but_not_marked_sent_is_not_posted_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    database_url = sqlite_url(tmp_path)
    async with FakeDiscord() as fake:
        point_discord_py_at(fake, monkeypatch)
        first = make_engine(database_url, limits=NO_RETRY)
        write = first.ledger.write

        def die_before_the_sent_mark(
            events: Sequence[NewEvent] = (),
            completions: Sequence[Completion] = (),
            sent: Sequence[SentReply] = (),
        ) -> Written:
            return write(events, completions, ())

        monkeypatch.setattr(first.ledger, "write", die_before_the_sent_mark)
        async with serve_discord(fake, first):
            await fake.dispatch("MESSAGE_CREATE", dm_from(fake, 0, "say this once"))
            await fake.until(lambda: fake.contents_in(FIRST_DM))
            await first.join()
        unsent = sent_marks(database_url)

        restarted = make_engine(database_url, limits=NO_RETRY)
        async with serve_discord(fake, restarted):
            await restarted.join()  # the unsent reply is delivered again
        posts = fake.calls_to("POST", REPLIES)

    assert unsent == [None]
    assert len(posts) == 2 and posts[0].json["nonce"] == posts[1].json["nonce"]
    assert discord_answers(fake) == Counter({"echo: say this once": 1})
    assert sent_marks(database_url) != [None]
