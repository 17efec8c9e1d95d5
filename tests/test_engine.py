"""The engine's promises: one reply per event, per-scope order, kept events, clear notices."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Sequence
from pathlib import Path

import pytest
import sqlalchemy as sa

from conversation import BadInput, Engine, EngineLimits, Message
from conversation.llm import FakeLLM
from storage import Completion, NewEvent, SentReply, Written
from storage.tables import inbox, outbox, transcripts, turns
from tests.fakes.collecting import CollectingSink
from tests.fakes.engines import (  # noqa: F401 - database_url_on_each: on both databases
    database_url_on_each,
    make_engine,
    message,
    sqlite_url,
)


async def test_a_message_gets_one_reply_and_every_record(engine: Engine, sink: CollectingSink) -> None:
    submission = await engine.submit(message("hello"))
    await engine.join()

    assert submission.accepted
    assert sink.texts_for("u1:hello") == ["echo: hello"]
    with engine.ledger.engine.connect() as db:
        assert db.execute(sa.select(inbox.c.status)).scalars().all() == ["done"]
        assert db.execute(sa.select(turns.c.role, turns.c.text)).all() == [
            ("user", "hello"),
            ("assistant", "echo: hello"),
        ]
        assert db.execute(sa.select(transcripts.c.skill, transcripts.c.outcome)).all() == [("chat", "ok")]
        assert db.execute(sa.select(outbox.c.sent_at.is_not(None))).scalars().all() == [True]


async def test_retry_of_same_event_gets_no_second_reply(engine: Engine, sink: CollectingSink) -> None:
    first = await engine.submit(message("hello", event_id="evt-1"))
    await engine.join()
    again = await engine.submit(message("hello", event_id="evt-1"))
    await engine.join()

    assert first.accepted and not again.accepted
    assert sink.texts_for("evt-1") == ["echo: hello"]


async def test_same_event_delivered_concurrently_gets_one_reply(engine: Engine, sink: CollectingSink) -> None:
    submissions = await asyncio.gather(*(engine.submit(message("hi", event_id="evt-c")) for _ in range(20)))
    await engine.join()

    assert sum(s.accepted for s in submissions) == 1
    assert sink.texts_for("evt-c") == ["echo: hi"]


async def test_one_scope_is_serialised_and_scopes_run_concurrently(
    engine: Engine, sink: CollectingSink, fake_llm: FakeLLM
) -> None:
    running: dict[str | None, int] = {}
    overlap_in_scope = False
    most_at_once = 0
    fake_llm.responder = lambda messages: messages[-1].content
    fake_llm.delay_s = 0.05
    original = fake_llm.complete

    async def complete(msgs, options, on_token=None):  # type: ignore[no-untyped-def]
        nonlocal overlap_in_scope, most_at_once
        scope = options.conversation
        running[scope] = running.get(scope, 0) + 1
        overlap_in_scope |= running[scope] > 1
        most_at_once = max(most_at_once, sum(running.values()))
        try:
            return await original(msgs, options, on_token)
        finally:
            running[scope] -= 1

    fake_llm.complete = complete  # type: ignore[method-assign]
    for n in range(3):
        for user in ("ann", "bob", "cat"):
            await engine.submit(message(f"{user}-{n}", user=user))
    await engine.join()

    assert not overlap_in_scope
    assert most_at_once == 3
    for user in ("ann", "bob", "cat"):
        answers = [r.text for m, r in sink.replies if m.user == user]
        assert answers == [f"{user}-0", f"{user}-1", f"{user}-2"]


async def test_backend_down_gives_clear_notice_keeps_the_event_and_answers_later(
    engine: Engine, sink: CollectingSink, fake_llm: FakeLLM
) -> None:
    fake_llm.failure = "connection refused"
    await engine.submit(message("are you there?", event_id="evt-down"))
    await engine.join()

    notice = sink.replies[0][1]
    assert notice.notice
    assert "unavailable" in notice.text and "saved" in notice.text
    with engine.ledger.engine.connect() as db:
        assert db.execute(sa.select(inbox.c.status)).scalar_one() == "pending"

    fake_llm.failure = None
    await sink.wait_for(2)
    await engine.join()
    assert sink.texts_for("evt-down")[1] == "echo: are you there?"
    with engine.ledger.engine.connect() as db:
        assert db.execute(sa.select(inbox.c.status)).scalar_one() == "done"


async def test_backend_down_for_good_gives_up_after_max_attempts(
    database_url: str, sink: CollectingSink
) -> None:
    llm = FakeLLM()
    llm.failure = "timed out"
    engine = make_engine(database_url, llm, EngineLimits(retry_after_s=0.01, max_attempts=3))
    engine.register_sink("test", sink)
    await engine.start()
    await engine.submit(message("anyone?"))
    await sink.wait_for(2)
    await engine.aclose()

    texts = sink.texts_for("u1:anyone?")
    assert len(texts) == 2
    assert "gave up" in texts[1] and "3 attempts" in texts[1]
    with engine.ledger.engine.connect() as db:
        assert db.execute(sa.select(inbox.c.status)).scalar_one() == "failed"


async def test_unfinished_messages_and_unsent_replies_survive_a_restart(database_url: str) -> None:
    stuck = FakeLLM()
    stuck.delay_s = 3600  # the first process "crashes" while the model is busy
    first = make_engine(database_url, stuck, EngineLimits(lease_s=0.5))
    await first.start()
    await first.submit(message("one", event_id="e1", user="x"))
    await first.submit(message("two", event_id="e2", user="y"))
    await asyncio.sleep(0.1)
    await crash(first)

    second = make_engine(database_url)
    collected = CollectingSink()
    second.register_sink("test", collected)
    await second.start()
    await collected.wait_for(2)  # once the dead engine's leases expired
    await second.aclose()

    assert sorted(m.event_id for m, _ in collected.replies) == ["e1", "e2"]


async def test_a_message_whose_answer_could_not_be_stored_is_answered_later_once(
    database_url: str, sink: CollectingSink, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = make_engine(database_url, limits=EngineLimits(lease_s=0.6, poll_s=0.05))
    write = engine.ledger.write
    outage = [True]

    def write_unless_the_disk_fails(
        events: Sequence[NewEvent] = (),
        completions: Sequence[Completion] = (),
        sent: Sequence[SentReply] = (),
    ) -> Written:
        if completions and outage:
            outage.clear()
            raise sa.exc.OperationalError("INSERT INTO turns", {}, OSError("disk I/O error"))
        return write(events, completions, sent)

    monkeypatch.setattr(engine.ledger, "write", write_unless_the_disk_fails)
    engine.register_sink("test", sink)
    await engine.start()
    await engine.submit(message("hello", event_id="e1"))
    await sink.wait_for(1)
    await engine.aclose()

    assert sink.texts_for("e1") == ["echo: hello"]
    with engine.ledger.engine.connect() as db:
        assert db.execute(sa.select(inbox.c.status)).scalars().all() == ["done"]


async def crash(engine: Engine) -> None:
    """Stop every task of ``engine`` where it is, as a killed process stops: nothing more is written."""
    tasks = [*engine._workers, engine._maintenance]
    for task in tasks:
        if task is not None:
            task.cancel()
    await asyncio.gather(*(task for task in tasks if task is not None), return_exceptions=True)


async def test_reply_refused_by_the_platform_is_redelivered_after_restart(database_url: str) -> None:
    first = make_engine(database_url)
    refusing = CollectingSink()
    refusing.refuse = True
    first.register_sink("test", refusing)
    await first.start()
    await first.submit(message("hello", event_id="e1"))
    await first.join()
    await first.aclose()

    second = make_engine(database_url)
    collected = CollectingSink()
    second.register_sink("test", collected)
    await second.start()
    await second.join()
    await second.aclose()

    assert collected.texts_for("e1") == ["echo: hello"]
    with second.ledger.engine.connect() as db:
        assert db.execute(sa.select(outbox.c.sent_at.is_not(None))).scalars().all() == [True]


async def test_context_holds_earlier_turns_of_the_same_scope(engine: Engine, fake_llm: FakeLLM) -> None:
    await engine.submit(message("my name is Ann", event_id="a"))
    await engine.join()
    await engine.submit(message("what is my name?", event_id="b"))
    await engine.join()

    contents = [m.content for m in fake_llm.prompts[-1]]
    assert contents[1:] == ["my name is Ann", "echo: my name is Ann", "what is my name?"]


async def test_a_restarted_engine_takes_over_a_scope_with_its_history(database_url: str) -> None:
    first = make_engine(database_url)
    await first.start()
    await first.submit(message("my name is Ann", event_id="a"))
    await first.submit(message("I live in Oslo", event_id="b", user="someone else"))
    await first.join()
    await first.aclose()

    llm = FakeLLM()
    second = make_engine(database_url, llm)
    await second.start()
    await second.submit(message("what is my name?", event_id="c"))
    await second.join()
    stored = await second.history(message("").scope)
    await second.aclose()

    prompt = [m.content for m in llm.prompts[-1][1:]]
    assert prompt == ["my name is Ann", "echo: my name is Ann", "what is my name?"]
    assert [(m.role, m.content) for m in stored] == [
        ("user", "my name is Ann"),
        ("assistant", "echo: my name is Ann"),
        ("user", "what is my name?"),
        ("assistant", "echo: what is my name?"),
    ]


async def test_a_lone_message_written_at_once_never_blocks_the_loop_on_a_locked_database(
    tmp_path: Path, sink: CollectingSink
) -> None:
    engine = make_engine(sqlite_url(tmp_path))
    engine.register_sink("test", sink)
    await engine.start()
    await engine.submit(message("first", event_id="e1"))  # alone: written on the loop
    await sink.wait_for(1)
    other_writer = sqlite3.connect(tmp_path / "chatwright.db", isolation_level=None)
    other_writer.execute("BEGIN IMMEDIATE")  # e.g. another process, holding the write lock

    submitted = asyncio.create_task(engine.submit(message("second", event_id="e2")))
    started = time.monotonic()
    await asyncio.sleep(0.2)
    loop_stalled_s = time.monotonic() - started - 0.2
    waiting = not submitted.done()
    other_writer.execute("COMMIT")
    other_writer.close()
    await submitted
    await engine.join()
    await engine.aclose()

    assert waiting and loop_stalled_s < 0.1  # the writer thread waited for the lock, not the loop
    assert sink.texts_for("e1") == ["echo: first"] and sink.texts_for("e2") == ["echo: second"]


async def test_context_is_trimmed_to_the_token_budget(database_url: str) -> None:
    llm = FakeLLM()
    engine = make_engine(database_url, llm, EngineLimits(history_tokens=100))
    await engine.start()
    for n in range(30):
        await engine.submit(message(f"message number {n} " + "x" * 40, event_id=str(n)))
        await engine.join()
    await engine.aclose()

    history = llm.prompts[-1][1:-1]
    assert 0 < sum(llm.count_tokens(m.content) for m in history) <= 100
    assert "message number 28" in history[-2].content


async def test_unknown_command_gets_a_notice_listing_the_commands(
    engine: Engine, sink: CollectingSink
) -> None:
    await engine.submit(message("/frobnicate now"))
    await engine.join()

    (reply,) = sink.texts_for("u1:/frobnicate now")
    assert reply == "Unknown command /frobnicate. Commands: /chat, /help. /help says what each does."


async def test_tokens_are_streamed_to_the_sink_before_the_reply(engine: Engine, sink: CollectingSink) -> None:
    await engine.submit(message("stream these words please", event_id="s"))
    await engine.join()

    assert "".join(sink.pieces["s"]) == "echo: stream these words please"
    assert sink.settled_ids == ["s"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "The message is empty."),
        ("   \n", "The message is empty."),
        ("x" * 100_000, "The message is 100,000 characters long; the limit is 20,000."),
        ("bad \udcff bytes", "The message is not valid text."),
        ("nul \x00 inside", "The message is not valid text."),
    ],
)
async def test_bad_input_is_refused_with_a_clear_sentence_and_nothing_stored(
    engine: Engine, text: str, expected: str
) -> None:
    with pytest.raises(BadInput, match=expected):
        await engine.submit(Message("test", "u1", text, event_id="bad"))
    await engine.submit(message("still fine"))
    await engine.join()
    with engine.ledger.engine.connect() as db:
        assert db.execute(sa.select(inbox.c.event_id)).scalars().all() == ["u1:still fine"]
