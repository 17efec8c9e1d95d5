"""Privacy: /admin forget leaves no row of the user in any table, /admin export, /optout and /optin."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from bots.cli import main
from storage.tables import feedback, metadata, outbox, users
from storage.user_data import FORGOTTEN
from tests.fakes.admin_bot import ADMIN, USER, AdminBot, admin_bot
from tests.fakes.engines import database_url_on_each
from training.dataset import build_dataset

__all__ = ["database_url_on_each"]  # the database_url fixture: SQLite, then PostgreSQL

VICTIM = "victim-q7z"
"""A user id that appears nowhere else, so any row mentioning it is theirs."""
ORDER = ["/order a large pepperoni pizza", "no toppings", "that's all", "pickup", "that's all", "yes"]


async def _victim_everywhere(bot: AdminBot) -> None:
    """The victim chats in two channels, places an order, votes, is voted on, opts out, tries /admin."""
    await bot.say("hello, my address is 1 Main St", user=VICTIM)
    await bot.say("and here is a second channel", user=VICTIM, channel="c2")
    for line in ORDER:
        await bot.say(line, user=VICTIM, channel="c3")
    await bot.say("/order a small coke", user=VICTIM, channel="c4")  # an order left open: scope state
    await bot.say("hi, I'm another user")
    await bot.say("/optout", user=VICTIM)
    await bot.say("/admin stats", user=VICTIM)
    await bot.admin(f"roles grant test:{VICTIM}")
    with bot.database.begin() as connection:
        replies = dict(connection.execute(sa.select(outbox.c.scope_key, outbox.c.id)).all())
        victim_reply = replies[f"test//c1//{VICTIM}"]
        other_reply = replies[f"test//c1//{USER}"]
        votes = [(victim_reply, VICTIM), (victim_reply, USER), (other_reply, VICTIM)]
        connection.execute(
            feedback.insert(),
            [
                {
                    "outbox_id": o,
                    "platform": "test",
                    "scope_key": "k",
                    "user_id": u,
                    "value": 1,
                    "created_at": 1.0,
                }
                for o, u in votes
            ],
        )


def _rows_mentioning(bot: AdminBot, text: str) -> list[tuple[str, dict[str, Any]]]:
    """Every row of every table in the schema whose values mention ``text`` anywhere."""
    found = []
    with bot.database.connect() as connection:
        for table in metadata.sorted_tables:
            for row in connection.execute(sa.select(table)).mappings():
                if text in json.dumps(dict(row), default=str):
                    found.append((table.name, dict(row)))
    return found


async def test_forget_leaves_no_row_of_the_user_in_any_table_but_a_tombstone(
    tmp_path: Path, database_url: str
) -> None:
    async with admin_bot(tmp_path, database_url=database_url) as bot:
        await _victim_everywhere(bot)
        before = {name for name, _row in _rows_mentioning(bot, VICTIM)}
        forgot = await bot.admin(f"forget test:{VICTIM}")
    # walked once the bot stopped: the scope leases it held while running (locks, no content) are gone
    left = _rows_mentioning(bot, VICTIM)
    audit = bot.audit()
    others = {name for name, _row in _rows_mentioning(bot, USER)}

    assert {
        "inbox",
        "outbox",
        "turns",
        "scope_state",
        "transcripts",
        "feedback",
        "orders",
        "users",
        "audit_log",
    } <= before
    assert (forgot.data or {})["result"] == "ok" and forgot.ephemeral
    assert forgot.text.startswith("Forgot the user: ")
    admin_commands = [(name, row) for name, row in left if row.get("scope_key") == f"test//c1//{ADMIN}"]
    assert {name for name, _row in admin_commands} <= {"inbox", "turns", "outbox", "transcripts"}, (
        "besides the tombstone, only the admin's own /admin commands quote the id"
    )
    [(table, tombstone)] = [(name, row) for name, row in left if (name, row) not in admin_commands]
    assert table == "users" and tombstone["forgotten_at"] is not None and not tombstone["is_admin"]
    assert {row["user_id"] for row in audit} == {ADMIN, FORGOTTEN}
    assert [row["args"] for row in audit if row["verb"] == "forget"] == [[FORGOTTEN]]
    assert {"inbox", "outbox", "turns", "transcripts"} <= others, "other users keep their data"


async def test_export_writes_every_row_of_the_user_to_a_private_json_file(
    tmp_path: Path, database_url: str
) -> None:
    async with admin_bot(tmp_path, database_url=database_url) as bot:
        await _victim_everywhere(bot)
        reply = await bot.admin(f"export test:{VICTIM}")

    path = Path((reply.data or {})["path"])
    document = json.loads(path.read_text(encoding="utf-8"))
    tables = document["tables"]
    assert reply.text == f"Exported {(reply.data or {})['rows']} rows to {path}" and reply.ephemeral
    assert path.parent == (tmp_path / "exports").resolve() and path.stat().st_mode & 0o777 == 0o600
    assert document["user"] == f"test:{VICTIM}"
    assert "hello, my address is 1 Main St" in [m["message"]["text"] for m in tables["inbox"]]
    assert len(tables["orders"]) == 1 and tables["orders"][0]["order"]["total"] == 12.95
    assert len(tables["feedback"]) == 3 and tables["users"][0]["opted_out"] is True
    assert [row["verb"] for row in tables["audit_log"]] == ["optout", "stats"]
    assert USER not in json.dumps(tables["inbox"]) + json.dumps(tables["turns"])


async def test_optout_and_optin_set_the_callers_own_choice_only(tmp_path: Path) -> None:
    async with admin_bot(tmp_path) as bot:
        [out] = await bot.say(f"/optout test:{ADMIN} please")
        opted = _user_row(bot, USER)
        [back] = await bot.say("/optin")
        audit = [(row["user_id"], row["verb"], row["result"]) for row in bot.audit()]
        admin_row = _user_row(bot, ADMIN)
        again = _user_row(bot, USER)

    assert out.ephemeral and out.text.startswith("You are opted out")
    assert opted is not None and opted["opted_out"] and admin_row is None
    assert back.text.startswith("You are opted in again") and again is not None and not again["opted_out"]
    assert audit == [(USER, "optout", "ok"), (USER, "optin", "ok")]


def _user_row(bot: AdminBot, user: str) -> dict[str, Any] | None:
    with bot.database.connect() as connection:
        row = connection.execute(sa.select(users).where(users.c.user_id == user)).mappings().first()
    return None if row is None else dict(row)


def test_the_command_line_runs_a_verb_as_the_local_superuser_and_the_audit_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CHATWRIGHT_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("CHATWRIGHT_INTENT_CLASSIFIER", "false")

    started = time.perf_counter()
    assert main(["admin", "maintenance", "on"]) == 0
    took = time.perf_counter() - started
    assert capsys.readouterr().out == "Maintenance is now on.\n"
    assert main(["admin", "roles", "grant", "nobody"]) == 2
    failed = capsys.readouterr()

    assert "'nobody' is not a user" in failed.out
    assert failed.err == "chatwright: /admin roles grant nobody: error\n"
    database = sa.create_engine(f"sqlite:///{tmp_path / 'chatwright.db'}")
    with database.connect() as connection:
        rows = connection.execute(sa.text("SELECT platform, verb, result, detail FROM audit_log")).all()
    assert [tuple(row) for row in rows] == [
        ("cli", "maintenance", "ok", "local superuser (chatwright admin)"),
        ("cli", "roles", "error", "local superuser (chatwright admin)"),
    ]
    assert took < 30, "no model is loaded"


async def test_later_dataset_builds_leave_out_forgotten_and_opted_out_users(tmp_path: Path) -> None:
    async with admin_bot(tmp_path) as bot:
        await bot.say("my first words", user=VICTIM)
        await bot.admin(f"forget test:{VICTIM}")
        await bot.say("I am back, do you remember me?", user=VICTIM)
        await bot.say("/optout", user="quiet")
        await bot.say("please do not learn from this", user="quiet")
        await bot.say("what is a good name for a cat?")
        dataset = build_dataset(
            bot.database, test_fraction=0.5, near_duplicate_threshold=0.9, sources={"test"}
        )

    instructions = [pair.instruction for pair in dataset.pairs]
    assert "what is a good name for a cat?" in instructions
    assert not {"my first words", "I am back, do you remember me?", "please do not learn from this"} & set(
        instructions
    )
    assert dataset.manifest["dropped"]["forgotten"] == 1 and dataset.manifest["dropped"]["opted_out"] == 2


async def test_after_forget_the_users_next_prompt_has_none_of_their_earlier_turns(tmp_path: Path) -> None:
    async with admin_bot(tmp_path) as bot:
        await bot.say("my locker code is 4711", user=VICTIM)
        await bot.admin(f"forget test:{VICTIM}")  # their scope is still held here, context cached
        await bot.say("what is my locker code?", user=VICTIM)

    prompt = " ".join(message.content for message in bot.llm.prompts[-1])
    assert "what is my locker code?" in prompt and "4711" not in prompt
