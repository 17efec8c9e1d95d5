"""Document structure: numbered sections and headings become the section every chunk is cited by.

A section has a ``label`` (what a citation shows: the number "3.2", or the heading's text when it
has no number) and a ``path`` (the headings above it and its own, indexed with the text so a
question naming a section title finds it).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

_NUMBERED = re.compile(r"^(?P<number>\d{1,3}(?:\.\d{1,3})*)(?P<dot>\.?)[ \t]+(?P<title>\S.*)$")
_TEXT_CLAUSE = re.compile(
    r"^[ \t]{0,8}(?P<number>\d{1,3}(?:\.\d{1,3})*)(?P<dot>\.?)[ \t]+(?P<rest>[\"'(A-Za-z].*)$"
)
_TEXT_HEADING = re.compile(r"^[ \t]*(?P<title>[A-Z][\w'\"-]*(?:[ \t]+[\w'\",()&/-]+){0,7}):?[ \t]*$")
TITLE_CHARS = 60
"""Longest title kept from a numbered clause's first line (plain text has no separate title)."""


@dataclass(frozen=True, slots=True)
class Heading:
    """A section's number (or None) and its title."""

    number: str | None
    title: str

    @property
    def label(self) -> str:
        """What a citation names: the number when there is one, else the title."""
        return self.number or self.title

    @property
    def line(self) -> str:
        """The heading as one line: ``3.2 Availability of Source Code``."""
        return f"{self.number} {self.title}".strip() if self.number else self.title


def parse_heading(text: str) -> Heading:
    """A Markdown/HTML/PDF heading's number and title: ``"5.3 Restore drills"`` -> 5.3."""
    text = " ".join(text.split()).strip("#").strip()
    match = _NUMBERED.match(text)
    if match is None:
        return Heading(None, text)
    return Heading(match["number"], _short_title(match["title"]))


class HeadingTrail:
    """The headings above the current one; entering a heading closes those at its level or deeper."""

    def __init__(self) -> None:
        self._open: list[tuple[int, Heading]] = []

    def enter(self, heading: Heading, level: int) -> dict[str, str]:
        """Open ``heading`` at ``level`` (1 = top); the citation metadata of what follows it."""
        self._open = [(lvl, h) for lvl, h in self._open if lvl < level]
        self._open.append((level, heading))
        return {"section": heading.label, "heading": " > ".join(h.line for _, h in self._open)}


def text_sections(text: str) -> Iterator[tuple[dict[str, str], str]]:
    """Plain text cut at numbered clauses ("3.", "3.2.") and stand-alone heading lines.

    A clause starts a section after a blank line when its top number continues the sequence (the
    same, the next, or a first 0/1), or right after a sentence when it is the next number (a list:
    "are met:" then "1. ..."), so "51 Franklin Street" or "60 days" in running text never does.
    """
    lines = text.splitlines(keepends=True)
    trail = HeadingTrail()
    where: dict[str, str] = {}
    start = 0
    top: int | None = None
    for i, line in enumerate(lines):
        before = lines[i - 1].rstrip() if i else ""
        if before and not before.endswith((".", ":", ";")):
            continue
        heading = _clause(line, top, after_blank=not before) or (None if before else _standalone(lines, i))
        if heading is None:
            continue
        if heading.number is not None:
            top = int(heading.number.split(".")[0])
        yield where, "".join(lines[start:i])
        level = heading.number.count(".") + 1 if heading.number else 1
        where, start = trail.enter(heading, level), i
    yield where, "".join(lines[start:])


def _clause(line: str, top: int | None, *, after_blank: bool) -> Heading | None:
    match = _TEXT_CLAUSE.match(line.rstrip())
    if match is None or (not match["dot"] and "." not in match["number"]):
        return None
    first = int(match["number"].split(".")[0])
    allowed = {0, 1} if top is None else {top, top + 1} if after_blank else {top + 1}
    if first not in allowed or (not after_blank and "." in match["number"]):
        return None
    return Heading(match["number"], _short_title(match["rest"]))


def _standalone(lines: list[str], i: int) -> Heading | None:
    """A short line alone between blank lines, without sentence punctuation: "Definitions:"."""
    following = lines[i + 1] if i + 1 < len(lines) else ""
    match = _TEXT_HEADING.match(lines[i].rstrip())
    if match is None or following.strip():
        return None
    return Heading(None, match["title"].strip())


def _short_title(rest: str) -> str:
    """A clause's first line up to its first full stop, at most ``TITLE_CHARS`` characters."""
    title = re.split(r"(?<=[A-Za-z)])\.(?:\s|$)", rest.strip(), maxsplit=1)[0].strip()
    return title if len(title) <= TITLE_CHARS else title[: TITLE_CHARS - 1].rstrip() + "…"
