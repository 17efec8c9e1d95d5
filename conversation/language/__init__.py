"""Language data: control words and request phrases per locale, kept in data files, read by code.

Each locale has a folder (``en/``) of TOML files, one per concern (``order.toml``, ``claims.toml``).
A file holds lists of phrases: plain words, matched whole on a message's normalised words, where
``...`` stands for a gap of one to four words ("what does ... cost"). Code names the lists it reads;
a new locale is a new folder, not new code.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from functools import cache
from importlib.resources import files
from typing import Any

DEFAULT_LOCALE = "en"
GAP = "..."
_GAP_WORDS = r"(?:[a-z0-9?]+ ){1,4}"


def normalise(text: str) -> str:
    """Lower case, curly quotes straightened, apostrophes and dashes turned into spaces."""
    text = text.lower().replace("\u2019", "'").replace("\u2018", "'")
    return re.sub(r"['\u2013\u2014]|(?<=\s)-(?=\s)|-(?=\s)", " ", text).replace("-", " ")


def said(text: str) -> str:
    """The words of ``text`` (normalised, letters and digits, "?" kept) padded with spaces: " how much ? "."""
    return " " + " ".join(re.findall(r"[a-z0-9]+|\?", normalise(text))) + " "


@cache
def phrase_book(name: str, locale: str = DEFAULT_LOCALE) -> dict[str, Any]:
    """The tables of ``<locale>/<name>.toml`` (read once)."""
    text = files(__package__).joinpath(locale, f"{name}.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


class Phrases:
    """A list of phrases matched as whole words in ``said`` text; ``...`` is a gap of 1-4 words."""

    def __init__(self, phrases: Iterable[str]) -> None:
        self._pattern = _compile(_alternatives(phrases))

    def search(self, text: str) -> bool:
        """Whether any phrase occurs in ``text`` (the output of ``said``)."""
        return self._pattern is not None and self._pattern.search(text) is not None

    def starts(self, text: str) -> bool:
        """Whether ``text`` (the output of ``said``) begins with one of the phrases."""
        return self._pattern is not None and self._pattern.match(text, 1) is not None

    def ends(self, text: str) -> list[int]:
        """Where each occurrence ends in ``text`` (the output of ``said``), in order."""
        if self._pattern is None:
            return []
        return [match.end() - 1 for match in self._pattern.finditer(text)]


class Frame(Phrases):
    """Phrase lists in a row, one phrase of each ("i" + "will" + "place"): grammar in code, words in data.

    A list holding "" may be left out; the slot ``GAP`` stands for up to four words of anything.
    """

    def __init__(self, *slots: Iterable[str] | str) -> None:
        parts = []
        for slot in slots:
            listed = [slot] if isinstance(slot, str) else list(slot)
            optional = "" in listed or slot == GAP
            parts.append(f"(?:{_alternatives(listed)})" + ("?" if optional else ""))
        self._pattern = _compile("".join(parts))


def phrases(name: str, key: str, locale: str = DEFAULT_LOCALE) -> Phrases:
    """The phrase list ``key`` of ``<locale>/<name>.toml``, ready to match."""
    return Phrases(phrase_book(name, locale)[key])


def _alternatives(phrases: Iterable[str]) -> str:
    """One regex alternation of the phrases, longest first ("" when there are none)."""
    return "|".join(sorted({_pattern(p) for p in phrases if p.strip()}, key=len, reverse=True))


def _pattern(phrase: str) -> str:
    """Each word followed by its space; a gap is one to four words."""
    return "".join(_GAP_WORDS if word == GAP else re.escape(word) + " " for word in normalise(phrase).split())


def _compile(alternatives: str) -> re.Pattern[str] | None:
    """Phrases found only where a word starts (after a space)."""
    return re.compile(f"(?<= )(?:{alternatives})") if alternatives else None
