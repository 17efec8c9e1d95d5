"""Translation requests as people write them, parsed by code into text, targets and registers.

"Translate into Spanish, once formal and once informal: ...", "Can you translate this? ...",
"how do you say 'thank you' in French?", "/translate to German, Spanish: ..." and follow-ups that
only name a language ("and into Italian?") all become one ``TranslateRequest``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lingua import Language

from skills.request_words import LEAD_IN, POLITE, unquote
from skills.translate.languages import language_named

_FLAGS = re.IGNORECASE | re.DOTALL
_WORD = re.compile(r"[^\W\d_]+(?:['\u2019][^\W\d_]+)?")
_NAMES = r"[^\W\d_]+(?:(?:\s*[,/&]\s*|\s+(?:and|or)\s+)[^\W\d_]+)*"
_TAIL = r"(?P<tail>(?:[\s,]+[^\W\d_]+){0,6}?)\s*[?!.]*\s*"
_VERB = r"(?:translat(?:e|ed|ion|ing))"
_ASKER = (
    r"(?:(?:i|i'd|i\u2019d|we|would|can|could|may|need|want|like|to|get|have|please|this|it|that|these"
    r"|the\s+following|a|an)\s+){0,5}?"
)
"""Words before the verb of "I'd like this translated", "can I get a translation"."""
_INLINE = (
    re.compile(
        rf"^\s*{LEAD_IN}{POLITE}(?:how\s+(?:do|would|can|could|should|to|does)\s+(?:(?:you|i|we|one)\s+)?"
        rf"(?:say|write|express|translate|spell)|what(?:'s|\u2019s|\s+is|\s+are|\s+would\s+be)"
        rf"|{_VERB})\s+(?P<text>.+?)\s+(?:in|into|to)\s+(?P<targets>{_NAMES}){_TAIL}$",
        _FLAGS,
    ),
    re.compile(
        rf"^\s*{LEAD_IN}what(?:'s|\u2019s|\s+is)\s+the\s+(?P<targets>{_NAMES})\s+"
        rf"(?:word\s+|phrase\s+|term\s+|expression\s+|translation\s+)?for\s+(?P<text>.+?){_TAIL}$",
        _FLAGS,
    ),
    re.compile(
        rf"^\s*{LEAD_IN}what\s+does\s+(?P<text>.+?)\s+mean(?:\s+in\s+(?P<targets>{_NAMES}))?{_TAIL}$", _FLAGS
    ),
)
"""The text inside the request: "how do you say 'X' in French?", "what's the German word for X?"."""
_CLAUSE_END = r"\s*(?:[:?\n]|\s[-\u2013\u2014]+\s)\s*"
_CLAUSE_CHAR = r"(?:[^:?\n\"'\u201c\u2018\u00ab]|(?<=\w)['\u2019])"
"""A request clause holds no opening quote: a quoted text belongs to an inline request."""
_LEADING = re.compile(
    rf"^\s*(?P<clause>{LEAD_IN}{POLITE}(?:{_ASKER}{_VERB}|(?:in)?to\s|in\s){_CLAUSE_CHAR}{{0,100}}?){_CLAUSE_END}"
    r"(?P<text>.*)$",
    _FLAGS,
)
"""A request clause, then the text: "Translate into English: ...", "/translate to de, es: ..."."""
_TRAILING = re.compile(
    rf"^(?P<text>.+?[.!?\n])\s*(?P<clause>{POLITE}{_VERB}\b[^:?\n]{{0,60}}?)\s*[.!?]*\s*$", _FLAGS
)
"""The text, then the request: "Bonjour tout le monde.\ntranslate to English please"."""
_PREPOSITIONS = frozenset({"to", "into", "in"})
_REGISTERS = {
    "formal": "formal",
    "formally": "formal",
    "polite": "formal",
    "politely": "formal",
    "informal": "informal",
    "informally": "informal",
    "casual": "informal",
    "casually": "informal",
}
_FILLER = frozenset(
    [
        "this",
        "that",
        "it",
        "these",
        "those",
        "the",
        "following",
        "text",
        "sentence",
        "sentences",
        "message",
        "email",
        "line",
        "phrase",
        "word",
        "words",
        "paragraph",
        "below",
        "for",
        "me",
        "us",
        "please",
        "pls",
        "plz",
        "once",
        "both",
        "and",
        "or",
        "version",
        "versions",
        "form",
        "forms",
        "register",
        "registers",
        "a",
        "an",
        "one",
        "quickly",
        "also",
        "too",
        "as",
        "well",
        "language",
        "my",
        "our",
        "here",
        "from",
        "translate",
        "translated",
        "translation",
        "translating",
        "can",
        "could",
        "would",
        "will",
        "you",
        "u",
        "i",
        "need",
        "want",
        "like",
        "to",
        "get",
        "have",
        "so",
        "ok",
        "okay",
        "now",
        "oh",
        "hey",
        "also",
    ]
)
"""Words a request clause may hold besides languages and registers."""
_FOLLOW_UP_WORDS = frozenset(
    [
        "and",
        "now",
        "also",
        "what",
        "how",
        "about",
        "in",
        "into",
        "to",
        "please",
        "pls",
        "too",
        "then",
        "same",
        "the",
        "version",
        "one",
        "ok",
        "okay",
        "as",
        "well",
        "again",
        "can",
        "could",
        "you",
        "do",
        "it",
        "this",
        "that",
        "translate",
        "say",
        "try",
        "thanks",
        "but",
        "a",
        "an",
        "both",
        "once",
        "form",
        "make",
        "more",
        "maybe",
        "for",
    ]
)
_MAX_OTHER_WORDS = 3
_MAX_FOLLOW_UP_WORDS = 8


@dataclass(frozen=True, slots=True)
class TranslateRequest:
    """What to translate ("" when the message names no text), into what, in which registers."""

    text: str
    targets: tuple[Language, ...] = ()
    """Empty: the team's languages (or, in a follow-up, the previous request's)."""
    registers: tuple[str, ...] = ()
    """"formal" and/or "informal"; empty: no register asked for."""
    unknown: tuple[str, ...] = ()
    """Target names that are no language lingua knows ("Klingon")."""
    source: Language | None = None
    """The source language when the request names it ("from Polish")."""


def parse_request(message: str) -> TranslateRequest | None:
    """The translation ``message`` asks for in words, or None when it holds no such request."""
    for pattern in (_LEADING, *_INLINE, _TRAILING):
        found = pattern.match(message)
        if found is None:
            continue
        request = _inline_request(found) if "targets" in pattern.groupindex else _clause_request(found)
        if request is not None:
            return request
    return None


def parse_follow_up(message: str, need_preposition: bool = False) -> TranslateRequest | None:
    """A message that only names languages or registers ("and into Italian?"), as a request without text."""
    words = [word.lower() for word in _WORD.findall(message)]
    if not words or len(words) > _MAX_FOLLOW_UP_WORDS or "?" in message[:-1]:
        return None
    if need_preposition and not {"to", "into", "in", "about"} & set(words):
        return None
    targets = [lang for word in words if word not in _FOLLOW_UP_WORDS and (lang := language_named(word))]
    registers = _registers_in(words)
    rest = [w for w in words if w not in _FOLLOW_UP_WORDS and w not in _REGISTERS and not language_named(w)]
    if rest or not (targets or registers):
        return None
    return TranslateRequest("", tuple(dict.fromkeys(targets)), registers)


def _inline_request(found: re.Match[str]) -> TranslateRequest | None:
    words = _WORD.findall(f"{found.group('targets') or ''} {found.group('tail')}")
    named = {word: None if word.lower() in _FILLER else language_named(word) for word in words}
    targets = tuple(dict.fromkeys(lang for lang in named.values() if lang is not None))
    others = {word.lower() for word, lang in named.items() if lang is None}
    if others - _FILLER - _REGISTERS.keys() or (found.group("targets") and not targets):
        return None
    text = unquote(found.group("text"))
    return TranslateRequest(text, targets, _registers_in(words)) if text else None


def _clause_request(found: re.Match[str]) -> TranslateRequest | None:
    """The request of a clause before or after the text; None when the clause is no request."""
    clause = found.group("clause")
    words = _WORD.findall(clause)
    read = _ClauseWords(words)
    asked = re.search(_VERB, clause, re.IGNORECASE) is not None
    if read.other > _MAX_OTHER_WORDS or not (asked or read.targets or (len(words) == 2 and read.unknown)):
        return None
    text = unquote(found.group("text"))
    return TranslateRequest(text, read.targets, _registers_in(words), read.unknown, read.source)


class _ClauseWords:
    """A request clause's words sorted into source, targets, unknown target names and other words.

    Languages after "to"/"into"/"in" are targets, one after "from" (or before the targets:
    "this Spanish text into English") is the source; with no preposition they are the targets.
    """

    def __init__(self, words: list[str]) -> None:
        before: list[Language] = []
        after: list[Language] = []
        unknown: list[str] = []
        self.source: Language | None = None
        self.other = 0
        for index, word in enumerate(words):
            lowered, previous = word.lower(), words[index - 1].lower() if index else ""
            language = None if lowered in _FILLER else language_named(lowered)
            if previous == "from" and language is not None:
                self.source = language
            elif language is not None:
                (after if _PREPOSITIONS & {w.lower() for w in words[:index]} else before).append(language)
            elif lowered in _FILLER or lowered in _REGISTERS:
                continue
            elif previous in _PREPOSITIONS:
                unknown.append(word)
            else:
                self.other += 1
        self.targets = tuple(dict.fromkeys(after or before))
        self.unknown = tuple(unknown)
        if self.source is None and after and before:
            self.source = before[0]


def _registers_in(words: list[str]) -> tuple[str, ...]:
    lowered = (word.lower() for word in words)
    return tuple(dict.fromkeys(_REGISTERS[word] for word in lowered if word in _REGISTERS))
