"""OrderBot: a deterministic dialogue, prices and totals from the menu, the model only extracts."""

from __future__ import annotations

import asyncio
import json
import tomllib
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conversation import Engine, EngineLimits, Message, Reply
from conversation.llm import LLM, FakeLLM
from conversation.router import Router
from skills import ChatSkill
from skills.base import SkillRequest, SkillResponse
from skills.order import OrderDraft, OrderSkill, load_menu, price_order
from skills.order.commands import commands_schema
from storage import Ledger
from tests.fakes.collecting import CollectingSink
from tests.fakes.engines import migrated_database

MENU_FILE = Path(__file__).parent.parent / "skills" / "menu.toml"
NOT_JSON = FakeLLM(lambda messages: "I am not JSON")
"""A model too weak to help: every turn relies on the keyword parser."""


def menu_price(name: str, size: str, toppings: Sequence[str] = ()) -> Decimal:
    """The price read straight from the TOML file, independently of the skill's code."""
    data = tomllib.loads(MENU_FILE.read_text())
    item = next(i for i in data["item"] if i["name"] == name)
    extras = {t["name"]: t["price"] for t in data["topping"]}
    return Decimal(str(item["sizes"][size])) + sum((Decimal(str(extras[t])) for t in toppings), Decimal(0))


class Customer:
    """Talks to the skill turn by turn, carrying the state as the engine would (through JSON)."""

    def __init__(self, skill: OrderSkill | None = None, llm: LLM = NOT_JSON) -> None:
        self.skill = skill or OrderSkill()
        self.llm = llm
        self.state: dict[str, Any] = {}
        self.last: SkillResponse | None = None

    async def say(self, text: str) -> str:
        message = Message(platform="test", user="u1", text=text, event_id=text, channel="c1")
        response = await self.skill.handle(SkillRequest(message, text, [], self.state, self.llm))
        self.state = json.loads(json.dumps(response.state)) if response.hold_dialogue else {}
        self.last = response
        return response.replies[0].text

    @property
    def order(self) -> dict[str, Any] | None:
        return self.last.replies[0].data if self.last else None

    async def order_through(self, *lines: str) -> dict[str, Any]:
        for line in lines:
            await self.say(line)
        assert self.order is not None, self.last
        return self.order


async def test_a_new_order_greets_with_the_menu_and_holds_the_dialogue() -> None:
    customer = Customer()
    text = await customer.say("")

    assert text.startswith("Hi, welcome to Pizzeria!")
    assert "pepperoni pizza: large 12.95, medium 10.00, small 7.00" in text
    assert customer.last is not None and customer.last.hold_dialogue


async def test_a_whole_dialogue_ends_in_the_order_json_priced_from_the_menu() -> None:
    customer = Customer()
    assert "size" in await customer.say("a pepperoni pizza and fries")
    assert "toppings" in await customer.say("large")
    assert "size" in await customer.say("mushrooms and extra cheese")
    assert "Anything else" in await customer.say("small")
    assert "pickup or delivery" in await customer.say("that's all")
    assert "address" in await customer.say("delivery please")
    summary = await customer.say("12 Main Street, Springfield")
    assert "Total: 19.95 USD" in summary and "Anything else" not in summary
    assert summary.endswith("Shall I place the order? (yes / no, or tell me what to change)")
    assert "what would you like to change" in await customer.say("no")
    assert "placed: 19.95 USD" in await customer.say("yes")

    assert customer.last is not None and not customer.last.hold_dialogue
    assert customer.order == {
        "items": [
            {
                "kind": "pizza",
                "name": "pepperoni",
                "size": "large",
                "toppings": ["extra cheese", "mushrooms"],
                "price": 16.45,
            },
            {"kind": "side", "name": "fries", "size": "small", "price": 3.5},
        ],
        "fulfilment": {"type": "delivery", "address": "12 Main Street, Springfield"},
        "total": 19.95,
        "currency": "USD",
    }


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        (
            ["two large cheese pizzas with sausage", "pickup", "no", "yes"],
            2 * menu_price("cheese", "large", ["sausage"]),
        ),
        (
            [
                "a medium coke, a large sprite, bottled water and a greek salad",
                "done",
                "pick up",
                "nope",
                "ok",
            ],
            menu_price("coke", "medium") + menu_price("sprite", "large") + Decimal("5.00") + Decimal("7.25"),
        ),
        (
            [
                "3 small pepperoni pizzas with peppers and AI sauce",
                "that's all",
                "deliver to 1 Elm Road",
                "no",
                "yes",
            ],
            3 * menu_price("pepperoni", "small", ["AI sauce", "peppers"]),
        ),
    ],
)
async def test_totals_are_the_menu_sum(lines: list[str], expected: Decimal) -> None:
    order = await Customer().order_through(*lines)

    assert Decimal(str(order["total"])) == expected
    assert sum(Decimal(str(item["price"])) for item in order["items"]) == expected


async def test_items_not_on_the_menu_are_refused_and_never_added() -> None:
    customer = Customer()
    text = await customer.say("a hawaiian pizza please")

    assert "Sorry, we don't have hawaiian pizza" in text
    assert customer.state["items"] == []


async def test_the_model_is_asked_only_about_a_message_code_cannot_explain_and_is_grounded() -> None:
    invented = {
        "commands": [
            {"do": "add", "item": "pepperoni", "size": "large", "toppings": ["sausage"], "quantity": 2}
        ],
        "not_on_menu": ["sushi", "caviar"],
    }
    llm = FakeLLM(lambda messages: json.dumps(invented))
    customer = Customer(llm=llm)
    await customer.say("a small coke please")
    assert llm.prompts == []  # the parser understood it: no model call

    text = await customer.say("honestly I'm craving sushi tonight")

    assert len(llm.prompts) == 1
    assert text.startswith("Sorry, we don't have sushi.") and "caviar" not in text
    assert customer.state["items"] == [{"name": "coke", "size": "small", "toppings": []}]  # nothing invented


async def test_an_item_the_model_repeats_is_counted_as_often_as_the_text_names_it() -> None:
    pizza = {"do": "add", "item": "cheese", "size": "medium", "toppings": ["mushrooms"], "quantity": 2}
    coke = {"do": "add", "item": "coke", "size": "large", "toppings": [], "quantity": 1}
    repeated = {"commands": [pizza, pizza | {"quantity": 1}, coke, coke], "not_on_menu": []}
    customer = Customer(llm=FakeLLM(lambda messages: json.dumps(repeated)))

    order = await customer.order_through(
        "two medium cheese pizzas with mushrooms and a large coke", "pickup", "that's all", "yes"
    )

    assert [(i["name"], i["size"]) for i in order["items"]] == [("cheese", "medium")] * 2 + [
        ("coke", "large")
    ]
    assert order["total"] == 24.50


async def test_the_command_prompt_carries_the_menu_and_order_and_the_schema_enums_are_the_menu() -> None:
    llm = FakeLLM(lambda messages: '{"commands": [], "not_on_menu": []}')
    customer = Customer(llm=llm)
    await customer.say("a small coke")
    await customer.say("surprise me")
    schema = commands_schema(load_menu())
    command = schema["properties"]["commands"]["items"]["properties"]

    system, user = llm.prompts[0]
    assert "###\n- pepperoni pizza" in system.content and user.content == "```surprise me```"
    assert "The order so far: small coke." in system.content and "Anything else?" in system.content
    assert command["item"]["enum"] == [
        "none", "pepperoni", "cheese", "eggplant", "fries", "greek salad", "coke", "sprite", "bottled water"
    ]  # fmt: skip
    assert command["size"]["enum"] == ["none", "large", "medium", "small", "regular"]


async def test_cancel_mid_dialogue_ends_the_order() -> None:
    customer = Customer()
    await customer.say("a large cheese pizza with mushrooms")
    text = await customer.say("cancel")

    assert "cancelled" in text
    assert customer.last is not None and not customer.last.hold_dialogue and customer.order is None


async def test_an_item_can_be_removed_mid_dialogue() -> None:
    customer = Customer()
    await customer.say("a large coke and a small sprite")
    text = await customer.say("remove the coke")

    assert text.startswith("Removed large coke.")
    assert customer.state["items"] == [{"name": "sprite", "size": "small", "toppings": []}]


async def test_a_custom_menu_from_toml(tmp_path: Path) -> None:
    path = tmp_path / "menu.toml"
    path.write_text('name = "Deli"\n[[item]]\nkind = "side"\nname = "bagel"\nsizes = { regular = 2.5 }\n')
    customer = Customer(OrderSkill(menu_path=path))

    order = await customer.order_through("two bagels", "that's all", "pickup", "no", "yes")
    assert order["total"] == 5.0 and order["items"][0] == {
        "kind": "side",
        "name": "bagel",
        "size": "regular",
        "price": 2.5,
    }


ITEMS = st.sampled_from(
    [
        ("pepperoni", 3),
        ("cheese", 3),
        ("eggplant", 3),
        ("fries", 2),
        ("coke", 3),
        ("sprite", 3),
        ("greek salad", 0),
    ]
)
TOPPINGS = st.lists(
    st.sampled_from(["extra cheese", "mushrooms", "sausage", "canadian bacon", "peppers"]), unique=True
)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(ITEMS, st.sampled_from(["large", "small"]), TOPPINGS), min_size=1, max_size=4))
def test_property_the_confirmed_total_is_the_sum_of_menu_prices(
    picks: list[tuple[tuple[str, int], str, list[str]]],
) -> None:
    lines, expected = [], Decimal(0)
    for (name, sizes), size, toppings in picks:
        pizza = name in ("pepperoni", "cheese", "eggplant")
        chosen = size if sizes else "regular"
        extras = toppings if pizza else []
        with_ = f" with {' and '.join(extras)}" if extras else (" no toppings" if pizza else "")
        lines.append(f"a {'' if chosen == 'regular' else chosen} {name}{' pizza' if pizza else ''}{with_}")
        if pizza and not extras:
            lines.append("no toppings")
        expected += menu_price(name, chosen, extras)
    order = asyncio.run(Customer().order_through(*lines, "that's all", "pickup", "no", "yes"))

    assert len(order["items"]) == len(picks)
    assert Decimal(str(order["total"])) == expected == sum(Decimal(str(i["price"])) for i in order["items"])


def test_a_price_stored_in_the_state_is_ignored() -> None:
    draft = OrderDraft.model_validate(
        {"items": [{"name": "coke", "size": "small", "toppings": [], "price": 99}]}
    )
    assert price_order(load_menu(), draft)["total"] == 1.0


async def test_an_open_order_survives_an_engine_restart(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"

    async def run(text: str) -> list[str]:
        database = migrated_database(url)
        router = Router({"chat": ChatSkill("test"), "order": OrderSkill()})
        engine = Engine(Ledger(database), NOT_JSON, router, EngineLimits())
        sink = CollectingSink()
        engine.register_sink("test", sink)
        await engine.start()
        await engine.submit(Message(platform="test", user="u1", text=text, event_id=text, channel="c1"))
        await engine.join()
        await engine.aclose()
        return [reply.text for _, reply in sink.replies]

    assert "size" in (await run("/order a cheese pizza"))[0]
    assert "toppings" in (await run("medium"))[0]  # a new engine: the dialogue is still open
    assert "Added medium cheese pizza" in (await run("no toppings"))[0]


async def test_another_command_parks_an_open_order_which_resumes_after_it(tmp_path: Path) -> None:
    database = migrated_database(f"sqlite:///{tmp_path / 'db.sqlite'}")
    router = Router({"chat": ChatSkill("test"), "order": OrderSkill(), "echo": EchoCommand()})
    engine = Engine(Ledger(database), NOT_JSON, router, EngineLimits())
    sink = CollectingSink()
    engine.register_sink("test", sink)
    await engine.start()
    for text in ("/order a cheese pizza", "/echo hello", "medium"):
        await engine.submit(Message(platform="test", user="u1", text=text, event_id=text, channel="c1"))
        await engine.join()
    await engine.aclose()

    answers = [reply.text for _, reply in sink.replies]
    assert "size" in answers[0]
    assert answers[1] == "hello"
    assert answers[2].startswith("Your order is still open (cheese pizza) — what size")  # the reminder
    assert "toppings" in answers[3]  # the order went on where it stopped


class EchoCommand:
    """A command-only skill that answers with its text and opens no dialogue."""

    name = "echo"
    description = "repeats its text"

    async def handle(self, request: SkillRequest) -> SkillResponse:
        return SkillResponse([Reply(request.text)])


@pytest.mark.slow
async def test_the_real_small_model_through_the_skill_changes_no_price(tmp_path: Path) -> None:
    from tests.fakes.models import small_model

    backend = small_model(tmp_path, n_ctx=2048)
    try:
        customer = Customer(llm=backend)
        await customer.say("a large pepperoni pizza with mushrooms and a small coke")
        await customer.say("honestly I'm craving something special tonight")  # code cannot explain it
        call = customer.last.completion if customer.last else None
        order = await customer.order_through("that's all", "pickup", "yes")
    finally:
        await backend.aclose()

    assert call is not None  # the model was asked (what it says may be cut short or wrong)
    assert [i["name"] for i in order["items"]] == ["pepperoni", "coke"]  # nothing invented was added
    expected = menu_price("pepperoni", "large", ["mushrooms"]) + menu_price("coke", "small")
    assert Decimal(str(order["total"])) == expected
