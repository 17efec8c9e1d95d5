"""An answer checked by code against the passages it was given.

- A number written in digits that the passages never gave (a year, a phone number, a count) is
  invented: the answer becomes a don't-know.
- A sentence that stops where its value should be ("The dial-in number is [2].") or is nothing
  but markers gives nothing: a don't-know, unless the question asks which section, whose value
  is the cited passage's.
- Asked which section, an answer naming none of its cited passages' sections gets it added.
- A sentence without a marker is given one when a passage holds most of its keywords; one
  citing a passage without its numbers is re-pointed to the passage that gives them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from skills.docs.citations import declines
from skills.docs.hybrid import keywords
from skills.docs.passage import Passage

_MARKERS = r"(?:\s*\[\d+\])+"
_BLANK = re.compile(
    rf"\b(?:is|are|was|were|be|called|named)(?P<markers>{_MARKERS})\s*[.!]?\s*$", re.IGNORECASE
)
_EMPTY = re.compile(rf"^\s*(?:sources?\b)?(?P<markers>{_MARKERS})\s*[.!]?\s*$", re.IGNORECASE)
"""Nothing but markers, perhaps after the prompt's own word for them: "Source [1] [2]"."""
ATTRIBUTED_SHARE = 0.5
"""An uncited sentence is attributed to a passage holding at least this share of its keywords."""
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")
_NUMBER = re.compile(r"\d+(?:[.:/,]\d+)*")
_ORDINAL_SUFFIX = re.compile(r"(?<=\d)(?:st|nd|rd|th)\b", re.IGNORECASE)
_NUMBER_WORDS = {
    word: str(value)
    for value, word in enumerate(
        (
            *("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"),
            *("eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen"),
            *("eighteen", "nineteen", "twenty"),
        )
    )
} | {"thirty": "30", "forty": "40", "fifty": "50", "sixty": "60", "ninety": "90", "hundred": "100"}
_ORDINALS = {
    word: str(value)
    for value, word in enumerate(
        ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth"), 1
    )
}
_ASKS_SECTION = re.compile(
    r"\b(?:which|what)\s+(?:\w+\s+)?(?:section|part|clause|article|condition|paragraph|chapter)s?\b",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Grounded:
    """The answer after the checks, and whether it still answers (False: say you do not know)."""

    text: str
    answers: bool


@dataclass(frozen=True, slots=True)
class _Given:
    """What each passage gives, worked out once per answer: its numbers and its keywords."""

    numbers: list[set[str]]
    words: list[set[str]]

    @classmethod
    def by(cls, passages: Sequence[Passage]) -> _Given:
        numbers = [_numbers(f"{p.text} {p.location}") for p in passages]
        return cls(numbers, [set(words) for words in keywords([p.text for p in passages])])


def ground(text: str, question: str, passages: Sequence[Passage]) -> Grounded:
    """``text`` checked against ``passages`` (its markers already checked to name one of them)."""
    given = _Given.by(passages)
    asked = _numbers(question)
    if not _digits(re.sub(_MARKERS, " ", text)) <= asked.union(*given.numbers):
        return Grounded(text, answers=False)
    asks_section = _ASKS_SECTION.search(question) is not None
    sentences = [s for s in _SENTENCE_END.split(text) if s.strip()]
    said = [s for s in sentences if not _EMPTY.match(s)]
    if not said:
        return _only_markers(text, passages) if asks_section else Grounded(text, answers=False)
    sentences = said
    for i, sentence in enumerate(sentences):
        blank = _BLANK.search(sentence)
        if blank is None:
            continue
        section = _section_of(blank["markers"], passages) if asks_section else None
        if not section:
            return Grounded(text, answers=False)
        cut = blank.start("markers")
        sentences[i] = f"{sentence[:cut]} section {section}{sentence[cut:]}"
    text = " ".join(_pointed(_attributed(sentence, given), asked, given) for sentence in sentences)
    if asks_section:
        text = _with_section(text, passages)
    return Grounded(text, answers=True)


def _only_markers(text: str, passages: Sequence[Passage]) -> Grounded:
    """Asked which section, an answer of nothing but markers: the first cited passage's section."""
    empty = _EMPTY.match(text)
    section = _section_of(empty["markers"], passages) if empty else None
    return (
        Grounded(f"Section {section}{empty['markers']}.", True)
        if empty and section
        else Grounded(text, False)
    )


def _section_of(markers: str, passages: Sequence[Passage]) -> str | None:
    """The section of the passage the first of ``markers`` names."""
    return passages[int(re.findall(r"\d+", markers)[0]) - 1].section


def _attributed(sentence: str, given: _Given) -> str:
    """``sentence``, given a marker when it has none and one passage holds most of its words.

    Small models often leave the markers out; the passage sharing the largest part of the
    sentence's keywords (at least ``ATTRIBUTED_SHARE``) is the one it says.
    """
    words = set(keywords(sentence)[0])
    if re.search(_MARKERS, sentence) or declines(sentence) or not words or not given.words:
        return sentence
    shares = [len(words & held) / len(words) for held in given.words]
    best = max(range(len(shares)), key=shares.__getitem__)
    if shares[best] < ATTRIBUTED_SHARE:
        return sentence
    body = sentence.rstrip()
    end = body[-1] if body[-1] in ".!?" else ""
    return f"{body[: len(body) - len(end)]} [{best + 1}]{end}"


def _pointed(sentence: str, asked: set[str], given: _Given) -> str:
    """``sentence`` citing the passage that gives its numbers, when the one it cites does not."""
    first = re.search(_MARKERS, sentence)
    numbers = _digits(re.sub(_MARKERS, " ", sentence)) - asked
    if first is None or not numbers:
        return sentence
    gives = [numbers <= found for found in given.numbers]
    marked = [int(n) for n in re.findall(r"\[(\d+)\]", sentence)]
    if any(gives[n - 1] for n in marked) or not any(gives):
        return sentence
    rest = re.sub(_MARKERS, "", sentence[first.end() :])
    return f"{sentence[: first.start()]} [{gives.index(True) + 1}]{rest}"


def _with_section(text: str, passages: Sequence[Passage]) -> str:
    """``text``, with the first cited passage's section added when it names none of theirs."""
    cited = dict.fromkeys(int(n) for n in re.findall(r"\[(\d+)\]", text))
    sections = [(n, p.section) for n in cited if (p := passages[n - 1]).section and p.section[0].isdigit()]
    if not sections or any(re.search(rf"(?<![\w.]){re.escape(s)}(?![\w]|\.\d)", text) for _, s in sections):
        return text
    n, section = sections[0]
    return f"{text} That is section {section} [{n}]."


def _numbers(text: str) -> set[str]:
    """The numbers ``text`` gives: "three years (3)", "the third" and "the 3rd" all give {"3"}."""
    spelled = _NUMBER_WORDS | _ORDINALS
    words = {spelled[w] for w in re.findall(r"[a-z]+", text.lower()) if w in spelled}
    return _digits(text) | words


def _digits(text: str) -> set[str]:
    """The numbers ``text`` writes in digits ("3rd" as 3).

    What an answer claims is checked by these alone: "one of the following" or "first, …" in
    prose is not a number the passages must give, while an invented year or phone number is
    written in digits.
    """
    return {n.rstrip(".,:/") for n in _NUMBER.findall(_ORDINAL_SUFFIX.sub("", text))}
