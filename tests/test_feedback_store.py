"""Reactions on delivered replies: the engine keeps each reply's platform id and stores votes on it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import sqlalchemy as sa

from conversation import Engine, Message, Reply
from storage.tables import feedback, outbox
from tests.fakes.collecting import CollectingSink
from tests.fakes.engines import database_url_on_each, make_engine, message  # noqa: F401 - on both databases


class PostingSink(CollectingSink):
    """A sink whose platform gives every posted message an id, as Slack (ts) and Discord do."""

    async def deliver(self, message: Message, reply: Reply) -> str:
        """Keep the reply; return the id the platform gave it."""
        await super().deliver(message, reply)
        return f"posted-{len(self.replies)}"


@pytest.fixture
async def posting(database_url: str) -> AsyncIterator[tuple[Engine, PostingSink]]:
    """A started engine on platform 'test' whose sink returns message ids; closed after the test."""
    engine = make_engine(database_url)
    sink = PostingSink()
    engine.register_sink("test", sink)
    await engine.start()
    yield engine, sink
    await engine.aclose()


def votes(engine: Engine) -> list[tuple[str, str, int]]:
    """(reply's platform id, user, vote) of every stored vote."""
    query = (
        sa.select(outbox.c.platform_ref, feedback.c.user_id, feedback.c.value)
        .join(outbox, outbox.c.id == feedback.c.outbox_id)
        .order_by(outbox.c.platform_ref, feedback.c.user_id)
    )
    with engine.ledger.engine.connect() as db:
        return [(row.platform_ref, row.user_id, row.value) for row in db.execute(query)]


async def answered(engine: Engine, *texts: str) -> None:
    for text in texts:
        await engine.submit(message(text))
    await engine.join()


async def test_the_platform_id_of_each_delivered_reply_is_stored(posting: tuple[Engine, PostingSink]) -> None:
    engine, _ = posting
    await answered(engine, "one", "two")

    with engine.ledger.engine.connect() as db:
        rows = db.execute(sa.select(outbox.c.platform_ref, outbox.c.sent_at.is_not(None))).all()
    assert sorted(rows) == [("posted-1", True), ("posted-2", True)]


async def test_latest_vote_of_a_user_counts_and_zero_takes_it_back(
    posting: tuple[Engine, PostingSink],
) -> None:
    engine, _ = posting
    await answered(engine, "one", "two")

    assert await engine.record_feedback("test", "posted-1", "ann", 1)
    assert await engine.record_feedback("test", "posted-1", "bob", -1)
    assert await engine.record_feedback("test", "posted-2", "ann", 1)
    assert votes(engine) == [("posted-1", "ann", 1), ("posted-1", "bob", -1), ("posted-2", "ann", 1)]

    assert await engine.record_feedback("test", "posted-1", "ann", -1)
    assert await engine.record_feedback("test", "posted-2", "ann", 0)
    assert votes(engine) == [("posted-1", "ann", -1), ("posted-1", "bob", -1)]


async def test_a_vote_on_an_unknown_message_is_refused_and_nothing_stored(
    posting: tuple[Engine, PostingSink],
) -> None:
    engine, _ = posting
    await answered(engine, "one")

    assert not await engine.record_feedback("test", "posted-99", "ann", 1)
    assert not await engine.record_feedback("slack", "posted-1", "ann", 1)  # another platform's id
    assert votes(engine) == []


async def test_a_vote_other_than_up_down_or_none_is_a_clear_error(
    posting: tuple[Engine, PostingSink],
) -> None:
    engine, _ = posting
    await answered(engine, "one")

    with pytest.raises(ValueError, match=r"a vote is one of \(-1, 0, 1\), not 5"):
        await engine.record_feedback("test", "posted-1", "ann", 5)
    assert votes(engine) == []


async def test_a_reply_redelivered_after_a_restart_gets_its_platform_id(database_url: str) -> None:
    first = make_engine(database_url)
    refusing = PostingSink()
    refusing.refuse = True
    first.register_sink("test", refusing)
    await first.start()
    await answered(first, "hello")
    await first.aclose()

    second = make_engine(database_url)
    second.register_sink("test", PostingSink())
    await second.start()
    await second.join()
    try:
        assert await second.record_feedback("test", "posted-1", "ann", 1)
        assert votes(second) == [("posted-1", "ann", 1)]
    finally:
        await second.aclose()
