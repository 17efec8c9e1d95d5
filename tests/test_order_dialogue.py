"""The OrderBot dialogue as people talk, on two menus: the course pizzeria and a burger place.

Every test runs on both menus (nothing may be tied to the pizzeria); the model is a FakeLLM that
never answers JSON, so code alone decides; totals are worked out here from the TOML, to the cent.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from skills.order import OrderSkill, load_menu
from tests.test_skill_order import MENU_FILE, Customer

BURGER_MENU = """
name = "Burger Barn"
currency = "EUR"

[[item]]
kind = "main"
name = "classic"
noun = "burger"
sizes = { large = 9.50, small = 7.25 }

[[item]]
kind = "main"
name = "veggie"
noun = "burger"
sizes = { large = 8.75, small = 6.80 }
aliases = ["garden burger"]

[[item]]
kind = "side"
name = "onion rings"
sizes = { large = 4.20, small = 2.90 }
aliases = ["rings"]

[[item]]
kind = "drink"
name = "milkshake"
sizes = { large = 4.60, medium = 3.90, small = 3.10 }
aliases = ["shake"]

[[item]]
kind = "drink"
name = "lemonade"
sizes = { regular = 2.40 }

[[topping]]
name = "bacon"
price = 1.70

[[topping]]
name = "jalapenos"
price = 0.90
aliases = ["jalapeno", "chillies"]

[[topping]]
name = "blue cheese"
price = 1.30
"""


@dataclass(frozen=True)
class Place:
    """A menu and how its things are said: a topped main, a second main, a side, drinks, toppings."""

    source: str
    """The menu's TOML."""
    main: str
    main_said: str
    other: str
    side: str
    side_alias: str
    drink: str
    drink_plural: str
    flat: str
    """A single-size item."""
    topping: str
    topping2: str
    topping_alias: str
    medium: bool
    """Whether the main comes in medium."""

    @property
    def data(self) -> dict[str, Any]:
        return tomllib.loads(self.source)

    def skill(self, tmp_path: Path) -> OrderSkill:
        path = tmp_path / "menu.toml"
        path.write_text(self.source)
        return OrderSkill(menu_path=path)

    def price(self, name: str, size: str = "regular", toppings: tuple[str, ...] = ()) -> Decimal:
        item = next(i for i in self.data["item"] if i["name"] == name)
        extras = {t["name"]: t["price"] for t in self.data["topping"]}
        return Decimal(str(item["sizes"][size])) + sum(
            (Decimal(str(extras[t])) for t in toppings), Decimal(0)
        )

    @property
    def currency(self) -> str:
        return str(self.data["currency"])


PIZZERIA = Place(
    MENU_FILE.read_text(),
    main="pepperoni", main_said="pepperoni pizza", other="cheese", side="fries", side_alias="chips",
    drink="coke", drink_plural="cokes", flat="bottled water", topping="mushrooms", topping2="sausage",
    topping_alias="ham", medium=True,
)  # fmt: skip
BURGERS = Place(
    BURGER_MENU,
    main="classic", main_said="classic burger", other="veggie", side="onion rings", side_alias="rings",
    drink="milkshake", drink_plural="milkshakes", flat="lemonade", topping="bacon", topping2="jalapenos",
    topping_alias="chillies", medium=False,
)  # fmt: skip
ALIAS_TOPPING = {"ham": "canadian bacon", "chillies": "jalapenos"}


@pytest.fixture(params=[PIZZERIA, BURGERS], ids=["pizzeria", "burgers"])
def place(request: pytest.FixtureRequest) -> Place:
    return request.param  # type: ignore[no-any-return]


@pytest.fixture
def customer(place: Place, tmp_path: Path) -> Customer:
    return Customer(place.skill(tmp_path))


def money(amount: Decimal) -> str:
    return f"{amount:.2f}"


@pytest.mark.parametrize("hello", ["hi", "hello there", "Good evening!", "hiya", "hey hey"])
async def test_a_greeting_alone_opens_with_the_menu_and_is_never_refused(
    customer: Customer, hello: str
) -> None:
    text = await customer.say(hello)

    assert "don't have" not in text and "menu" in text.lower()
    assert customer.state["items"] == [] and customer.last is not None and customer.last.hold_dialogue


async def test_filler_words_and_politeness_are_never_items(customer: Customer, place: Place) -> None:
    await customer.say("hello")
    text = await customer.say(f"um, uh, one large {place.main_said} with {place.topping}, please, thanks")

    assert "don't have" not in text
    assert customer.state["items"] == [{"name": place.main, "size": "large", "toppings": [place.topping]}]


async def test_quantities_in_words_and_digits_are_counted(customer: Customer, place: Place) -> None:
    order = await customer.order_through(
        f"two small {place.main_said}s, no toppings, a couple of {place.drink_plural}, large ones,"
        f" and 3 {place.flat}",
        "that's everything, pickup",
        "yes",
    )

    expected = 2 * place.price(place.main, "small") + 2 * place.price(place.drink, "large")
    expected += 3 * place.price(place.flat)
    assert Decimal(str(order["total"])) == expected
    assert len(order["items"]) == 7


async def test_one_of_a_group_each_with_its_own_toppings(customer: Customer, place: Place) -> None:
    order = await customer.order_through(
        f"could I get three large {place.main_said}s: one with {place.topping},"
        f" one with {place.topping2} and one plain",
        "that's it, for pickup",
        "ok go ahead",
    )

    toppings = sorted(tuple(i["toppings"]) for i in order["items"])
    assert toppings == sorted([(place.topping,), (place.topping2,), ()])
    expected = (
        place.price(place.main, "large", (place.topping,))
        + place.price(place.main, "large", (place.topping2,))
        + place.price(place.main, "large")
    )
    assert Decimal(str(order["total"])) == expected


async def test_plain_or_both_plain_is_not_asked_again(customer: Customer, place: Place) -> None:
    text = await customer.say(f"two large {place.main_said}s, both plain")

    assert "toppings" not in text.lower()
    assert all(item["toppings"] == [] for item in customer.state["items"])
    assert "Anything else" in text


async def test_an_alias_of_an_item_and_of_a_topping_is_the_menu_thing(
    customer: Customer, place: Place
) -> None:
    await customer.say(f"a small {place.main} with {place.topping_alias} and small {place.side_alias}")

    assert customer.state["items"] == [
        {"name": place.main, "size": "small", "toppings": [ALIAS_TOPPING[place.topping_alias]]},
        {"name": place.side, "size": "small", "toppings": []},
    ]


async def test_a_thing_not_on_the_menu_is_refused_by_name_and_the_rest_kept(
    customer: Customer, place: Place
) -> None:
    text = await customer.say(f"hey, can I get a tiramisu and a large {place.side} please")

    assert "Sorry, we don't have tiramisu." in text
    assert customer.state["items"] == [{"name": place.side, "size": "large", "toppings": []}]


async def test_a_price_question_is_answered_from_the_menu_and_adds_nothing(
    customer: Customer, place: Place
) -> None:
    await customer.say(f"a large {place.side}")
    text = await customer.say(f"what does a small {place.drink} cost?")

    assert money(place.price(place.drink, "small")) in text
    assert [i["name"] for i in customer.state["items"]] == [place.side]


async def test_do_you_have_is_answered_honestly(customer: Customer, place: Place) -> None:
    has = await customer.say(f"do you have {place.flat}?")
    hasnt = await customer.say("do you sell sushi?")

    assert has.startswith(f"Hi, welcome to {customer.skill.menu.name}! Yes, we have {place.flat}")
    assert money(place.price(place.flat)) in has
    assert "Sorry, we don't have sushi." in hasnt
    assert customer.state["items"] == []


async def test_items_done_and_pickup_in_one_message_go_straight_to_the_summary(
    customer: Customer, place: Place
) -> None:
    text = await customer.say(
        f"a large {place.drink} and a small {place.other} with {place.topping}, for pickup, that's all"
    )
    expected = place.price(place.drink, "large") + place.price(place.other, "small", (place.topping,))

    assert f"Total: {money(expected)} {place.currency}" in text and "pickup" in text
    assert text.endswith("Shall I place the order? (yes / no, or tell me what to change)")
    assert "Anything else" not in text
    assert "placed" in await customer.say("sounds good")
    assert customer.order is not None and Decimal(str(customer.order["total"])) == expected


@pytest.mark.parametrize(
    "yes",
    ["yes", "yep", "Yes, that's right", "sounds good", "sounds good, place it", "confirm", "ok go ahead",
     "yes, place my order", "yes please", "yes, confirm", "correct", "perfect", "yeah sure", "Absolutely!",
     "looks good to me", "ok"],
)  # fmt: skip
async def test_the_common_ways_of_saying_yes_place_the_order(
    customer: Customer, place: Place, yes: str
) -> None:
    await customer.say(f"one small {place.side}")
    await customer.say("nothing else, pick up")
    text = await customer.say(yes)

    total = f"{money(place.price(place.side, 'small'))} {place.currency}"
    assert text == f"Thank you! Your order is placed: {total}, for pickup."
    assert customer.last is not None and not customer.last.hold_dialogue


async def test_no_at_the_summary_asks_what_to_change_and_a_change_shows_it_again(
    customer: Customer, place: Place
) -> None:
    await customer.say(f"a small {place.side} and a large {place.drink}")
    await customer.say("that'll be all. delivery to 7 Quay Lane, flat 4")
    assert "what would you like to change" in (await customer.say("not yet")).lower()
    text = await customer.say(f"remove the {place.drink}")

    assert (
        text.startswith(f"Removed large {place.drink}.")
        and "Here is your order for delivery to 7 Quay Lane, flat 4" in text
    )
    assert f"Total: {money(place.price(place.side, 'small'))}" in text and "Anything else" not in text
    order = await customer.order_through("yep")
    assert order["fulfilment"] == {"type": "delivery", "address": "7 Quay Lane, flat 4"}


async def test_after_thats_all_anything_else_is_never_asked(customer: Customer, place: Place) -> None:
    replies = [
        await customer.say(f"a {place.main_said}"),
        await customer.say("that's all"),
        await customer.say("large"),
        await customer.say(f"{place.topping} please"),
        await customer.say("delivery"),
        await customer.say("12 Birch Row"),
    ]

    assert all("Anything else" not in reply for reply in replies[1:])
    assert "pickup or delivery" in replies[3] and "address" in replies[4]
    expected = place.price(place.main, "large", (place.topping,))
    assert f"Total: {money(expected)}" in replies[5] and "12 Birch Row" in replies[5]


async def test_make_that_a_size_changes_the_last_item_and_keeps_its_toppings(
    customer: Customer, place: Place
) -> None:
    await customer.say(f"a large {place.main_said} with {place.topping}")
    text = await customer.say("actually, make that a small")

    assert "small" in text
    assert customer.state["items"] == [{"name": place.main, "size": "small", "toppings": [place.topping]}]


@pytest.mark.parametrize(
    "removal", ["remove the {side}", "no {side}", "take off the {side}", "drop the {side} please"]
)
async def test_an_item_is_removed_in_several_wordings(customer: Customer, place: Place, removal: str) -> None:
    await customer.say(f"a small {place.side} and a large {place.drink}")
    text = await customer.say(removal.format(side=place.side))

    assert text.startswith(f"Removed small {place.side}.")
    assert [i["name"] for i in customer.state["items"]] == [place.drink]


async def test_an_item_named_in_the_plural_changes_every_one_of_them(
    customer: Customer, place: Place
) -> None:
    await customer.say(f"two small {place.drink_plural} and a small {place.side}")
    await customer.say(f"make the {place.drink_plural} large")
    assert [i["size"] for i in customer.state["items"] if i["name"] == place.drink] == ["large", "large"]
    text = await customer.say(f"actually no {place.drink_plural}")

    assert text.startswith(f"Removed 2 x large {place.drink}.")
    assert [i["name"] for i in customer.state["items"]] == [place.side]


async def test_a_generic_noun_asks_which_one(customer: Customer, place: Place) -> None:
    noun = customer.skill.menu.item(place.main).head
    text = await customer.say(f"can I order a {noun}?")

    assert f"Which {noun} would you like:" in text and place.main in text and "don't have" not in text


async def test_swap_replaces_an_item_rather_than_adding_one(customer: Customer, place: Place) -> None:
    await customer.say(f"a large {place.side} and a large {place.drink}")
    await customer.say(f"could you swap the {place.side} for a {place.flat}?")

    assert sorted(i["name"] for i in customer.state["items"]) == sorted([place.flat, place.drink])


async def test_just_the_named_item_then_keeps_only_it(customer: Customer, place: Place) -> None:
    await customer.say(f"a large {place.side} and a large {place.drink}")
    await customer.say(f"hmm, just the {place.drink} then")

    assert [i["name"] for i in customer.state["items"]] == [place.drink]


async def test_just_the_items_named_in_the_plural_keeps_every_one_of_them(
    customer: Customer, place: Place
) -> None:
    await customer.say(f"two small {place.drink_plural} and a large {place.side}")
    await customer.say(f"just the {place.drink_plural} then")

    assert [i["name"] for i in customer.state["items"]] == [place.drink, place.drink]


async def test_make_it_one_after_two_keeps_one(customer: Customer, place: Place) -> None:
    await customer.say(f"two large {place.drink_plural}")
    await customer.say("that's all, pickup")
    text = await customer.say(f"no, make it one {place.drink}")

    assert [i["name"] for i in customer.state["items"]] == [place.drink]
    assert customer.state["items"][0]["size"] == "large" and "Shall I place" in text


async def test_make_it_three_copies_the_item_with_its_size_and_toppings(
    customer: Customer, place: Place
) -> None:
    await customer.say(f"a small {place.main_said} with {place.topping}")
    await customer.say("actually make it three")

    items = customer.state["items"]
    assert len(items) == 3 and all(i == items[0] for i in items)
    assert items[0]["size"] == "small" and items[0]["toppings"] == [place.topping]


async def test_late_toppings_go_on_the_item_already_ordered(customer: Customer, place: Place) -> None:
    noun = customer.skill.menu.item(place.main).head
    await customer.say(f"a small {place.main_said}, plain, and a small {place.side}")
    await customer.say(f"oh, can you put {place.topping} and {place.topping2} on the {noun}?")

    main = customer.state["items"][0]
    assert main["name"] == place.main and set(main["toppings"]) == {place.topping, place.topping2}
    assert len(customer.state["items"]) == 2


async def test_an_item_named_with_the_answer_to_a_question_is_added_too(
    customer: Customer, place: Place
) -> None:
    await customer.say(f"a {place.main_said}")
    await customer.say(f"large, with {place.topping}, and a small {place.side}")

    assert customer.state["items"] == [
        {"name": place.main, "size": "large", "toppings": [place.topping]},
        {"name": place.side, "size": "small", "toppings": []},
    ]


async def test_delivery_switched_to_pickup_when_asked_for_the_address(
    customer: Customer, place: Place
) -> None:
    await customer.say(f"two small {place.side}, that's all")
    assert "address" in await customer.say("can you deliver it?")
    text = await customer.say("oh wait, actually I'll pick it up myself")

    assert "for pickup" in text and f"Total: {money(2 * place.price(place.side, 'small'))}" in text


@pytest.mark.parametrize(
    "cancel", ["cancel", "cancel the whole order", "forget it", "never mind", "nevermind, sorry"]
)
async def test_cancel_ends_the_order_with_nothing_stored(
    customer: Customer, place: Place, cancel: str
) -> None:
    await customer.say(f"a large {place.drink}")
    text = await customer.say(cancel)

    assert "cancelled" in text and customer.order is None
    assert customer.last is not None and not customer.last.hold_dialogue


def test_the_default_menu_file_is_the_pizzeria() -> None:
    assert load_menu().name == PIZZERIA.data["name"] == "Pizzeria"
