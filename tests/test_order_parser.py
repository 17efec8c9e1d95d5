"""The deterministic reading of one message: items, quantities, sizes, toppings, controls, addresses."""

from __future__ import annotations

import pytest

from skills.order import load_menu
from skills.order.lexicon import Lexicon
from skills.order.parse import ParsedLine
from skills.order.reading import read

LEXICON = Lexicon(load_menu())


def lines(text: str) -> list[tuple[str, str | None, list[str] | None, int]]:
    return [(i.name, i.size, i.toppings, i.quantity) for i in read(LEXICON, text).parsed.lines]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a pair of large cokes", [("coke", "large", [], 2)]),
        ("4 small chips and a water", [("fries", "small", [], 4), ("bottled water", "regular", [], 1)]),
        ("two medium aubergine pizzas with ham and bell peppers",
         [("eggplant", "medium", ["canadian bacon", "peppers"], 2)]),
        ("a margherita, plain", [("cheese", None, [], 1)]),
        ("a couple of sprites, small ones", [("sprite", "small", [], 2)]),
        ("two pepperonis, one large and one small",
         [("pepperoni", "large", None, 1), ("pepperoni", "small", None, 1)]),
    ],
)  # fmt: skip
def test_items_with_quantities_sizes_and_toppings(text: str, expected: list[object]) -> None:
    assert lines(text) == expected


@pytest.mark.parametrize(
    "text", ["hi there!", "um, hello", "good morning", "thanks!", "please", "one moment"]
)
def test_greetings_fillers_and_politeness_name_nothing(text: str) -> None:
    reading = read(LEXICON, text)

    assert reading.parsed.lines == [] and reading.parsed.unknown == []


@pytest.mark.parametrize(
    ("text", "unknown"),
    [
        ("can I get a burrito and a small coke", ["burrito"]),
        ("do you have lemonade?", ["lemonade"]),
        ("a large pepperoni with pineapple", ["pineapple"]),
        ("two hawaiian pizzas", ["hawaiian pizza"]),
        ("a large coke and some garlic bread too", ["garlic bread"]),
    ],
)
def test_things_not_on_the_menu_are_named(text: str, unknown: list[str]) -> None:
    assert read(LEXICON, text).parsed.unknown == unknown


@pytest.mark.parametrize(
    ("text", "address"),
    [
        ("that's all. delivery to 42 Elm Street, Apartment 3B please", "42 Elm Street, Apartment 3B"),
        ("deliver it to 5 Rue Verte, thanks!", "5 Rue Verte"),
        ("my address is 10 Long Lane", "10 Long Lane"),
    ],
)
def test_a_delivery_address_in_the_message_is_taken_out_whole(text: str, address: str) -> None:
    reading = read(LEXICON, text)

    assert reading.fulfilment == "delivery" and reading.address == address
    assert reading.parsed.lines == [] and reading.parsed.unknown == []


@pytest.mark.parametrize(
    ("text", "fulfilment"),
    [("I'll pick it up myself", "pickup"), ("for collection", "pickup"),
     ("can you bring it over?", "delivery"), ("delivery... no wait, pickup", "pickup"),
     ("takeaway please", "pickup")],
)  # fmt: skip
def test_pickup_or_delivery_the_last_said_wins(text: str, fulfilment: str) -> None:
    assert read(LEXICON, text).fulfilment == fulfilment


@pytest.mark.parametrize(
    ("text", "flag"),
    [("no that's it", "done"), ("that'll be all thanks", "done"), ("nothing else", "done"),
     ("yes, that's correct", "yes"), ("sounds great", "yes"), ("not yet", "no"),
     ("cancel the whole order", "cancel"), ("never mind", "cancel")],
)  # fmt: skip
def test_control_words(text: str, flag: str) -> None:
    assert getattr(read(LEXICON, text), flag) is True


def test_cancel_with_an_item_is_a_removal_not_a_cancel() -> None:
    reading = read(LEXICON, "cancel the fries")

    assert not reading.cancel and [e.action for e in reading.edits.edits] == ["remove"]


def test_a_price_question_names_its_item_without_ordering_it() -> None:
    reading = read(LEXICON, "how much is a large fries?")

    assert reading.question == "price" and reading.parsed.lines == [ParsedLine("fries", "large", [], 1)]
