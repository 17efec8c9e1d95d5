"""The proofread redline on each surface: Slack mrkdwn, Discord markdown, web chat <del>/<ins>, plain text."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from playwright.async_api import expect

from bots.discord.paging import paginate
from bots.slack.render import render_redline_for_slack, render_reply
from conversation import Message, Reply
from conversation.llm import FakeLLM
from conversation.llm.base import ChatMessage
from skills import ProofreadSkill
from skills.base import SkillRequest
from skills.proofread import redline, redline_of, render_redline_markdown
from tests.test_web_browser import (  # noqa: F401 - fixtures shared with the web chat tests
    NewContext,
    Served,
    browser,
    new_context,
    open_tab,
    say,
    served,
)

WRONG = "Their going too the store, tomorow."
RIGHT = "They're going to the store tomorrow."


def correct_to(corrected: str) -> FakeLLM:
    return FakeLLM(lambda messages: f"```{corrected}```")


async def proofread(text: str, corrected: str) -> Reply:
    message = Message(platform="test", user="u1", text=text, event_id="e1")
    request = SkillRequest(message, text, [], {}, correct_to(corrected))
    (reply,) = (await ProofreadSkill().handle(request)).replies
    return reply


async def test_the_plain_text_reads_as_the_correction_then_the_changes() -> None:
    reply = await proofread(WRONG, RIGHT)

    corrected, changes = reply.text.split("\n\nChanges: ")
    assert corrected == RIGHT
    assert changes.startswith("~~Their~~**They're** going ~~too~~**to** the store")


async def test_slack_gets_strike_and_bold_in_mrkdwn_rendered_from_the_redline() -> None:
    reply = await proofread(WRONG, RIGHT)

    assert render_reply(reply) == (
        f"{RIGHT}\n\nChanges: ~Their~*They're* going ~too~*to* the store\u200b~,~ ~tomorow~*tomorrow*."
    )


def test_slack_escapes_its_markup_and_marks_each_line_on_its_own() -> None:
    diff = redline("a <b> & c\nold line\nend", "a <i> & c\nnew text\nend")

    assert render_redline_for_slack(diff) == "a &lt;~b~*i*&gt; &amp; c\n~old~*new* ~line~*text*\nend"
    assert render_redline_for_slack(redline("one\ntwo three", "uno three")) == "~one~\n~two~*uno* three"


@pytest.mark.parametrize(
    "data",
    [None, {"corrected": "x"}, {"corrected": "x", "diff": "nope"}, {"corrected": "x", "diff": [{"op": "x"}]}],
)
def test_slack_renders_any_other_reply_from_its_markdown(data: dict[str, object] | None) -> None:
    reply = Reply("**bold** and ~~gone~~", skill="proofread", data=data)

    assert redline_of(reply) is None
    assert render_reply(reply) == "*bold* and ~gone~"


async def test_no_errors_found_is_shown_as_it_is() -> None:
    reply = await proofread("All is well.", "All is well.")

    assert redline_of(reply) is None
    assert render_reply(reply) == "No errors found"


def test_discord_markdown_escapes_markup_in_the_text_and_pages_keep_the_marks() -> None:
    diff = redline("use *args and snake_case", "use **kwargs and snake_case")

    assert render_redline_markdown(diff) == "use \\*~~args~~**\\*kwargs** and snake\\_case"
    long_text = "word " * 500 + "teh end"
    pages = paginate(render_redline_markdown(redline(long_text, long_text.replace("teh", "the"))))
    assert len(pages) > 1
    assert pages[-1].endswith("~~teh~~**the** end")


def echo_correction(messages: Sequence[ChatMessage]) -> str:
    """Corrects "teh" to "the" in the proofread text (and answers anything else plainly)."""
    user = messages[-1].content.strip("`")
    return user.replace("teh", "the")


@pytest.mark.slow
@pytest.mark.asyncio(loop_scope="module")
async def test_the_web_chat_shows_deletions_and_insertions(
    served: Served,  # noqa: F811 - the shared fixture
    new_context: NewContext,  # noqa: F811 - the shared fixture
) -> None:
    served.engine.router.skills["proofread"] = ProofreadSkill()
    served.llm.responder = echo_correction
    page = await open_tab(await new_context(), served.url)

    text = await say(page, "/proofread I saw teh <b>cat</b>.")

    bubble = page.locator("#log .turn.assistant").last
    await expect(bubble.locator("del")).to_have_text(["teh"])
    await expect(bubble.locator("ins")).to_have_text(["the"])
    assert text == "I saw the <b>cat</b>.\n\nChanges: I saw tehthe <b>cat</b>."
    assert await bubble.locator("b").count() == 0, "the user's text is never HTML"
