"""Global intents: what a message means the same way on every surface, whatever skill is open.

Help ("help", "what can you do?"), cancel ("cancel", "never mind"), a bare greeting and a bare
thanks are told apart by code from the whole message, so "hi, a large pepperoni please" is not a
greeting and "thanks! and a small coke" is not a thanks: only messages that say nothing else.
"""

from __future__ import annotations

import re
from typing import Literal

GlobalIntent = Literal["help", "cancel", "greeting", "thanks"]

_FILLER = (
    r"(?:\s*(?:please|pls|thanks|now|again|then|ok|okay|hey|hi|so|um|uh|wait|oh|hmm|sorry|actually|just"
    r"|bot|chatwright)\b[\s,]*)*"
)
_END = r"[\s!?.,:;)(]*$"


def _whole(body: str) -> re.Pattern[str]:
    return re.compile(rf"^[\s,]*{_FILLER}(?:{body}){_FILLER}{_END}", re.IGNORECASE)


_PATTERNS: list[tuple[GlobalIntent, re.Pattern[str]]] = [
    (
        "help",
        _whole(
            r"help(?:\s+me)?|/?commands|menu of commands|how does this work|how do (?:i|you) use (?:this|you)"
            r"|what (?:else )?(?:can|could|do) you do(?: (?:for me|besides [\w\s]+|other than [\w\s]+|here))?"
            r"|(?:what|how) (?:else )?(?:can|could) you help(?: me| us)?(?: with)?(?: here| today)?"
            r"|what (?:kind|sorts?) of (?:things|stuff|tasks) (?:can|could|do) you"
            r" (?:do|help(?: me| us)? with)"
            r"|what (?:is|are) you (?:for|here for)|what do you do"
            r"|what (?:are|r) (?:your|the) (?:skills|commands|features|options)"
            r"|what (?:skills|commands|features) (?:do you have|are there|can i use)"
            r"|what (?:are|r) you (?:able to do|good (?:at|for))|who are you and what can you do"
            r"|(?:show|list|tell) me (?:your|the) (?:skills|commands|features)"
        ),
    ),
    (
        "cancel",
        _whole(
            r"(?:cancel|stop|abort|quit)(?:\s+(?:it|that|this|everything|the whole thing))?"
            r"|(?:cancel|stop|abort) (?:my|the|this|that)(?: whole| entire)? (?:order|request|thing)"
            r"|never\s?mind|forget (?:it|about it)|nvm"
        ),
    ),
    (
        "greeting",
        _whole(
            r"(?:hi|hello|hey|hiya|howdy|yo|hallo|greetings|good (?:morning|afternoon|evening|day))"
            r"(?: there| all| everyone| folks| team)?"
        ),
    ),
    (
        "thanks",
        _whole(
            r"(?:thanks?|thank you|thx|ty|cheers|much appreciated|appreciate it)"
            r"(?: (?:so|very) much| a lot| a bunch| again| for (?:the|your) help)?"
        ),
    ),
]


def global_intent(text: str) -> GlobalIntent | None:
    """The global intent that ``text`` is, as a whole message; None for anything else."""
    stripped = text.strip()
    if len(stripped) > 80:
        return None
    return next((intent for intent, pattern in _PATTERNS if pattern.match(stripped)), None)
