"""Passages cut into statements: the sentences (and list items, table rows) an answer may quote."""

from __future__ import annotations

import re

_BOUNDARY = re.compile(
    r"(?<=[.!?;])\s+(?=[\"'(\[A-Z0-9])"  # a sentence (or clause) ends, and another begins
    r"|\n[ \t]*\n"  # a blank line
    r"|\n(?=[ \t]*(?:[|*+-][ \t]|\d{1,3}(?:\.\d{1,3})*\.?[ \t]|\(?[a-z0-9]{1,3}\)[ \t]|#))"  # items, rows
)
SHORTEST = 12
"""Pieces shorter than this many characters ("a)", "1.") are not statements."""


def statements(text: str) -> list[str]:
    """``text``'s statements in order, each on one line with its spaces collapsed, none twice."""
    found: list[str] = []
    for piece in _BOUNDARY.split(text):
        statement = " ".join(piece.split())
        if len(statement) >= SHORTEST and statement not in found:
            found.append(statement)
    return found
