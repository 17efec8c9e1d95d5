"""Slack reactions on the bot's replies become stored feedback (signed HTTP events through Bolt)."""

from __future__ import annotations

from pathlib import Path

from conversation import EngineLimits
from tests.fakes.adapter_servers import feedback_votes, serve_slack
from tests.fakes.engines import make_engine, sqlite_url
from tests.fakes.slack_api import FakeSlackApi, Payload, event_callback, message_event


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
