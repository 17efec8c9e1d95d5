"""Buttons under the bot's answers: 👍/👎 votes and a reply's choices, with stable custom_ids.

A button's custom_id carries all its press needs (``cw:vote:up``, ``cw:say:<text>``). The adapter
registers ``DynamicItem`` classes for those ids with the client, so a button on a message posted
before a restart still answers; no view is kept per message.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import discord
from discord import ButtonStyle
from discord.ui import Button, DynamicItem, View

from conversation import Reply

VOTE_ID = "cw:vote:{}"
SAY_ID = "cw:say:{}"
CUSTOM_ID_CHARS = 100
LABEL_CHARS = 80
_STYLES = {"primary": ButtonStyle.primary, "secondary": ButtonStyle.secondary, "danger": ButtonStyle.danger}
_VOTES = {"up": ("👍", 1), "down": ("👎", -1)}

Interaction = discord.Interaction[discord.Client]
OnVote = Callable[[Interaction, int], Awaitable[None]]
"""Called with the press and +1 or -1."""
OnSay = Callable[[Interaction, str], Awaitable[None]]
"""Called with the press and the text the chosen button says for its user."""


def reply_view(reply: Reply) -> View | None:
    """The buttons under ``reply``: its choices, then 👍 and 👎; None for notices and private replies."""
    if reply.notice or reply.ephemeral:
        return None
    view = View(timeout=None)
    for choice in reply.choices:
        custom_id = SAY_ID.format(choice.text)
        if len(custom_id) <= CUSTOM_ID_CHARS:
            style = _STYLES.get(choice.style, ButtonStyle.secondary)
            view.add_item(Button(label=choice.label[:LABEL_CHARS], style=style, custom_id=custom_id))
    for vote, (emoji, _score) in _VOTES.items():
        view.add_item(Button(emoji=emoji, style=ButtonStyle.secondary, custom_id=VOTE_ID.format(vote)))
    view.stop()  # sent as components only: the dynamic items answer the presses
    return view


def dynamic_buttons(on_vote: OnVote, on_say: OnSay) -> tuple[type[DynamicItem[Any]], ...]:
    """The DynamicItem classes that answer presses of ``reply_view``'s buttons, for one adapter."""

    class VoteButton(DynamicItem[Button[View]], template=r"cw:vote:(?P<vote>up|down)"):
        def __init__(self, vote: str) -> None:
            super().__init__(Button(custom_id=VOTE_ID.format(vote)))
            self.score = _VOTES[vote][1]

        @classmethod
        async def from_custom_id(
            cls, interaction: Interaction, item: discord.ui.Item[Any], match: Any, /
        ) -> VoteButton:
            return cls(match["vote"])

        async def callback(self, interaction: Interaction) -> None:
            await on_vote(interaction, self.score)

    class SayButton(DynamicItem[Button[View]], template=r"cw:say:(?P<text>.+)"):
        def __init__(self, text: str) -> None:
            super().__init__(Button(custom_id=SAY_ID.format(text)))
            self.text = text

        @classmethod
        async def from_custom_id(
            cls, interaction: Interaction, item: discord.ui.Item[Any], match: Any, /
        ) -> SayButton:
            return cls(match["text"])

        async def callback(self, interaction: Interaction) -> None:
            await on_say(interaction, self.text)

    return VoteButton, SayButton
