"""Slack: a reply's choices are buttons; a press goes to the dialogue as if typed (signed HTTP
requests through Bolt against the fake Slack), also after a restart.
"""

from __future__ import annotations

from pathlib import Path

from tests.fakes.adapter_servers import serve_slack
from tests.fakes.engines import sqlite_url
from tests.fakes.ordering import ordering_engine, placed_orders
from tests.fakes.slack_api import FakeSlackApi, block_action, event_callback, message_event

ORDER = ("/order two medium cheese pizzas with mushrooms and a large coke", "pickup", "that's all")


async def test_place_under_an_order_summary_after_a_restart_places_the_order(tmp_path: Path) -> None:
    database_url = sqlite_url(tmp_path)
    async with FakeSlackApi() as slack:
        engine = ordering_engine(database_url)
        async with serve_slack(slack, engine) as server:
            for number, text in enumerate(ORDER, start=1):
                ts = f"1700000000.00{number:04d}"
                event = message_event(text, user="U1", channel="D1", ts=ts, channel_type="im")
                await server.deliver(event_callback(event, f"EvOrder{number}"))
                await slack.wait_until(lambda: len(slack.shown("D1")) >= number)  # noqa: B023
                await engine.join()
        summary = slack.messages[-1]

        restarted = ordering_engine(database_url)  # a new process
        async with serve_slack(slack, restarted) as server:
            [actions] = [block for block in summary.blocks or [] if block["type"] == "actions"]
            place = actions["elements"][0]
            press = {"type": "button", "action_id": place["action_id"], "value": place["value"]}
            pressed = await server.press(block_action(summary, press, user="U1"))
            await slack.wait_until(lambda: len(slack.shown("D1")) > len(ORDER))
            await restarted.join()

    assert summary.text.endswith("Shall I place the order? (yes / no, or tell me what to change)")
    assert [button["text"]["text"] for button in actions["elements"]] == ["Place order", "Cancel"]
    assert pressed.status_code == 200
    assert slack.shown("D1")[-1].startswith("Thank you! Your order is placed")
    [order] = placed_orders(database_url)
    assert (order["platform"], order["user_id"]) == ("slack", "U1")
