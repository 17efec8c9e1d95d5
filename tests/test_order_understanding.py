"""One order state read whole from every message: answers out of turn, corrections, none, the running total.

Code alone reads these (the model is a FakeLLM that never answers JSON); every phrasing class
is tried in a few wordings, and prices are worked out here from the TOML.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from chatwright.testing import TestBot
from conversation import Message
from conversation.llm import FakeLLM
from skills import ChatSkill
from skills.base import SkillRequest
from skills.order import OrderSkill
from tests.test_skill_order import Customer, menu_price


async def test_an_answer_out_of_turn_is_applied_and_the_open_slot_is_asked_next() -> None:
    customer = Customer()
    asked = await customer.say("a large pepperoni pizza and two cokes please")
    assert "toppings" in asked.lower()

    text = await customer.say("that's all, delivery to 7 Elm Road")

    assert customer.state["fulfilment"] == {"type": "delivery", "address": "7 Elm Road"}
    assert customer.state["done"] is True
    assert "What size would you like for the 2 cokes" in text  # "that's all" was no toppings too
    summary = await customer.say("small")
    assert "7 Elm Road" in summary and "Shall I place the order?" in summary
    order = await customer.order_through("yes")
    assert order["total"] == float(menu_price("pepperoni", "large") + 2 * menu_price("coke", "small"))


async def test_how_much_so_far_counts_items_whose_slots_are_open() -> None:
    customer = Customer()
    await customer.say("I'd like a large pepperoni pizza and two cokes please")

    text = await customer.say("how much is that so far?")

    assert "pepperoni" in text and "2 x coke" in text
    assert f"{menu_price('pepperoni', 'large'):.2f}" in text
    assert "empty" not in text


@pytest.mark.parametrize("none", ["none", "nothing on it", "no thanks", "nope", "plain is fine", "no extras"])
async def test_the_ways_of_saying_none_answer_the_toppings_question(none: str) -> None:
    customer = Customer()
    await customer.say("a medium cheese pizza")

    text = await customer.say(none)

    assert customer.state["items"] == [{"name": "cheese", "size": "medium", "toppings": []}]
    assert "didn't catch" not in text and "Anything else?" in text


@pytest.mark.parametrize(
    "correction",
    ["sorry, I meant a small fries", "actually a small fries", "I meant small fries", "oops, small fries"],
)
async def test_a_correction_changes_the_item_it_names_instead_of_adding_one(correction: str) -> None:
    customer = Customer()
    await customer.say("a large fries and a small coke")

    await customer.say(correction)

    assert customer.state["items"] == [
        {"name": "fries", "size": "small", "toppings": []},
        {"name": "coke", "size": "small", "toppings": []},
    ]


@pytest.mark.parametrize(
    "swap", ["actually make the cokes sprites", "sorry, I meant sprites", "I meant sprites, not cokes"]
)
async def test_a_swap_keeps_how_many_and_what_size(swap: str) -> None:
    customer = Customer()
    await customer.say("two medium cokes and a greek salad")

    await customer.say(swap)

    sprite = {"name": "sprite", "size": "medium", "toppings": []}
    assert customer.state["items"] == [
        sprite,
        sprite,
        {"name": "greek salad", "size": "regular", "toppings": []},
    ]


@pytest.mark.parametrize("change", ["actually, make the cheese large", "sorry, I meant large cheese pizzas"])
async def test_a_change_to_equal_items_changes_them_all(change: str) -> None:
    customer = Customer()
    await customer.say("2 medium cheese pizzas with mushrooms and a large pepperoni, plain")

    await customer.say(change)

    cheese = {"name": "cheese", "size": "large", "toppings": ["mushrooms"]}
    assert customer.state["items"] == [cheese, cheese, {"name": "pepperoni", "size": "large", "toppings": []}]


async def test_an_addition_after_a_correction_word_is_still_an_addition() -> None:
    customer = Customer()
    await customer.say("a large fries")

    await customer.say("sorry, can I also get a small fries")

    assert [item["size"] for item in customer.state["items"]] == ["large", "small"]


@pytest.mark.parametrize(
    "opening",
    ["hello, can I place an order?", "I want to order", "hi, I'd like to order some food", "order please"],
)
async def test_asking_to_order_starts_the_order_with_the_menu(tmp_path: Path, opening: str) -> None:
    async with TestBot.start(tmp_path) as bot:
        replies = await bot.say(opening)

    assert [r.skill for r in replies] == ["order"]
    assert "pepperoni pizza" in replies[0].text and "What would you like?" in replies[0].text


async def test_a_first_message_naming_only_menu_items_starts_the_order(tmp_path: Path) -> None:
    async with TestBot.start(tmp_path) as bot:
        replies = await bot.say("a bottle of water please")

    assert [r.skill for r in replies] == ["order"] and "bottled water" in replies[0].text


@pytest.mark.parametrize(
    "draft",
    [
        "Sure! I'll place the order for you. Please hold on while I get it set up.",
        "Sure, here is the order for a bottle of water.",
        "Your order has been placed and is on its way!",
        "I have cancelled your order.",
    ],
)
async def test_a_chat_answer_claiming_an_order_is_caught(draft: str) -> None:
    chat = ChatSkill("You are helpful.", skills={"order": "Order food from the menu."})
    message = Message(platform="test", user="u1", text="pizza please", event_id="e1", channel="c1")

    response = await chat.handle(SkillRequest(message, message.text, [], {}, FakeLLM(lambda _m: draft)))

    text = response.replies[0].text
    assert draft not in text and "nothing has been done" in text and "/order" in text


@pytest.mark.parametrize(
    "answer",
    [
        "I can't place orders myself, but the order skill can: try /order.",
        "Pizza was first made in Naples.",
        "The meeting is scheduled for Monday.",
        "I will translate that for you if you use /translate.",
    ],
)
async def test_a_chat_answer_that_claims_nothing_is_sent_as_it_is(answer: str) -> None:
    chat = ChatSkill("You are helpful.")
    message = Message(platform="test", user="u1", text="hi", event_id="e1", channel="c1")

    response = await chat.handle(SkillRequest(message, message.text, [], {}, FakeLLM(lambda _m: answer)))

    assert response.replies[0].text == answer


def commands(*listed: dict[str, object], not_on_menu: tuple[str, ...] = ()) -> FakeLLM:
    """A model that reads every message into these commands."""
    return FakeLLM(lambda _m: json.dumps({"commands": list(listed), "not_on_menu": list(not_on_menu)}))


async def test_the_models_commands_apply_what_code_could_not_read() -> None:
    customer = Customer(llm=commands({"do": "pickup"}, {"do": "done"}))
    await customer.say("a small coke")

    text = await customer.say("I'll swing by the shop myself, that'll do me")

    assert customer.state["fulfilment"] == {"type": "pickup", "address": None}
    assert "Shall I place the order?" in text


async def test_the_models_commands_are_checked_against_the_menu_the_order_and_the_message() -> None:
    invented = commands(
        {"do": "add", "item": "pepperoni", "size": "large", "quantity": 2},  # not named in the message
        {"do": "remove", "item": "fries"},  # not in the order
        {"do": "change", "item": "coke", "to": "sprite"},  # no sprite named
        {"do": "cancel"},  # destructive: code asks instead
        not_on_menu=("sushi", "caviar"),  # caviar is not in the message
    )
    customer = Customer(llm=invented)
    await customer.say("a small coke")

    text = await customer.say("honestly I'm craving sushi tonight")

    assert "Sorry, we don't have sushi." in text and "caviar" not in text
    assert 'To cancel the whole order, say "cancel".' in text
    assert customer.state["items"] == [{"name": "coke", "size": "small", "toppings": []}]


async def test_output_that_is_not_commands_gets_a_clarifying_question() -> None:
    customer = Customer(llm=FakeLLM(lambda _m: "Sure! One pizza coming up."))
    await customer.say("a small coke")

    text = await customer.say("whatever the chef fancies tonight")

    assert text.startswith("Sorry, I didn't catch that.") and "Anything else?" in text
    assert customer.state["items"] == [{"name": "coke", "size": "small", "toppings": []}]


@pytest.mark.parametrize(
    "change",
    ["small for the fries please, not large", "oh, the fries small, not large", "not large: small fries"],
)
async def test_what_follows_not_is_what_is_not_wanted(change: str) -> None:
    customer = Customer()
    await customer.say("a large fries and a small coke")

    await customer.say(change)

    assert customer.state["items"][0] == {"name": "fries", "size": "small", "toppings": []}
    assert len(customer.state["items"]) == 2


@pytest.mark.parametrize(
    "removal",
    [
        "never mind the fries",
        "the fries should not be there",
        "I don't want the fries anymore",
        "ok, forget the fries, thanks",
    ],
)
async def test_removal_words_anywhere_in_a_part_remove_what_it_names(removal: str) -> None:
    customer = Customer()
    await customer.say("a large fries and a small coke")

    await customer.say(removal)

    assert customer.state["items"] == [{"name": "coke", "size": "small", "toppings": []}]


@pytest.mark.parametrize(
    "restatement",
    [
        "not quite: 2 large fries",
        "that's not right, I wanted two large fries",
        "no, it should be 2 large fries and a small coke",
    ],
)
async def test_a_restatement_at_the_summary_sets_the_items_it_names(restatement: str) -> None:
    customer = Customer()
    await customer.say("3 small fries and a small coke")
    await customer.say("that's all, pickup")

    summary = await customer.say(restatement)

    assert "Shall I place the order?" in summary
    large = {"name": "fries", "size": "large", "toppings": []}
    assert customer.state["items"] == [large, large, {"name": "coke", "size": "small", "toppings": []}]


async def test_one_of_equal_items_is_swapped_when_one_is_said() -> None:
    customer = Customer()
    await customer.say("2 small cokes and a large fries")

    await customer.say("swap one coke for a sprite")

    names = sorted(item["name"] for item in customer.state["items"])
    assert names == ["coke", "fries", "sprite"]


@pytest.mark.parametrize("again", ["one more pepperoni", "another pepperoni please", "add another pepperoni"])
async def test_an_item_named_again_is_a_copy_of_the_one_ordered(again: str) -> None:
    customer = Customer()
    await customer.say("a medium pepperoni with mushrooms")

    await customer.say(again)

    pizza = {"name": "pepperoni", "size": "medium", "toppings": ["mushrooms"]}
    assert customer.state["items"] == [pizza, pizza]


@pytest.mark.parametrize("count", ["actually just two", "only two", "sorry, 2"])
async def test_a_bare_count_after_a_correction_word_recounts_the_last_item(count: str) -> None:
    customer = Customer()
    await customer.say("three small sprites")

    await customer.say(count)

    assert customer.state["items"] == [{"name": "sprite", "size": "small", "toppings": []}] * 2


async def test_the_summary_offers_place_and_cancel_as_choices() -> None:
    customer = Customer()
    await customer.say("a small coke")
    await customer.say("that's all, pickup")

    assert customer.last is not None
    assert [(c.label, c.text) for c in customer.last.replies[0].choices] == [
        ("Place order", "yes"),
        ("Cancel", "cancel"),
    ]


async def test_delivery_said_first_starts_the_order_and_is_kept(tmp_path: Path) -> None:
    async with TestBot.start(tmp_path) as bot:
        first = await bot.say("delivery, 10 Willow Avenue")
        await bot.say("3 greek salads")
        summary = await bot.say("that's it")

    assert [r.skill for r in first] == ["order"] and "Noted: delivery to 10 Willow Avenue." in first[0].text
    assert "for delivery to 10 Willow Avenue" in summary[0].text


@pytest.mark.parametrize("text", ["my parcel delivery is 3 days late", "the delivery guy was rude"])
def test_talk_about_deliveries_starts_no_order(text: str) -> None:
    assert OrderSkill().recognises(text) is False


async def test_ok_thanks_at_the_summary_places_the_order() -> None:
    customer = Customer()
    await customer.say("a small coke")
    await customer.say("that's all, pickup")

    text = await customer.say("ok thx")

    assert text.startswith("Thank you! Your order is placed")
