"""Discord buttons: 👍/👎 under answers feed the dataset filter; a reply's choices (Place / Cancel
under an order summary) go to the dialogue as if typed, also after a restart.

discord.py runs on the fake gateway through the wiring of ``chatwright run``; the fake posts
INTERACTION_CREATE for a press on a message's button as Discord does.
"""

from __future__ import annotations

from pathlib import Path

from conversation import EngineLimits
from tests.fakes.adapter_servers import FIRST_DM, FIRST_USER, dm_from, feedback_votes, serve_discord
from tests.fakes.discord_api import FakeDiscord
from tests.fakes.discord_objects import user
from tests.fakes.engines import make_engine, migrated_database, sqlite_url
from tests.fakes.ordering import ordering_engine, placed_orders
from training.dataset import build_dataset

NO_RETRY = EngineLimits(retry_after_s=60)
CALLBACK = r"/interactions/\d+/[^/]+/callback"
EPHEMERAL = 1 << 6
ALICE = user(FIRST_USER, "user0")


async def test_a_thumbs_down_button_is_the_users_vote_and_drops_the_answer_from_the_next_dataset(
    tmp_path: Path,
) -> None:
    database_url = sqlite_url(tmp_path)
    async with FakeDiscord() as fake:
        engine = make_engine(database_url, limits=NO_RETRY)
        async with serve_discord(fake, engine):
            await fake.dispatch("MESSAGE_CREATE", dm_from(fake, 0, "rate me"))
            await fake.until(lambda: fake.contents_in(FIRST_DM))
            await engine.join()
            [reply_id] = fake.messages
            buttons = fake.custom_ids(reply_id)
            await fake.dispatch(
                "INTERACTION_CREATE", fake.button_press(reply_id, "cw:vote:down", author=ALICE)
            )
            await fake.until(lambda: feedback_votes(database_url))

    assert buttons == ["cw:vote:up", "cw:vote:down"]
    assert feedback_votes(database_url) == [("discord", str(reply_id), str(FIRST_USER), -1)]
    (callback,) = fake.calls_to("POST", CALLBACK)
    assert callback.json["data"]["flags"] & EPHEMERAL, "the thanks is for the voter only"
    database = migrated_database(database_url)
    dataset = build_dataset(database, test_fraction=0.25, near_duplicate_threshold=0.8, sources={"discord"})
    database.dispose()
    assert dataset.pairs == [] and dataset.manifest["dropped"] == {"thumbs_down": 1}


async def test_place_on_an_order_summary_after_a_restart_places_the_order(tmp_path: Path) -> None:
    database_url = sqlite_url(tmp_path)
    async with FakeDiscord() as fake:
        engine = ordering_engine(database_url)
        async with serve_discord(fake, engine):
            for text in (
                "/order two medium cheese pizzas with mushrooms and a large coke",
                "pickup",
                "that's all",
            ):
                before = len(fake.messages)
                await fake.dispatch("MESSAGE_CREATE", dm_from(fake, 0, text))
                await fake.until(lambda: len(fake.messages) > before)  # noqa: B023 - awaited in the loop
                await engine.join()
            summary_id = max(fake.messages)
            summary_buttons = fake.custom_ids(summary_id)

        restarted = ordering_engine(database_url)  # a new process: new engine, client and adapter
        async with serve_discord(fake, restarted):
            before = len(fake.messages)
            await fake.dispatch(
                "INTERACTION_CREATE", fake.button_press(summary_id, "cw:say:yes", author=ALICE)
            )
            await fake.until(lambda: len(fake.messages) > before)
            await restarted.join()

    assert fake.messages[summary_id]["content"].endswith(
        "Shall I place the order? (yes / no, or tell me what to change)"
    )
    assert summary_buttons == ["cw:say:yes", "cw:say:cancel", "cw:vote:up", "cw:vote:down"]
    (deferred,) = fake.calls_to("POST", CALLBACK)
    assert deferred.json["type"] == 5, "acknowledged at once, answered by a follow-up"
    answer = fake.contents_in(FIRST_DM)[-1]
    assert answer.startswith("Thank you! Your order is placed"), answer
    [order] = placed_orders(database_url)
    assert order["user_id"] == str(FIRST_USER) and order["platform"] == "discord"
