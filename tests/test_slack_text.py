"""Slack text both ways: markdown -> mrkdwn, splitting long messages, Slack markup -> plain text."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bots.slack import MESSAGE_CHARS, render_for_slack, split_for_slack
from bots.slack.events import Addressed, addressed, plain_text
from bots.slack.render import render_reply
from conversation import Reply


@pytest.mark.parametrize(
    ("markdown", "mrkdwn"),
    [
        ("**bold** and __bold__", "*bold* and *bold*"),
        ("*italic* and _italic_", "_italic_ and _italic_"),
        ("~~gone~~ stays", "~gone~ stays"),
        ("see [the docs](https://x.io/a?b=1&c=2)", "see <https://x.io/a?b=1&amp;c=2|the docs>"),
        ("- one\n* two\n  + nested", "• one\n• two\n  • nested"),
        ("## Order **summary**", "*Order summary*"),
        ("> quoted", "> quoted"),
        ("1 < 2 & 3 > 2", "1 &lt; 2 &amp; 3 &gt; 2"),
        ("<@U1> <!channel>", "&lt;@U1&gt; &lt;!channel&gt;"),
        ("use `**x** < y`", "use `**x** &lt; y`"),
        ("```python\nif a < b:\n    **x**\n```", "```\nif a &lt; b:\n    **x**\n```"),
        ("2*3*4 and a * b", "2*3*4 and a * b"),
    ],
)
def test_markdown_becomes_mrkdwn(markdown: str, mrkdwn: str) -> None:
    assert render_for_slack(markdown) == mrkdwn


def test_a_notice_is_marked_as_one() -> None:
    assert render_reply(Reply("The model is down.", notice=True)) == ":warning: The model is down."
    assert render_reply(Reply("An answer.")) == "An answer."


@given(st.text(alphabet=st.sampled_from("ab c\n\n&<>|x"), max_size=3_000), st.integers(60, 400))
def test_splitting_never_loses_a_character_or_exceeds_the_limit(text: str, limit: int) -> None:
    pieces = split_for_slack(text, limit)

    assert "".join(pieces) == text
    assert all(len(piece) <= limit for piece in pieces)
    assert all(pieces) or pieces == [""]


@given(st.text(alphabet=st.sampled_from("ab \n`"), max_size=2_000), st.integers(60, 300))
def test_a_code_block_cut_in_two_is_closed_and_reopened(text: str, limit: int) -> None:
    text = f"intro\n```\n{text.replace('`', '')}\n```\noutro"
    pieces = split_for_slack(text, limit)

    assert all(len(piece) <= limit and piece.count("```") % 2 == 0 for piece in pieces)
    rejoined = "".join(pieces)
    while (patched := rejoined.replace("\n``````\n", "", 1)) != rejoined:
        rejoined = patched
    assert rejoined == text


def test_splitting_prefers_paragraphs_then_lines_then_words() -> None:
    paragraphs = ["a" * 150, "b" * 150, "c" * 150]
    assert split_for_slack("\n\n".join(paragraphs), 320) == [
        f"{paragraphs[0]}\n\n{paragraphs[1]}\n\n",
        paragraphs[2],
    ]
    assert split_for_slack("word " * 100, 100) == ["word " * 20] * 5


def test_a_link_or_escape_is_never_cut() -> None:
    link = "<https://example.com/" + "p" * 60 + "|a long link label>"
    text = "x" * 40 + " " + link + " &amp;" * 30

    pieces = split_for_slack(text, 100)

    assert "".join(pieces) == text
    assert any(link in piece for piece in pieces)
    assert not any(re.search(r"&[a-z]*$", piece) for piece in pieces[:-1])


def test_the_default_limit_keeps_messages_readable() -> None:
    assert MESSAGE_CHARS <= 3_000


def test_slack_markup_becomes_what_the_user_typed() -> None:
    text = (
        "<@UBOT> ask <@U2> in <#C1|general> about <https://x.io|x.io> and <https://y.io|the docs>, "
        "<!here> &lt;b&gt; &amp; co"
    )
    assert plain_text(text, "UBOT") == (
        "ask @U2 in #general about x.io and the docs (https://y.io), @here <b> & co"
    )


@pytest.mark.parametrize(
    ("event", "verdict"),
    [
        ({"channel_type": "im", "text": "hi", "user": "U1", "ts": "1"}, Addressed.YES),
        (
            {"channel_type": "im", "text": "hi", "user": "U1", "ts": "1", "subtype": "file_share"},
            Addressed.YES,
        ),
        (
            {"channel_type": "im", "text": "hi", "user": "U1", "ts": "1", "subtype": "message_changed"},
            Addressed.NO,
        ),
        (
            {"channel_type": "channel", "text": "hi", "user": "U1", "ts": "2", "thread_ts": "1"},
            Addressed.IF_IN_CONVERSATION,
        ),
        (
            {"channel_type": "channel", "text": "<@UBOT> hi", "user": "U1", "ts": "2", "thread_ts": "1"},
            Addressed.NO,
        ),
        ({"channel_type": "channel", "text": "hi", "user": "U1", "ts": "1", "thread_ts": "1"}, Addressed.NO),
        ({"channel_type": "channel", "text": "hi", "user": "U1", "ts": "1"}, Addressed.NO),
        ({"channel_type": "im", "text": "hi", "user": "UBOT", "ts": "1"}, Addressed.NO),
    ],
)
def test_which_message_events_are_for_the_bot(event: dict[str, str], verdict: Addressed) -> None:
    assert addressed(event, "UBOT") is verdict
