"""How people open a request in chat: lead-ins ("oh, and"), politeness ("could you please"), quotes.

Shared by the skills that split a request's wording from the text it is about, in code.
"""

from __future__ import annotations

LEAD_IN = (
    r"(?:[^,;:?!.\n\"'\u201c\u2018]{1,40}[,;:!]\s+){0,2}"
    r"(?:(?:and|so|also|oh|ok|okay|but|then|now|hey|hi|hello|btw|quick\s+question)[,:!]?\s+)*"
)
"""A short opening before the request itself: "before I forget, ", "oh, and ", "quick question: "."""
POLITE = (
    r"(?:(?:please|pls|plz|kindly)\s+)?"
    r"(?:(?:can|could|would|will)\s+(?:you|u)\s+(?:please\s+|pls\s+|kindly\s+|quickly\s+)?"
    r"|would\s+you\s+mind\s+"
    r"|i(?:\s+(?:need|want|would\s+like)|['\u2019]d\s+like)\s+(?:you\s+)?to\s+"
    r"|help\s+me\s+)?"
)
"""Politeness before a request's verb: "please", "could you please", "I'd like you to"."""
_QUOTE_PAIRS = {
    '"': '"',
    "'": "'",
    "\u201c": "\u201d",
    "\u2018": "\u2019",
    "\u00ab": "\u00bb",
    "\u201e": "\u201c",
}


def unquote(text: str) -> str:
    """``text`` without one pair of quotes around all of it ("'merci'" -> "merci")."""
    stripped = text.strip()
    if len(stripped) > 2 and _QUOTE_PAIRS.get(stripped[0]) == stripped[-1]:
        inner = stripped[1:-1].strip()
        if f" {stripped[0]}" not in inner and f"{stripped[-1]} " not in inner:
            return inner
    return stripped
