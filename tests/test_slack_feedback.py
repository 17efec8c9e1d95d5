"""Slack reactions and feedback buttons on the bot's replies become stored feedback (signed HTTP
requests through Bolt), and a thumbs-down keeps the answer out of the next dataset."""

from __future__ import annotations

from pathlib import Path

from conversation import EngineLimits
from tests.fakes.adapter_servers import feedback_votes, serve_slack
from tests.fakes.engines import make_engine, migrated_database, sqlite_url
from tests.fakes.slack_api import FakeSlackApi, Payload, block_action, event_callback, message_event
from training.dataset import build_dataset


def reaction(kind: str, name: str, ts: str, *, item_user: str = "UBOT", user: str = "U1") -> Payload:
    event = {
        "type": kind,
        "user": user,
        "reaction": name,
        "item_user": item_user,
        "item": {"type": "message", "channel": "D1", "ts": ts},
        "event_ts": "1700000100.000100",
    }
    return event_callback(event, f"Ev-{kind}-{name}-{ts}-{user}")


async def test_thumbs_on_a_reply_are_stored_as_the_users_vote_and_removing_them_takes_it_back(
    tmp_path: Path,
) -> None:
    database_url = sqlite_url(tmp_path)
    async with FakeSlackApi() as slack:
        engine = make_engine(database_url, limits=EngineLimits(retry_after_s=60))
        async with serve_slack(slack, engine) as server:
            question = message_event(
                "rate me", user="U1", channel="D1", ts="1700000001.000100", channel_type="im"
            )
            await server.deliver(event_callback(question, "EvQuestion"))
            await slack.wait_until(lambda: bool(slack.shown("D1")))
            await engine.join()
            [answer] = slack.messages
            ts = answer.ts

            async def votes_after(*events: Payload) -> list[tuple[str, str, str, int]]:
                for payload in events:
                    assert (await server.deliver(payload)).status_code == 200
                return feedback_votes(database_url)

            thumbs_up = await votes_after(reaction("reaction_added", "+1::skin-tone-3", ts))
            changed_mind = await votes_after(reaction("reaction_added", "thumbsdown", ts))
            ignored = await votes_after(
                reaction("reaction_added", "tada", ts, user="U2"),
                reaction("reaction_added", "+1", "1700000999.000100", user="U2"),  # not a bot reply
                reaction("reaction_added", "+1", ts, item_user="U1", user="U2"),  # a human's message
            )
            taken_back = await votes_after(reaction("reaction_removed", "thumbsdown", ts))

    assert thumbs_up == [("slack", ts, "U1", 1)]
    assert changed_mind == [("slack", ts, "U1", -1)]
    assert ignored == changed_mind
    assert taken_back == []


async def test_a_feedback_button_under_an_answer_is_the_users_vote_and_drops_it_from_the_next_dataset(
    tmp_path: Path,
) -> None:
    database_url = sqlite_url(tmp_path)
    async with FakeSlackApi() as slack:
        engine = make_engine(database_url, limits=EngineLimits(retry_after_s=60))
        async with serve_slack(slack, engine) as server:
            question = message_event(
                "rate me", user="U1", channel="D1", ts="1700000001.000100", channel_type="im"
            )
            await server.deliver(event_callback(question, "EvQuestion"))
            await slack.wait_until(lambda: bool(slack.shown("D1")))
            await engine.join()
            [answer] = slack.messages
            [buttons] = [b["elements"][0] for b in answer.blocks or [] if b["type"] == "context_actions"]
            press = {"type": "feedback_buttons", "action_id": buttons["action_id"], "value": "bad"}
            pressed = await server.press(block_action(answer, press, user="U1"))
            votes = feedback_votes(database_url)

    assert answer.blocks is not None and answer.blocks[0]["text"]["text"] == answer.text == "echo: rate me"
    assert buttons["type"] == "feedback_buttons"
    assert pressed.status_code == 200
    assert votes == [("slack", answer.ts, "U1", -1)]
    database = migrated_database(database_url)
    dataset = build_dataset(database, test_fraction=0.25, near_duplicate_threshold=0.8, sources={"slack"})
    database.dispose()
    assert dataset.pairs == [] and dataset.manifest["dropped"] == {"thumbs_down": 1}
