"""Pages a reply for Discord: at most 2,000 characters a message, cut on line or word boundaries.

A code block cut by a page break is closed at the end of that page and re-opened, with its
language, at the start of the next, so every page renders on its own. ``rejoin_pages`` removes
exactly those added fences again: ``rejoin_pages(paginate(text)) == text`` for any text.
"""

from __future__ import annotations

from collections.abc import Sequence

DISCORD_LIMIT = 2000
FENCE = "```"
CLOSING = "\n```"
"""Added at the end of a page that stops inside a code block."""
_MAX_LANGUAGE = 32


def paginate(text: str, limit: int = DISCORD_LIMIT) -> list[str]:
    """Split ``text`` into pages of at most ``limit`` characters.

    Characters are counted in UTF-16 units, the strictest way Discord could count them.
    """
    if limit < 4 * _MAX_LANGUAGE:
        raise ValueError(f"a page limit of {limit} leaves no room for re-opened code blocks")
    pages: list[str] = []
    start = 0
    while True:
        language = open_code_block(text[:start])
        opening = "" if language is None else _reopening(language)
        budget = limit - _units(opening)
        if _units(text, start) <= budget:
            pages.append(opening + text[start:])
            return pages
        end = _cut(text, start, budget - len(CLOSING))
        closing = "" if open_code_block(text[:end]) is None else CLOSING
        pages.append(opening + text[start:end] + closing)
        start = end


def rejoin_pages(pages: Sequence[str]) -> str:
    """The text ``paginate`` was given, from its pages (the added fences removed)."""
    text = ""
    for number, page in enumerate(pages):
        body = page
        language = open_code_block(text)
        if language is not None:
            opening = _reopening(language)
            if not body.startswith(opening):
                raise ValueError(f"page {number + 1} does not re-open the code block")
            body = body[len(opening) :]
        is_last = number == len(pages) - 1
        if (
            not is_last
            and body.endswith(CLOSING)
            and open_code_block(text + body[: -len(CLOSING)]) is not None
        ):
            body = body[: -len(CLOSING)]
        text += body
    return text


def open_code_block(text: str) -> str | None:
    """The language of the code block still open at the end of ``text`` ("" if none given), or None.

    A line starting with ``` (after indentation) opens a block, the next such line closes it.
    """
    language: str | None = None
    for line in text.split("\n"):
        stripped = line.lstrip()
        if stripped.startswith(FENCE):
            language = stripped[len(FENCE) :].strip() if language is None else None
    return language


def _reopening(language: str) -> str:
    """The fence that re-opens a block; an unusable language is left out."""
    usable = len(language) <= _MAX_LANGUAGE and FENCE not in language and language.isprintable()
    return f"{FENCE}{language if usable else ''}\n"


def _cut(text: str, start: int, budget: int) -> int:
    """Where the page starting at ``start`` ends: after a newline, else after a space, else anywhere.

    A boundary in the second half of the window is preferred so pages stay full; a forced cut never
    ends on a backtick, so a page never ends on a fence it did not add.
    """
    hard = _fit(text, start, budget)
    window = text[start:hard]
    for minimum in (len(window) // 2, 1):
        for separator in ("\n", " "):
            found = window.rfind(separator)
            if found >= minimum:
                return start + found + 1
    end = hard
    while end > start + 1 and text[end - 1] == "`":
        end -= 1
    return end if text[end - 1] != "`" else hard


def _fit(text: str, start: int, budget: int) -> int:
    """The largest end with ``text[start:end]`` within ``budget`` UTF-16 units (at least one character)."""
    end = min(len(text), start + budget)
    while end > start + 1 and (excess := _units(text[start:end]) - budget) > 0:
        end = max(start + 1, end - (excess + 1) // 2)
    return end


def _units(text: str, start: int = 0) -> int:
    """Length in UTF-16 code units (characters outside the BMP count twice)."""
    return len(text) - start + sum(1 for char in text[start:] if ord(char) > 0xFFFF)
