"""Several engine processes on one PostgreSQL database: every event answered exactly once, even when
events reach random processes several times and one process is killed; one scope stays serialised."""

from __future__ import annotations

import random
import signal
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from storage import create_database_engine, upgrade_schema
from storage.tables import inbox, outbox, transcripts, turns
from tests.fakes.engine_process import EngineProcess
from tests.fakes.engines import postgres_schema

pytestmark = pytest.mark.slow

EVENTS = 1000
USERS = 60
LEASE = ("--lease-s", "2")


@pytest.fixture
def url() -> Iterator[str]:
    """A migrated schema on the test PostgreSQL."""
    with postgres_schema() as schema_url:
        database = create_database_engine(schema_url)
        upgrade_schema(database)
        database.dispose()
        yield schema_url


def requests(count: int, users: int) -> list[dict[str, str]]:
    return [
        {"user": f"user{n % users}", "channel": "general", "text": f"message {n}", "event_id": f"e{n}"}
        for n in range(count)
    ]


def start(url: str, folder: Path, *options: list[str]) -> list[EngineProcess]:
    processes = [EngineProcess(url, *extra, log=folder / f"engine{n}.log") for n, extra in enumerate(options)]
    for process in processes:
        process.wait_ready()
    return processes


def deliver_randomly(processes: list[EngineProcess], events: list[dict[str, str]], seed: int) -> None:
    """Each event to 1-3 random processes (a platform's retries); one gone gets it re-routed."""
    rng = random.Random(seed)
    for event in events:
        for _ in range(rng.randint(1, 3)):
            target = rng.choice(processes)
            if not target.send([event]):
                rng.choice([p for p in processes if p.alive()]).send([event])
        time.sleep(0.002)  # about 500 events/s: the run lasts a few seconds


def all_replies(processes: list[EngineProcess]) -> Counter[str]:
    return Counter(event_id for process in processes for event_id in process.replies())


def wait_for_replies(processes: list[EngineProcess], count: int, timeout: float) -> None:
    alive = next(p for p in processes if p.alive())
    alive.wait_until(lambda: len(all_replies(processes)) >= count, timeout, f"{count} distinct replies")
    time.sleep(1.0)  # a second reply, if any were coming, would have come by now


def settled_rows(url: str) -> tuple[Counter[str], int, int]:
    """Inbox rows by status, outbox rows, and unsent outbox rows."""
    database = sa.create_engine(url)
    with database.connect() as db:
        statuses = Counter(
            dict(db.execute(sa.select(inbox.c.status, sa.func.count()).group_by(inbox.c.status)).all())
        )
        replies = db.execute(sa.select(sa.func.count()).select_from(outbox)).scalar_one()
        unsent = db.execute(sa.select(sa.func.count()).where(outbox.c.sent_at.is_(None))).scalar_one()
    database.dispose()
    return statuses, replies, unsent


def test_three_processes_answer_each_of_1000_events_once_when_delivered_1_to_3_times(
    url: str, tmp_path: Path
) -> None:
    processes = start(url, tmp_path, [*LEASE], [*LEASE], [*LEASE])
    try:
        deliver_randomly(processes, requests(EVENTS, USERS), seed=8)
        wait_for_replies(processes, EVENTS, timeout=45)
    finally:
        for process in processes:
            process.stop()

    answered = all_replies(processes)
    assert len(answered) == EVENTS
    assert answered.most_common(1)[0][1] == 1
    assert settled_rows(url) == (Counter({"done": EVENTS}), EVENTS, 0)


def test_a_process_killed_mid_run_loses_nothing_and_nothing_is_answered_twice(
    url: str, tmp_path: Path
) -> None:
    victim_options = [*LEASE, "--stall-after", "60"]
    processes = start(url, tmp_path, victim_options, [*LEASE], [*LEASE])
    victim = processes[0]
    events = requests(EVENTS, USERS)
    try:
        victim.send(events[:120])  # it takes every scope, answers 60, then its platform hangs
        victim.wait_until(lambda: victim.reply_count >= 60, 30, "60 replies from the victim")
        sent = 120
        deliver_randomly(processes, events[sent : sent + 150], seed=sent)  # some stay pending in its scopes
        sent += 150
        time.sleep(0.3)
        victim.stop(signal.SIGKILL)
        killed_with = Counter(victim.replies())
        statuses_at_kill, _, unsent_at_kill = settled_rows(url)
        deliver_randomly(processes, events[sent:], seed=EVENTS)
        acked = set().union(*(process.acks() for process in processes))
        processes[1].send(
            [event for event in events if event["event_id"] not in acked]
        )  # never acked: retried
        wait_for_replies(processes, EVENTS, timeout=45)
    finally:
        for process in processes:
            process.stop()

    answered = all_replies(processes)
    print(
        f"victim delivered {sum(killed_with.values())} replies before SIGKILL, leaving "
        f"{statuses_at_kill['pending']} messages pending and {unsent_at_kill} replies unsent; "
        f"{len(answered)} events answered in all, {answered.most_common(1)[0][1]} time(s) at most"
    )
    assert unsent_at_kill > 0  # the run really left a reply to redeliver
    assert len(answered) == EVENTS
    assert answered.most_common(1)[0][1] == 1
    assert settled_rows(url) == (Counter({"done": EVENTS}), EVENTS, 0)


def test_one_scope_hammered_from_two_processes_keeps_its_turns_in_order(url: str, tmp_path: Path) -> None:
    processes = start(url, tmp_path, [*LEASE], [*LEASE])
    count = 150
    texts = [f"<m{n:03d}>" for n in range(count)]
    try:
        for n, text in enumerate(texts):  # evens to one process, odds to the other, at once
            processes[n % 2].send([{"user": "ann", "channel": "general", "text": text, "event_id": text}])
        wait_for_replies(processes, count, timeout=45)
    finally:
        for process in processes:
            process.stop()

    database = sa.create_engine(url)
    with database.connect() as db:
        stored = db.execute(sa.select(turns.c.role, turns.c.text).order_by(turns.c.id)).all()
        prompts = db.execute(sa.select(transcripts.c.prompt).order_by(transcripts.c.id)).scalars().all()
    database.dispose()
    asked = [text for role, text in stored[0::2]]
    assert [role for role, _ in stored] == ["user", "assistant"] * count
    assert [text for _, text in stored[1::2]] == [f"echo: {text}" for text in asked]
    assert sorted(asked) == texts
    for source in (0, 1):  # each process's messages in the order it got them
        mine = [text for text in asked if int(text[2:5]) % 2 == source]
        assert mine == sorted(mine)
    for earlier, prompt in zip(asked, prompts[1:], strict=False):  # each answer saw the one before
        assert earlier in prompt


def test_a_process_restarted_on_the_same_machine_takes_over_at_once_not_after_the_lease(
    url: str, tmp_path: Path
) -> None:
    long_lease = ["--lease-s", "60"]
    (first,) = start(url, tmp_path, [*long_lease, "--stall-after", "0"])  # its platform never answers
    events = requests(5, 5)
    first.send(events)
    first.wait_until(lambda: len(first.acks()) == len(events), 30, "every event acknowledged")
    time.sleep(0.3)  # a reply is stored and stuck in delivery, the rest are pending
    first.stop(signal.SIGKILL)

    restarted_folder = tmp_path / "restarted"
    restarted_folder.mkdir()
    started = time.monotonic()
    (second,) = start(url, restarted_folder, long_lease)
    try:
        second.wait_until(lambda: second.reply_count >= len(events), 20, "every reply")
        took = time.monotonic() - started
    finally:
        second.stop()

    assert sorted(second.replies()) == sorted(event["event_id"] for event in events)
    assert took < 20  # far below the 60 s lease the dead process held
