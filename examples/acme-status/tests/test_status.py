"""The status skill, as a person meets it: commands, free text, unknown orders, an API that is down."""

from __future__ import annotations

from acme_status.fake_api import FakeOrderApi

from chatwright.testing import TestBot


async def test_the_command_answers_with_the_apis_status(bot: TestBot) -> None:
    [reply] = await bot.say("/status 123")

    assert (reply.skill, reply.text) == ("status", "Order 123: shipped (updated 2026-12-03).")


async def test_a_question_about_an_order_reaches_the_skill_without_a_command(bot: TestBot) -> None:
    [reply] = await bot.say("where is my order 77?")

    assert (reply.skill, reply.text) == ("status", "Order 77: being packed (updated 2026-12-04).")


async def test_other_free_text_still_goes_to_chat(bot: TestBot) -> None:
    assert [r.skill for r in await bot.say("what a lovely day")] == ["chat"]


async def test_an_unknown_order_is_said_so(bot: TestBot) -> None:
    [reply] = await bot.say("/status 9")

    assert reply.text == "I can't find order 9. Is the number right?"


async def test_a_bare_command_asks_again_about_the_persons_last_order(bot: TestBot) -> None:
    await bot.say("/status 77")

    assert [r.text for r in await bot.say("/status")] == ["Order 77: being packed (updated 2026-12-04)."]
    assert [r.text for r in await bot.say("/status", user="someone-else")] == [
        "Which order? Say /status followed by its number, e.g. /status 123."
    ]


async def test_while_the_api_is_down_the_person_is_told_and_the_question_is_retried(
    bot: TestBot, api: FakeOrderApi
) -> None:
    api.down = True
    [notice] = await bot.say("/status 123")
    assert notice.notice and notice.text.startswith("ACME's order system is not answering")

    api.down = False
    await bot.sink.wait_for(2)
    assert bot.sink.replies[-1][1].text == "Order 123: shipped (updated 2026-12-03)."
    assert api.requests == ["123", "123"]


async def test_help_lists_the_command(bot: TestBot) -> None:
    [reply] = await bot.say("/help")

    assert "/status: Tells where an ACME order is" in reply.text
