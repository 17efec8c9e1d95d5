"""Conversation repair for the order: claims a turn by code, lets other turns go by, reminds in one line."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from chatwright.testing import TestBot
from skills.base import HoldsDialogue, RecognisesRequests
from skills.order import OrderSkill
from tests.test_order_dialogue import BURGERS
from tests.test_skill_order import Customer

SKILL = OrderSkill()


async def open_order(*lines: str, skill: OrderSkill = SKILL) -> dict[str, Any]:
    """The state after saying ``lines`` to a new order."""
    customer = Customer(skill)
    for line in lines:
        await customer.say(line)
    return customer.state


def test_the_order_skill_holds_dialogues_and_recognises_requests() -> None:
    assert isinstance(SKILL, HoldsDialogue) and isinstance(SKILL, RecognisesRequests)


@pytest.mark.parametrize(
    "text",
    [
        "oh and two small sprites",
        "throw in a greek salad too",
        "add chips",
        "make the coke a medium",
        "swap the fries for a salad",
        "no fries after all",
        "put extra cheese on it",
        "how much are the large fries?",
        "do you do lemonade?",
        "what's my total so far?",
        "back to my order",
        "that's everything",
        "cancel my order",
        "forget it",
        "delivery please",
        "I'll collect it",
        "can I get a tiramisu",
        "what's on the menu?",
    ],
)
async def test_turns_for_the_order_are_claimed(text: str) -> None:
    state = await open_order("a large pepperoni pizza with mushrooms")

    assert SKILL.claims(text, state) is True


@pytest.mark.parametrize(
    "text",
    [
        "when do you open on sundays?",
        "what's the capital of Australia?",
        "why is the sky blue?",
        "what else can you do?",
        "/help",
        "who won the match last night?",
        "my cat keeps knocking things off the table and I have no idea why she does it",
    ],
)
async def test_turns_for_something_else_are_let_go(text: str) -> None:
    state = await open_order("a large pepperoni pizza with mushrooms")

    assert SKILL.claims(text, state) is False


@pytest.mark.parametrize("text", ["is pepperoni spicy?", "haha", "cool"])
async def test_unclear_turns_are_left_to_the_classifier(text: str) -> None:
    state = await open_order("a large pepperoni pizza with mushrooms")

    assert SKILL.claims(text, state) is None


async def test_stage_words_are_claimed_where_they_answer_the_bot() -> None:
    confirming = await open_order("a small coke", "that's all, pickup")
    addressing = await open_order("a small coke", "that's all, delivery")
    asking_size = await open_order("a cheese pizza")

    assert SKILL.claims("yes please", confirming) and SKILL.claims("nope, not yet", confirming)
    assert SKILL.claims("88 Canal Street, 2nd floor", addressing) is True
    assert SKILL.claims("large", asking_size) is True
    assert SKILL.claims("what's the weather like?", addressing) is False


async def test_claims_on_another_menu_use_its_words(tmp_path: Path) -> None:
    skill = BURGERS.skill(tmp_path)
    state = await open_order("a large classic burger with bacon", skill=skill)

    assert skill.claims("and some onion rings", state) is True
    assert skill.claims("add blue cheese to the burger", state) is True
    assert skill.claims("translate 'onion rings' into French", state) is not True


async def test_the_reminder_says_where_the_order_stopped_in_one_line_without_brackets() -> None:
    collecting = SKILL.reminder(await open_order("a large pepperoni pizza with mushrooms"))
    clarifying = SKILL.reminder(await open_order("a cheese pizza"))
    confirming = SKILL.reminder(
        await open_order("a medium pepperoni, plain, and a water", "that's it, pickup")
    )

    assert collecting == (
        "Your order is still open (large pepperoni pizza with mushrooms) — "
        "tell me what else you'd like, or say \"that's all\"."
    )
    assert clarifying.startswith("Your order is still open (cheese pizza) — what size would you like")
    assert confirming == 'Your order (15.00 USD) is waiting: say "yes" to place it.'
    for line in (collecting, clarifying, confirming):
        assert "\n" not in line and not re.search(r"[\[\]{}]", line)


@pytest.mark.parametrize(
    "text",
    [
        "I'd like a large pepperoni",
        "can I get two cheese pizzas",
        "hi, a medium pepperoni and a small fries please",
        "could we have three cokes and a greek salad?",
        "gimme a small eggplant pizza with sausage",
        "one large margherita, please",
        "hey there, a small cheese pizza with mushrooms and peppers",
        "good morning! one medium eggplant without toppings and two cokes",
    ],
)
def test_free_text_that_plainly_orders_is_recognised(text: str) -> None:
    assert SKILL.recognises(text) is True


@pytest.mark.parametrize(
    "text",
    [
        "I should order a new umbrella online",
        "does pineapple belong on pizza?",
        "please proofread: I want a large pepperoni pizza",
        "translate 'two cokes please' into Spanish",
        "how much is a small sprite?",
        "my favourite pizza place closed down last year, which is sad",
        "hello",
    ],
)
def test_small_talk_mentioning_food_or_ordering_is_not_recognised(text: str) -> None:
    assert SKILL.recognises(text) is False


async def test_a_greeting_via_order_shows_the_menu_and_never_refuses_it() -> None:
    customer = Customer()
    text = await customer.say("hi")

    assert "don't have" not in text and "Here is our menu" in text


@pytest.mark.parametrize(
    ("text", "skill"),
    [
        ("translate 'see you tomorrow' into German", "translate"),
        ("oh, quick question: how do you say 'good night' in Spanish?", "translate"),
        ("could you proofread this: I has a large pizza yesterday", "proofread"),
        ("wait, before that: could you proofread this: I has a large pizza yesterday", "proofread"),
        ("please check my grammar: their going to the game", "proofread"),
        ("write a reply to this review: the pizza was cold", "reply"),
    ],
)
async def test_another_skills_request_mid_order_goes_to_it_and_the_order_waits(
    tmp_path: Path, text: str, skill: str
) -> None:
    async with TestBot.start(tmp_path) as bot:
        await bot.say("a large pepperoni pizza with mushrooms")

        digression = await bot.say(text)
        back = await bot.say("and a small coke")

    assert [r.skill for r in digression] == [skill, "order"]  # the answer, then the order's reminder
    assert back[0].skill == "order" and "small coke" in back[0].text.lower()
