"""Whole conversations through the real engine and the shipped skills: digressions, help, cancel."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from chatwright.testing import TestBot
from storage.tables import orders
from tests.fakes.models import small_model


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[TestBot]:
    """Every installed skill, FakeLLM (the order skill reads by code; the others echo)."""
    async with TestBot.start(tmp_path) as started:
        yield started


def stored_totals(bot: TestBot) -> list[float]:
    with bot.engine.ledger.engine.connect() as db:
        return [float(total) for total in db.execute(sa.select(orders.c.total)).scalars()]


async def test_a_digression_mid_order_is_answered_by_its_skill_and_the_order_then_completes(
    bot: TestBot,
) -> None:
    [opened] = await bot.say("hi, a large pepperoni with mushrooms please")
    proofread, reminder = await bot.say("before I forget, can you proofread this: Their coming tomorow.")
    [added] = await bot.say("and a small coke")
    [summary] = await bot.say("that's all, pickup")
    [placed] = await bot.say("yes please")

    assert opened.skill == "order" and "pepperoni" in opened.text
    assert proofread.skill == "proofread" and "can you proofread" not in proofread.text
    assert reminder.skill == "order" and "still open" in reminder.text
    assert added.skill == "order" and "coke" in added.text
    assert "15.45" in summary.text  # 12.95 + mushrooms 1.50 + small coke 1.00
    assert placed.skill == "order" and "placed" in placed.text
    assert stored_totals(bot) == [15.45]


async def test_help_lists_every_registered_command_on_every_wording(bot: TestBot) -> None:
    commands = [f"/{name}" for name in bot.engine.router.skills if name != bot.engine.router.fallback]
    for text in ("/help", "help", "what can you do?"):
        [reply] = await bot.say(text)
        assert reply.skill == "help" and not reply.notice
        assert all(command in reply.text for command in commands), (text, commands, reply.text)


async def test_cancel_with_nothing_open_says_so_and_stores_nothing(bot: TestBot) -> None:
    [reply] = await bot.say("cancel")
    assert "nothing open to cancel" in reply.text
    assert "cancelled" not in reply.text.lower()
    assert stored_totals(bot) == []


async def test_an_order_cancelled_midway_releases_the_dialogue(bot: TestBot) -> None:
    await bot.say("I'd like two large pepperoni pizzas with sausage")
    [cancelled] = await bot.say("hmm, actually cancel the whole order, sorry")
    [after] = await bot.say("how's your day going?")

    assert cancelled.skill == "order" and "cancel" in cancelled.text.lower()
    assert after.skill == "chat"
    assert stored_totals(bot) == []


@pytest.mark.slow
async def test_on_the_real_small_model_a_translation_mid_order_is_answered_and_the_order_completes(
    tmp_path: Path,
) -> None:
    model = small_model(tmp_path / "cache", n_ctx=2048)
    try:
        async with TestBot.start(tmp_path, llm=model) as bot:
            await bot.say("hello, a medium cheese pizza with peppers")
            translated, reminder = await bot.say("/translate to Spanish: The pizza is ready.")
            await bot.say("and a large fries too")
            [summary] = await bot.say("that's all, pick up")
            [placed] = await bot.say("yep")
            totals = stored_totals(bot)
    finally:
        await model.aclose()

    assert translated.skill == "translate" and translated.text.startswith("English → Spanish")  # maybe unsure
    assert reminder.skill == "order"
    assert "14.75" in summary.text  # 9.25 + peppers 1.00 + large fries 4.50
    assert placed.skill == "order"
    assert totals == [14.75]
