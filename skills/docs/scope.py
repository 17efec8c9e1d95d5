"""Documents a question names ("under the LGPL 2.1", "in the ops guide"): the search keeps to them.

Names come from each file's stem (``LGPL-2.1``: "LGPL 2.1", "LGPLv2.1", "LGPL version 2.1",
and "LGPL" alone while no other file is an LGPL) and its title line ("GNU Lesser General Public
License"). A name followed by another version ("GPLv3" beside ``GPL-2``) names nothing here.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from itertools import pairwise
from pathlib import PurePath

_STEM_PART = re.compile(r"[A-Za-z]+\d*|\d+(?:\.\d+)*")
_VERSION_WORD = r"[\s_-]*(?:v(?:ersion)?\.?)?[\s_-]*"
_WORD_END = r"(?!(?!v\.?\s*\d)[A-Za-z])"
"""The end of a word: no letter follows, unless it is a version's "v" ("GPLv2")."""
_DOCUMENT_NOUN = (
    r"(?:licen[cs]es?|guides?|handbook|manual|polic(?:y|ies)|doc(?:ument)?s?|files?|pages?|notes"
    r"|spec(?:ification)?s?|readme|faq|runbook|playbook|terms)\b"
)
_TITLE_WORDS = (2, 8)
"""A title line is a name when it has this many words (one word is too vague, a sentence too long)."""


@dataclass(frozen=True, slots=True)
class _Name:
    file: str
    pattern: re.Pattern[str]


@dataclass(frozen=True, slots=True)
class _Mention:
    file: str
    start: int
    end: int


class DocumentNames:
    """The names of a collection's files, and which of them a question mentions."""

    def __init__(self, titles: Mapping[str, str]) -> None:
        """``titles`` maps each file name to its title line ("" when it has none)."""
        stems = {file: _stem_parts(file) for file in titles}
        shared = Counter(" ".join(words) for words, _ in stems.values())
        self._names = [
            _Name(file, pattern)
            for file, title in titles.items()
            for pattern in _patterns(*stems[file], unique=shared[" ".join(stems[file][0])] == 1, title=title)
        ]
        self.files = frozenset(titles)

    def named_in(self, question: str) -> frozenset[str]:
        """The files ``question`` names; a mention inside a longer one of another file does not count."""
        mentions = [
            _Mention(name.file, found.start(), found.end())
            for name in self._names
            for found in name.pattern.finditer(question)
        ]
        return frozenset(
            mention.file
            for mention in mentions
            if not any(_inside(mention, other) for other in mentions if other.file != mention.file)
        )


def _inside(mention: _Mention, other: _Mention) -> bool:
    longer = other.end - other.start > mention.end - mention.start
    return longer and other.start <= mention.start and mention.end <= other.end


def _stem_parts(file: str) -> tuple[list[str], str | None]:
    """A stem's words and its version: ``LGPL-2.1`` -> (["lgpl"], "2.1")."""
    parts = _STEM_PART.findall(PurePath(file).stem)
    words = [p.lower() for p in parts if not p[0].isdigit()]
    version = next((p for p in parts if p[0].isdigit()), None)
    return words, version


def _patterns(
    words: list[str], version: str | None, *, unique: bool, title: str
) -> Iterator[re.Pattern[str]]:
    if not words:
        return
    later_version = rf"(?!{_VERSION_WORD}\d)"
    if version is not None:
        yield _words(words, rf"{_VERSION_WORD}{_version(version)}")
    if unique and len(words) == 1:
        yield _one_word(words[0], later_version)
    elif unique:
        yield _words(words, later_version)
        if len(words) > 2:
            for pair in pairwise(words):
                yield _words(list(pair), later_version)
    title_words = re.findall(r"[A-Za-z0-9]+", title)
    if _TITLE_WORDS[0] <= len(title_words) <= _TITLE_WORDS[1]:
        named = [w.lower() for w in title_words if w.lower() != "the"]
        yield _words(named, rf"(?:{_VERSION_WORD}{_version(version)})?" if version else "")


def _words(words: list[str], after: str) -> re.Pattern[str]:
    """Whole words in order, separated by spaces, hyphens or underscores, then ``after``."""
    body = r"[\s_-]*".join(re.escape(w) for w in words)
    return re.compile(rf"(?<![A-Za-z0-9]){body}{_WORD_END}{after}", re.IGNORECASE)


def _one_word(word: str, after: str) -> re.Pattern[str]:
    """A one-word stem as a name: written as one ("BSD", "Artistic") or followed by what it is.

    Alone, "index" or "notes" is too common a word: "the bsd licence" names ``BSD.txt``, "how do I
    rebuild the index?" does not name ``index.html``.
    """
    capitalised = rf"(?-i:{re.escape(word[0].upper())})(?i:{re.escape(word[1:])})"
    described = rf"{re.escape(word)}{_WORD_END}{after}(?=[\s_-]+{_DOCUMENT_NOUN})"
    return re.compile(rf"(?<![A-Za-z0-9])(?:{capitalised}{_WORD_END}{after}|(?i:{described}))", re.IGNORECASE)


def _version(version: str) -> str:
    """``2.1`` as written, and ``1.0`` also as ``1``: never the start of a longer number."""
    core = re.sub(r"(?:\.0)+$", "", version)
    return rf"{re.escape(core)}(?:\.0)*(?![.\d]*\d)"


class Scope:
    """Which nodes each file holds, and the nodes of the files a question names."""

    def __init__(self, node_files: Mapping[str, str], titles: Mapping[str, str]) -> None:
        """``node_files`` maps each embedded node id to its file; ``titles`` each file to its title."""
        self.names = DocumentNames(titles)
        self._nodes: dict[str, list[str]] = {}
        for node_id, file in node_files.items():
            self._nodes.setdefault(file, []).append(node_id)

    def among(self, question: str) -> list[str] | None:
        """The node ids of the files ``question`` names; None when it names none (or every one)."""
        named = self.names.named_in(question)
        if not named or named >= self.names.files:
            return None
        return [node_id for file in sorted(named) for node_id in self._nodes.get(file, ())]
