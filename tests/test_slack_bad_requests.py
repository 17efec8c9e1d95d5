"""Bad requests to /slack/events: 4xx and one log line, never a traceback or a 500."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator

import httpx
import pytest

from bots.slack import EVENTS_PATH
from conversation.llm import FakeLLM
from tests.fakes.slack_api import (
    Payload,
    event_callback,
    form_body,
    mention_event,
    signed_headers,
    slash_command,
)
from tests.test_slack_http import SECRET, SlackOverHttp, dm, slack_over_http

JSON = {"Content-Type": "application/json"}
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


@pytest.fixture
async def bot(database_url: str, fake_llm: FakeLLM) -> AsyncIterator[SlackOverHttp]:
    async with slack_over_http(database_url, fake_llm) as harness:
        yield harness


async def post(bot: SlackOverHttp, body: bytes, headers: dict[str, str]) -> httpx.Response:
    return await bot.http.post(EVENTS_PATH, content=body, headers=headers)


def assert_refused_cleanly(caplog: pytest.LogCaptureFixture, response: httpx.Response, status: int) -> None:
    assert response.status_code == status, response.text
    lines = [record for record in caplog.records if record.levelno >= logging.WARNING]
    assert len(lines) == 1, [record.getMessage() for record in lines]
    assert lines[0].exc_info is None and "refused a request" in lines[0].getMessage()


@pytest.mark.parametrize(
    "body", [b"{not json", b"\xff\xfe\x00", b"", b"[1,2]"], ids=["malformed", "binary", "empty", "array"]
)
async def test_an_unsigned_body_is_401_before_anything_parses_it(
    bot: SlackOverHttp, caplog: pytest.LogCaptureFixture, body: bytes
) -> None:
    response = await post(bot, body, JSON)

    assert_refused_cleanly(caplog, response, 401)
    assert bot.inbox_rows() == 0


async def test_a_body_signed_with_another_secret_is_401(
    bot: SlackOverHttp, caplog: pytest.LogCaptureFixture
) -> None:
    body = json.dumps(bot.envelope(dm("hello"))).encode()

    response = await post(bot, body, JSON | signed_headers(body, "not-the-secret"))

    assert_refused_cleanly(caplog, response, 401)
    assert bot.inbox_rows() == 0


async def test_a_stale_signature_is_401(bot: SlackOverHttp, caplog: pytest.LogCaptureFixture) -> None:
    body = json.dumps(bot.envelope(dm("hello"))).encode()

    response = await post(bot, body, JSON | signed_headers(body, SECRET, timestamp=1_600_000_000))

    assert_refused_cleanly(caplog, response, 401)


@pytest.mark.parametrize(
    "body", [b"{not json", b"\xff\xfe", b'"a string"'], ids=["malformed", "not-utf8", "not-an-object"]
)
async def test_a_signed_body_that_is_not_a_json_object_is_400(
    bot: SlackOverHttp, caplog: pytest.LogCaptureFixture, body: bytes
) -> None:
    response = await post(bot, body, JSON | signed_headers(body, SECRET))

    assert_refused_cleanly(caplog, response, 400)


def without(event: Payload, name: str) -> Payload:
    return {key: value for key, value in event.items() if key != name}


@pytest.mark.parametrize(
    "event",
    [
        without(mention_event("<@UBOT> hi", user="U1", channel="C1", ts="1700000001.000100"), "ts"),
        without(mention_event("<@UBOT> hi", user="U1", channel="C1", ts="1700000001.000100"), "channel"),
        mention_event("<@UBOT> hi", user="U1", channel="C1", ts="not a number"),
        without(dm("hello"), "ts"),
        dm("hello") | {"text": {"not": "a string"}},
    ],
    ids=["mention-without-ts", "mention-without-channel", "ts-not-a-number", "dm-without-ts", "text-object"],
)
async def test_a_signed_event_missing_what_the_listener_reads_is_400(
    bot: SlackOverHttp, caplog: pytest.LogCaptureFixture, event: Payload
) -> None:
    body = json.dumps(event_callback(event, "Ev0001")).encode()

    response = await post(bot, body, JSON | signed_headers(body, SECRET))

    assert_refused_cleanly(caplog, response, 400)
    assert bot.inbox_rows() == 0


async def test_a_signed_slash_command_without_user_id_is_400(
    bot: SlackOverHttp, caplog: pytest.LogCaptureFixture
) -> None:
    command = slash_command(
        "/ask", "hi", user="U1", channel="C1", trigger_id="1.2.abc", response_url="http://x.test/r"
    )
    body = form_body(without(command, "user_id"))

    response = await post(bot, body, FORM | signed_headers(body, SECRET))

    assert_refused_cleanly(caplog, response, 400)
    assert "user_id" in response.json()["error"]


async def test_a_body_over_the_cap_is_413_unread(
    bot: SlackOverHttp, caplog: pytest.LogCaptureFixture
) -> None:
    body = b"x" * 1_000_001

    response = await post(bot, body, JSON | signed_headers(body, SECRET))

    assert_refused_cleanly(caplog, response, 413)


async def test_a_good_request_still_goes_through_after_the_checks(bot: SlackOverHttp) -> None:
    await bot.send_and_settle(dm("hello there"))

    assert [post["text"] for post in bot.posts()] == ["echo: hello there"]
