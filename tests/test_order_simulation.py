"""``chatwright eval orders``: simulated customers with random goals, checked against the stored order."""

from __future__ import annotations

import json
import random
import re
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from bots.cli import main
from conversation import load_settings
from conversation.llm import FakeLLM
from conversation.llm.base import ChatMessage
from conversation.order_simulation import (
    Change,
    Customer,
    Goal,
    GoalLine,
    draw_goals,
    expected_total,
    judge,
    load_phrasebook,
    minimum_turns,
    simulate_orders,
)
from skills.order import Menu, load_menu
from storage import create_database_engine
from storage.tables import eval_runs

BURGER_MENU = Path(__file__).parent.parent / "examples" / "menus" / "burger.toml"
PIZZERIA = load_menu()
BURGERS = load_menu(BURGER_MENU)
ADDRESS = re.compile(r"^\d{1,3} [A-Z][a-z]+ [A-Z][a-z]+$")


def goals(menu: Menu, count: int = 40, seed: int = 7) -> list[Goal]:
    book = load_phrasebook()
    return draw_goals(menu, count, seed, book.addresses, sorted(book.digressions))


def stored_order(menu: Menu, goal: Goal, **changes: Any) -> dict[str, Any]:
    """The order JSON the bot would store for ``goal`` (one entry per unit), with ``changes``."""
    items = [
        {"kind": menu.item(line.item).kind, "name": line.item, "size": line.size or "regular"}
        | ({"toppings": list(line.toppings)} if menu.item(line.item).takes_toppings else {})
        for line in goal.lines
        for _ in range(line.quantity)
    ]
    fulfilment = {"type": goal.fulfilment, "address": goal.address}
    return {
        "items": items,
        "fulfilment": fulfilment,
        "total": float(expected_total(menu, goal.lines)),
    } | changes


def customer(goal: Goal, style: str = "details_late", menu: Menu = PIZZERIA) -> Customer:
    return Customer(goal, menu, style, random.Random(3))  # type: ignore[arg-type]


PEPPERONI_AND_COKES = Goal(
    0,
    (GoalLine("pepperoni", 1, "large", ("mushrooms",)), GoalLine("coke", 2, "small")),
    "delivery",
    "14 Alder Lane",
)


@pytest.mark.parametrize("menu", [PIZZERIA, BURGERS], ids=["pizzeria", "burgers"])
def test_goals_only_ask_for_what_the_menu_sells_in_the_sizes_and_toppings_it_has(menu: Menu) -> None:
    for goal in goals(menu):
        assert 1 <= len(goal.lines) <= 4
        assert len({line.item for line in goal.lines}) == len(goal.lines), "distinct items"
        for line in [*goal.lines, *([goal.extra] if goal.extra else [])]:
            item = menu.item(line.item)
            assert 1 <= line.quantity <= 3
            assert line.size in item.sizes if len(item.sizes) > 1 else line.size is None
            assert len(line.toppings) <= 2
            assert not line.toppings or item.takes_toppings
            assert set(line.toppings) <= {t.name for t in menu.toppings}
        assert (goal.address is not None) == (goal.fulfilment == "delivery")
        assert goal.address is None or ADDRESS.match(goal.address)


@pytest.mark.parametrize("menu", [PIZZERIA, BURGERS], ids=["pizzeria", "burgers"])
def test_a_change_leads_from_another_line_to_exactly_the_goal_line(menu: Menu) -> None:
    changes = [(goal, goal.change) for goal in goals(menu) if goal.change is not None]

    assert changes
    for goal, change in changes:
        after = goal.lines[change.line]
        differs = {
            "resize": (change.before.size != after.size, change.before.item == after.item),
            "quantity": (change.before.quantity != after.quantity, change.before.size == after.size),
            "swap": (
                change.before.item != after.item,
                change.before.item not in {x.item for x in goal.lines},
            ),
        }[change.kind]
        assert all(differs), (goal, change)


def test_the_same_seed_draws_the_same_goals_and_another_seed_others() -> None:
    assert goals(PIZZERIA, seed=1) == goals(PIZZERIA, seed=1)
    assert goals(PIZZERIA, seed=1) != goals(PIZZERIA, seed=2)


def test_the_right_order_passes_and_the_total_comes_from_the_menu() -> None:
    order = stored_order(PIZZERIA, PEPPERONI_AND_COKES)

    assert expected_total(PIZZERIA, PEPPERONI_AND_COKES.lines) == Decimal("12.95") + Decimal("1.50") + 2
    assert judge(PIZZERIA, PEPPERONI_AND_COKES, [order], hit_turn_cap=False) == []


@pytest.mark.parametrize(
    ("change", "failures"),
    [
        (lambda o: o["items"][0].update(size="small"), ["wrong size"]),
        (lambda o: o.update(items=o["items"][:-1], total=15.45), ["wrong quantity", "wrong total"]),
        (lambda o: o["items"][0].update(toppings=[]), ["wrong toppings"]),
        (lambda o: o["items"][1].update(name="sprite"), ["wrong items"]),
        (lambda o: o.update(total=99.0), ["wrong total"]),
        (lambda o: o.update(fulfilment={"type": "pickup", "address": None}), ["wrong fulfilment"]),
        (lambda o: o.update(fulfilment={"type": "delivery", "address": "41 Alder Lane"}), ["wrong address"]),
        (lambda o: o.update(fulfilment={"type": "delivery", "address": "14, alder lane."}), []),
    ],
)
def test_the_checker_names_what_the_stored_order_got_wrong(change: Any, failures: list[str]) -> None:
    order = stored_order(PIZZERIA, PEPPERONI_AND_COKES)
    change(order)

    assert judge(PIZZERIA, PEPPERONI_AND_COKES, [order], hit_turn_cap=False) == failures


def test_no_order_and_a_double_order_fail() -> None:
    order = stored_order(PIZZERIA, PEPPERONI_AND_COKES)

    assert judge(PIZZERIA, PEPPERONI_AND_COKES, [], hit_turn_cap=False) == ["no order"]
    assert judge(PIZZERIA, PEPPERONI_AND_COKES, [], hit_turn_cap=True) == ["turn cap", "no order"]
    assert judge(PIZZERIA, PEPPERONI_AND_COKES, [order, order], hit_turn_cap=False) == ["double order"]


def test_the_minimum_turns_are_items_fulfilment_confirmation_and_one_per_detour() -> None:
    detoured = Goal(
        1,
        PEPPERONI_AND_COKES.lines,
        "pickup",
        None,
        change=Change("quantity", 1, GoalLine("coke", 1, "small")),
        asks_total=True,
        digression="translate",
    )

    assert minimum_turns(PEPPERONI_AND_COKES) == 3
    assert minimum_turns(detoured) == 6


def test_the_customer_answers_a_size_question_about_the_item_it_names() -> None:
    talker = customer(PEPPERONI_AND_COKES)
    opening = talker.opening()

    answer = talker.answer("Added a large pepperoni pizza. What size would you like for the 2 cokes?")

    assert "large" not in opening.text.lower() and "small" not in opening.text.lower()
    assert answer is not None and answer.purpose == "size"
    assert "small" in answer.text.lower() and "large" not in answer.text.lower()


def test_asked_about_an_item_it_does_not_want_the_customer_says_so() -> None:
    talker = customer(PEPPERONI_AND_COKES)
    talker.opening()

    answer = talker.answer("What size would you like for the fries: large or small?")

    assert answer is not None and answer.purpose == "refuse"
    assert "fries" in answer.text.lower() and "small" not in answer.text.lower()


def test_items_the_bot_did_not_understand_are_said_again_once_in_other_words() -> None:
    talker = customer(PEPPERONI_AND_COKES, style="all_at_once")
    talker.opening()
    not_found = "Sorry, I didn't find that on our menu. We have:\n- toppings (pizza only): extra cheese 2.00"

    again = talker.answer(not_found)
    then = talker.answer(not_found)

    assert again is not None and again.purpose == "repeat" and "pepperoni" in again.text.lower()
    assert then is not None and then.purpose not in ("repeat", "toppings", "refuse")


def test_the_customer_answers_toppings_from_its_goal_and_says_none_for_a_plain_item() -> None:
    plain = Goal(0, (GoalLine("cheese", 1, "small"),), "pickup", None)
    talker = customer(PEPPERONI_AND_COKES)
    talker.opening()

    topped = talker.answer("Any toppings on the pepperoni pizza? We have extra cheese, mushrooms, ...")
    plain_talker = customer(plain)
    plain_talker.opening()
    none = plain_talker.answer("Any toppings on the cheese pizza?")

    assert topped is not None and topped.purpose == "toppings" and "mushroom" in topped.text.lower()
    assert none is not None and any(no in none.text.lower() for no in load_phrasebook().details.no_toppings)


def test_the_customer_gives_pickup_or_delivery_and_the_address_and_stops_once_placed() -> None:
    talker = customer(PEPPERONI_AND_COKES, style="all_at_once")
    talker.opening()

    fulfilment = talker.answer("Is that for pickup or delivery?")
    address = talker.answer("What's the delivery address?")

    assert fulfilment is not None and "deliver" in fulfilment.text.lower()
    assert address is not None and "14 alder lane" in address.text.lower()
    assert talker.answer("Thank you! Your order is placed: 17.45 USD.") is None


def test_the_customer_corrects_a_summary_that_misses_an_item_once_then_confirms() -> None:
    talker = customer(PEPPERONI_AND_COKES, style="all_at_once")
    talker.opening()
    summary = (
        "Here is your order:\n- large pepperoni pizza with mushrooms: 14.45\n"
        "Total: 14.45 USD\nShall I place the order?"
    )

    first = talker.answer(summary)
    second = talker.answer(summary)

    assert first is not None and first.purpose == "correction" and re.search("coke|cola", first.text.lower())
    assert second is not None and second.purpose == "confirm"


def test_a_summary_for_pickup_when_the_customer_wants_delivery_is_corrected() -> None:
    talker = customer(PEPPERONI_AND_COKES, style="all_at_once")
    talker.opening()
    summary = (
        "Here is your order for pickup:\n- large pepperoni pizza with mushrooms: 14.45\n"
        "- 2 x small coke: 2.00\n"
        "Total: 16.45 USD\nShall I place the order?"
    )

    fix = talker.answer(summary)

    assert fix is not None and fix.purpose == "correction" and "deliver" in fix.text.lower()


def moon(_messages: Sequence[ChatMessage]) -> str:
    return "The moon is made of cheese."


@pytest.mark.parametrize("menu", [None, BURGER_MENU], ids=["pizzeria", "burgers"])
async def test_a_simulation_runs_every_goal_in_three_phrasings_and_reports(
    tmp_path: Path, menu: Path | None
) -> None:
    settings = load_settings(data_dir=tmp_path, model="fake", intent_classifier=False)

    report = await simulate_orders(FakeLLM(moon), settings, goals=2, seed=5, menu_path=menu)

    assert [(run.goal.number, run.phrasing) for run in report.runs] == [
        (g, p) for g in range(2) for p in range(3)
    ]
    assert len({run.style for run in report.runs if run.goal.number == 0}) == 3
    assert any(run.orders for run in report.runs), "at least one conversation placed an order"
    assert all(0 < len(run.turns) <= 25 for run in report.runs)
    assert all(run.passed == (not run.failures) for run in report.runs)
    metrics = report.metrics()
    assert metrics["conversations"] == 6 and metrics["goals"] == 2
    assert metrics["menu"] == ("Pizzeria" if menu is None else "Burger Barn")
    table = report.table().splitlines()
    assert table[0] == f"model: fake, menu: {metrics['menu']}, seed 5, 2 goals x 3 phrasings"
    assert sum(line.startswith("FAILED") for line in table) == 6 - metrics["succeeded"]


def test_the_command_prints_the_table_writes_failures_and_records_the_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CHATWRIGHT_MODEL", "fake")
    monkeypatch.setenv("CHATWRIGHT_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("CHATWRIGHT_INTENT_CLASSIFIER", "false")
    failures = tmp_path / "failed.jsonl"

    code = main(
        [
            "eval",
            "orders",
            "--simulate",
            "1",
            "--seed",
            "2",
            "--menu",
            str(BURGER_MENU),
            "--failures",
            str(failures),
        ]
    )

    assert code == 0
    captured = capsys.readouterr()
    assert "| success |" in captured.out
    assert len([line for line in captured.err.splitlines() if " goal 0 phrasing " in line]) == 3
    database = create_database_engine(load_settings(data_dir=tmp_path).resolved_database_url)
    with database.connect() as db:
        (row,) = db.execute(sa.select(eval_runs)).all()
    assert (row.kind, row.subject) == ("orders", "fake")
    assert row.metrics["conversations"] == 3
    records = [json.loads(line) for line in failures.read_text().splitlines()]
    assert len(records) == 3 - row.metrics["succeeded"]
    assert all(record["transcript"] and record["failures"] for record in records)
