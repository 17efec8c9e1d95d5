"""``chatwright eval conversations``: scripted conversations through a real engine, checked by code."""

from __future__ import annotations

import json
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from bots.cli import main
from conversation import ConfigError, Reply, load_settings
from conversation.conversation_cases import Check, TurnRecord, load_conversations, select
from conversation.conversation_eval import ConversationReport, evaluate_conversations
from conversation.llm import FakeLLM
from conversation.llm.base import ChatMessage
from storage import create_database_engine
from storage.tables import eval_runs, transcripts

ANSWER = "The moon is made of \u201ccheese\u201d, they\u2019re saying."
"""What the model says to everything: not JSON, so the order skill uses its keyword parser."""
PEPPERONI = ["/order a large pepperoni pizza", "no toppings", "pickup", "that's all", "yes"]
CHEESE = ["/order a small cheese pizza", "no toppings", "pickup", "that's all", "yes"]

CASES: list[dict[str, Any]] = [
    {
        "id": "route-moon",
        "why": "small talk goes to chat",
        "turns": ["tell me about the moon", "and the stars"],
        "checks": [
            {"turn": 0, "any": ["nothing", "THEY'RE SAYING"]},
            {"turn": 1, "skill": "order"},
            {"turn": 1, "count": ['"cheese"', 1]},
            {"turn": 1, "not_notice": True},
            {"no_order": True},
        ],
    },
    {
        "id": "order-pepperoni",
        "why": "an order placed once",
        "turns": PEPPERONI,
        "checks": [{"turn": 0, "skill": "order"}, {"order_total": 12.95}],
    },
    {
        "id": "order-wrong-total",
        "why": "the stored total is not the expected one",
        "turns": PEPPERONI,
        "checks": [{"order_total": 10.00}],
    },
    {
        "id": "order-twice",
        "why": "two orders in one conversation: a double placement",
        "turns": PEPPERONI + CHEESE,
        "checks": [{"turn": 5, "skill": "order"}],
    },
]


def moon(_messages: Sequence[ChatMessage]) -> str:
    return ANSWER


def write_cases(folder: Path, cases: Any, name: str = "cases.json") -> Path:
    path = folder / name
    path.write_text(json.dumps(cases))
    return path


async def run(tmp_path: Path, only: Sequence[str] = ()) -> ConversationReport:
    settings = load_settings(data_dir=tmp_path, model="fake", intent_classifier=False)
    conversations = select(load_conversations(write_cases(tmp_path, CASES)), only)
    return await evaluate_conversations(FakeLLM(moon), settings, conversations)


async def test_a_check_that_holds_passes_after_curly_quotes_are_made_straight(tmp_path: Path) -> None:
    report = await run(tmp_path, ["route-"])

    (result,) = report.results
    assert [turn.skill for turn in result.turns] == ["chat", "chat"]
    assert result.turns[0].text == ANSWER
    assert result.checks == 5
    assert [failure.check for failure in result.failures] == ['{"skill":"order"}']


async def test_a_failed_check_is_reported_with_its_turn_the_reply_and_its_skill(tmp_path: Path) -> None:
    report = await run(tmp_path, ["route-"])

    failed = [line for line in report.table().splitlines() if line.startswith("FAILED")]
    assert failed == [
        'FAILED route-moon turn 1 {"skill":"order"}: '
        'skill chat, text "The moon is made of \u201ccheese\u201d, they\u2019re saying."'
    ]


async def test_stored_orders_are_checked_per_conversation(tmp_path: Path) -> None:
    report = await run(tmp_path, ["order-"])

    placed, wrong, twice = report.results
    assert placed.order_totals == [Decimal("12.95")] and placed.passed
    assert [f.line() for f in wrong.failures] == [
        'FAILED order-wrong-total orders {"order_total":10.0}: stored 12.95'
    ]
    assert [f.line() for f in twice.failures] == [
        "FAILED order-twice orders at most one order: 2 orders stored (double placement): 12.95, 6.50"
    ]
    assert twice.checks == 2


async def test_the_table_gives_shares_of_checks_and_of_conversations_per_category(tmp_path: Path) -> None:
    report = await run(tmp_path)

    table = report.table().splitlines()
    assert table[:6] == [
        "model: fake",
        "| category | checks passed | conversations passed |",
        "|---|---|---|",
        "| route | 80% (4/5) | 0% (0/1) |",
        "| order | 60% (3/5) | 33% (1/3) |",
        "| total | 70% (7/10) | 25% (1/4) |",
    ]
    assert len(table) == 9, "one line per failed check"


def test_the_command_prints_progress_and_the_table_and_records_the_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CHATWRIGHT_MODEL", "fake")
    monkeypatch.setenv("CHATWRIGHT_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("CHATWRIGHT_INTENT_CLASSIFIER", "false")
    cases = write_cases(tmp_path, CASES)

    assert (
        main(["eval", "conversations", "--cases", str(cases), "--only", "order-p", "--only", "order-w"]) == 0
    )

    captured = capsys.readouterr()
    progress = [line.rsplit(" (", 1)[0] for line in captured.err.splitlines()]
    assert progress == ["ok order-pepperoni", "FAILED (1 of 1 checks) order-wrong-total"]
    assert "| total | 67% (2/3) | 50% (1/2) |" in captured.out.splitlines()
    database = create_database_engine(load_settings(data_dir=tmp_path).resolved_database_url)
    with database.connect() as db:
        (row,) = db.execute(sa.select(eval_runs)).all()
        assert db.execute(sa.select(sa.func.count()).select_from(transcripts)).scalar_one() == 0
    assert (row.kind, row.subject) == ("conversations", "fake")
    assert row.metrics["order"] == {
        "checks": 3,
        "checks_passed": 2,
        "check_share": pytest.approx(2 / 3),
        "conversations": 2,
        "conversations_passed": 1,
        "conversation_share": 0.5,
    }


@pytest.mark.parametrize(
    ("cases", "problem"),
    [
        ("[", "Invalid JSON"),
        ([], "the file: List should have at least 1 item"),
        (
            [{"id": "x", "why": "", "turns": ["hi"], "checks": [{"turn": 0, "any": ["a"], "all": ["b"]}]}],
            "conversation 0 > checks > 0: Value error, a check has exactly one of",
        ),
        (
            [{"id": "x", "why": "", "turns": ["hi"], "checks": [{"turn": 1, "skill": "chat"}]}],
            "conversation 0: Value error, checks name turn 1, but there are 1 turns",
        ),
        (
            [{"id": "x", "why": "", "turns": ["hi"], "checks": [{"order_total": 1.5, "turn": 0}]}],
            "order_total takes no turn",
        ),
        ([{"id": "x", "why": "", "turns": ["hi"], "checks": [{"turn": 0, "sklil": "chat"}]}], "sklil"),
    ],
)
def test_a_bad_cases_file_exits_2_with_one_line_naming_the_file_and_the_problem(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], cases: Any, problem: str
) -> None:
    path = tmp_path / "bad.json"
    path.write_text(cases if isinstance(cases, str) else json.dumps(cases))

    assert main(["eval", "conversations", "--cases", str(path)]) == 2

    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith(f"chatwright: conversation cases {path}: ")
    assert problem in line


def test_an_only_prefix_that_matches_nothing_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no conversation id starts with nope- or nada-"):
        select(load_conversations(write_cases(tmp_path, CASES)), ["nope-", "nada-"])


def test_the_shipped_development_set_loads() -> None:
    conversations = load_conversations()

    categories = [conversation.category for conversation in conversations]
    assert len(conversations) == 60
    assert set(categories) == {"order", "digress", "route", "proofread", "translate", "reply", "memory"}


@pytest.mark.parametrize(
    ("check", "passes"),
    [
        ({"turn": 0, "all": ["hello", "WORLD"]}, True),
        ({"turn": 0, "all": ["hello", "moon"]}, False),
        ({"turn": 0, "none": ["moon", "i'm"]}, False),
        ({"turn": 0, "at_least": 2, "of": ["hello", "moon", "agent"]}, True),
        ({"turn": 0, "at_least": 3, "of": ["hello", "moon", "agent"]}, False),
        ({"turn": 0, "count": ["ai customer agent", 1]}, True),
        ({"turn": 0, "count": ["o", 2]}, False),
        ({"turn": 0, "not_skill": "reply"}, False),
        ({"turn": 0, "not_notice": True}, True),
    ],
)
def test_turn_checks(check: dict[str, Any], passes: bool) -> None:
    turn = TurnRecord.of(
        [Reply("Hello world, I\u2019m", skill="reply"), Reply("AI Customer Agent", skill="x")]
    )

    assert Check.model_validate(check).holds_for_turn(turn) is passes


@pytest.mark.parametrize(
    ("check", "totals", "passes"),
    [
        ({"order_total": 12.95}, ["12.95"], True),
        ({"order_total": 12.95}, ["12.95", "12.95"], False),
        ({"order_total": 12.95}, [], False),
        ({"no_order": True}, [], True),
        ({"no_order": True}, ["6.50"], False),
    ],
)
def test_order_checks(check: dict[str, Any], totals: list[str], passes: bool) -> None:
    assert Check.model_validate(check).holds_for_orders([Decimal(t) for t in totals]) is passes


@pytest.mark.parametrize(
    ("replies", "notice"),
    [
        ([Reply("Sorry, something went wrong. Try again.")], True),
        ([Reply("fine", skill="chat"), Reply("Unknown command /frob.")], True),
        ([Reply("The model is busy.", notice=True)], True),
        ([Reply("I'm sorry, we have no hawaiian pizza.", skill="order")], False),
    ],
)
def test_notices_are_marked_or_known_by_their_opening(replies: list[Reply], notice: bool) -> None:
    assert TurnRecord.of(replies).notice is notice


def test_an_unanswered_turn_fails_every_check_on_it() -> None:
    silent = TurnRecord.of([])

    assert not Check.model_validate({"turn": 0, "none": ["x"]}).holds_for_turn(silent)
    assert not Check.model_validate({"turn": 0, "not_notice": True}).holds_for_turn(silent)
