"""What must survive a translation, read from both texts by code.

Numbers and times, weekdays and months (CLDR names), URLs and e-mail addresses, emoji, currency
symbols, names, and negation.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections import Counter
from dataclasses import dataclass
from functools import cache
from importlib.resources import files

from babel import Locale, UnknownLocaleError

from skills.translate.calendar import NO_SPACES, calendar_names

_LINK = re.compile(r"https?://[^\s<>\"]+|www\.[^\s<>\"]+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
_NUMBER = re.compile(r"\d+(?:[.,\u00a0\u202f ]\d{3})*(?:[.,]\d+)?")
_ZERO_MINUTES = re.compile(r"(?<=\d)[:.h]00\b")
_CLOCK = re.compile(r"(?<=\d)[:h](?=\d{2}\b)")
_WORD = re.compile(r"[^\W\d_]+(?:['\u2019][^\W\d_]+)?", re.UNICODE)
_CAPITALISED_NOUNS = frozenset({"de", "lb"})
"""Languages that capitalise every noun: a capital there does not mark a name."""
HOURS_ON_A_DIAL = 12
NAME_PREFIX = 4
"""A name may change its ending in translation (London, Londres): its first letters must stay."""


@dataclass(frozen=True, slots=True)
class Invariants:
    """What one text says that a translation must keep."""

    numbers: Counter[str]
    weekdays: Counter[int]
    months: Counter[int]
    links: frozenset[str]
    symbols: Counter[str]
    """Emoji and currency signs."""
    names: frozenset[str]
    negated: bool | None
    """None: no negation words for this language."""
    later_period: bool
    """The text names an afternoon or evening ("3 pm", "nachmittags")."""
    latin: bool


def invariants_of(text: str, language: str) -> Invariants:
    """The invariants of ``text``, written in ``language`` (ISO 639-1)."""
    names = calendar_names(language)
    links = frozenset(link.rstrip(".,;:!?)") for link in _LINK.findall(text))
    plain = _LINK.sub(" ", text)
    weekdays = Counter(names.weekdays_in(plain)) if names else Counter[int]()
    months = Counter(names.months_in(plain)) if names else Counter[int]()
    digits = names.names_removed(plain) if names else plain
    digits = _CLOCK.sub(" ", _ZERO_MINUTES.sub("", digits))
    numbers = Counter(_normalised(found, language) for found in _NUMBER.findall(digits))
    symbols = Counter(ch for ch in plain if unicodedata.category(ch) in {"So", "Sc"})
    return Invariants(
        numbers=numbers,
        weekdays=weekdays,
        months=months,
        links=links,
        symbols=symbols,
        names=_names(plain, language),
        negated=_negated(plain, language),
        later_period=bool(names and names.has_later_period(plain)),
        latin=_latin(plain),
    )


def broken_invariants(source: Invariants, target: Invariants, target_text: str) -> list[str]:
    """What the target lost, changed or added, one short phrase each (empty: everything kept)."""
    problems = _number_problems(source, target)
    english = Locale.parse("en")
    days = {k: str(v) for k, v in english.days["format"]["wide"].items()}
    months = {k: str(v) for k, v in english.months["format"]["wide"].items()}
    problems += _counted(
        "",
        Counter(days[d] for d in source.weekdays.elements()),
        Counter(days[d] for d in target.weekdays.elements()),
    )
    problems += _counted(
        "",
        Counter(months[m] for m in source.months.elements()),
        Counter(months[m] for m in target.months.elements()),
    )
    problems += [f"link {link} missing" for link in sorted(source.links - target.links)]
    problems += _counted("symbol", source.symbols, target.symbols)
    if target.latin:
        lowered = target_text.lower()
        problems += [f"name {name} missing" for name in sorted(source.names) if _name_gone(name, lowered)]
    if source.negated is not None and target.negated is not None and source.negated != target.negated:
        problems.append("negation lost" if source.negated else "negation added")
    return problems


def _number_problems(source: Invariants, target: Invariants) -> list[str]:
    left = Counter(target.numbers)
    problems = []
    for number, count in sorted(source.numbers.items()):
        for _ in range(count):
            if left[number] > 0:
                left[number] -= 1
                later = number.isdigit() and int(number) <= HOURS_ON_A_DIAL
                if later and source.later_period and not target.later_period:
                    problems.append(f"time {number} lost its afternoon")
                continue
            evening = str(int(number) + HOURS_ON_A_DIAL) if number.isdigit() else ""
            if source.later_period and evening and left[evening] > 0:
                left[evening] -= 1
                continue
            problems.append(f"number {number} missing")
    problems += [f"number {number} added" for number, count in sorted(left.items()) for _ in range(count)]
    return problems


def _counted(what: str, source: Counter[str], target: Counter[str]) -> list[str]:
    missing = [f"{what} {key} missing".strip() for key in sorted(source) if target[key] < 1]
    added = [f"{what} {key} added".strip() for key in sorted(target) if source[key] < 1]
    return missing + added


def _normalised(number: str, language: str) -> str:
    decimal = _decimal_symbol(language)
    digits = "".join(ch if ch.isdigit() or ch == decimal else "" for ch in number)
    if decimal in digits:
        whole, _, fraction = digits.partition(decimal)
        fraction = fraction.rstrip("0")
        return f"{int(whole or 0)}.{fraction}" if fraction else str(int(whole or 0))
    return str(int(digits))


@cache
def _decimal_symbol(language: str) -> str:
    try:
        symbols = Locale.parse(language).number_symbols
    except (UnknownLocaleError, ValueError):
        return "."
    table = symbols.get("latn", symbols)
    return str(table.get("decimal", "."))


def _names(text: str, language: str) -> frozenset[str]:
    """Capitalised words not at a sentence start (and not weekdays or months)."""
    if language in _CAPITALISED_NOUNS or language in NO_SPACES:
        return frozenset()
    calendar = calendar_names(language)
    found = set()
    previous = "."
    for match in re.finditer(r"[^\W\d_]+|[.!?:\"\u201c\u00ab\n]", text):
        word = match.group()
        starts_sentence = previous in '.!?:"\u201c\u00ab\n'
        if word[:1].isupper() and len(word) > 1 and not starts_sentence and not word.isupper():
            calendar_word = calendar and (calendar.weekdays_in(word) or calendar.months_in(word))
            if not calendar_word:
                found.add(word)
        previous = word
    return frozenset(found)


def _name_gone(name: str, lowered_target: str) -> bool:
    return name.lower()[:NAME_PREFIX] not in lowered_target


@cache
def _negation_words() -> tuple[dict[str, frozenset[str]], dict[str, tuple[str, ...]]]:
    data = tomllib.loads(files(__package__).joinpath("negation.toml").read_text(encoding="utf-8"))
    words = {lang: frozenset(values) for lang, values in data["words"].items()}
    inside = {lang: tuple(values) for lang, values in data["inside"].items()}
    return words, inside


def _negated(text: str, language: str) -> bool | None:
    words, inside = _negation_words()
    if language in inside:
        return any(mark in text for mark in inside[language])
    if language not in words:
        return None
    lowered = text.lower().replace("\u2019", "'")
    found = set(_WORD.findall(lowered)) | set(re.findall(r"[^\W\d_]+", lowered))
    return bool(found & words[language]) or (language == "en" and "n't" in lowered)


def _latin(text: str) -> bool:
    letters = [ch for ch in text if ch.isalpha()]
    latin = sum(1 for ch in letters if unicodedata.name(ch, "").startswith("LATIN"))
    return not letters or latin * 2 >= len(letters)
