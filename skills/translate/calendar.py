"""Weekday, month and day-period names of a language, from Babel's CLDR data (no hand-written lists).

Inflected forms ("в среду", "maanantaina", "montags") are matched by stem: a word matches a name
when it starts with the name less its last two letters (at least four letters of it), and the
longest matching stem wins. Languages written without spaces (Japanese, Chinese) match inside text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from babel import Locale, UnknownLocaleError

_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
NO_SPACES = frozenset({"ja", "zh", "th", "ko"})
"""Languages whose names are found inside the text rather than word by word (Korean days end in 요일)."""
LATER_PERIODS = ("pm", "afternoon1", "afternoon2", "evening1", "evening2", "night1", "night2")
"""CLDR day periods after noon: "3 pm" may be written as 3 with one of these, or as 15."""
_MIN_STEM = 4
_TRIMMED = 2


@dataclass(frozen=True, slots=True)
class CalendarNames:
    """One language's names: weekday stems -> 0..6 (Monday 0), month stems -> 1..12, later day periods."""

    language: str
    weekdays: dict[str, int]
    months: dict[str, int]
    later_periods: tuple[str, ...]
    capitalised: bool = False
    """The language writes these names with a capital (English, German): "may" is no month there."""

    def weekdays_in(self, text: str) -> list[int]:
        """The weekdays named in ``text`` (Monday 0), in order."""
        return self._found(text, self.weekdays)

    def months_in(self, text: str) -> list[int]:
        """The months named in ``text`` (January 1), in order."""
        return self._found(text, self.months)

    def names_removed(self, text: str) -> str:
        """``text`` with weekday and month names blanked ("3月" is March, not the number 3)."""
        stems = sorted({*self.weekdays, *self.months}, key=len, reverse=True)
        if self.language in NO_SPACES:
            for stem in stems:
                text = text.replace(stem, " ")
            return text
        names = self.weekdays | self.months
        words = {w for w in _WORD.findall(text) if _best(w.lower(), names) is not None}
        return _WORD.sub(lambda m: " " if m.group() in words else m.group(), text)

    def renamed(self, text: str, weekday: bool, old: int, new: int) -> str:
        """``text`` with the name of weekday (or month) ``old`` replaced by CLDR's name of ``new``."""
        names = self.weekdays if weekday else self.months
        locale = Locale.parse(self.language)
        table = locale.days if weekday else locale.months
        name = str(table["format"]["wide"][new])
        if self.language in NO_SPACES:
            for stem in sorted((s for s, v in names.items() if v == old), key=len, reverse=True):
                if stem in text:
                    return text.replace(stem, name, 1)
            return text
        for match in _WORD.finditer(text):
            if _best(match.group().lower(), names) == old:
                written = name[:1].upper() + name[1:] if match.group()[:1].isupper() else name
                return text[: match.start()] + written + text[match.end() :]
        return text

    def has_later_period(self, text: str) -> bool:
        """Whether ``text`` names an afternoon, evening or night period ("PM", "nachmittags", "午後")."""
        lowered = text.lower()
        return any(period.lower() in lowered for period in self.later_periods)

    def _found(self, text: str, names: dict[str, int]) -> list[int]:
        if self.language in NO_SPACES:
            return _inside(text.lower(), names)
        words = [w for w in _WORD.findall(text) if not self.capitalised or w[:1].isupper()]
        return [value for word in words if (value := _best(word.lower(), names)) is not None]


@cache
def calendar_names(language: str) -> CalendarNames | None:
    """The names of ``language`` (an ISO 639-1 code) from CLDR, or None when Babel has no such locale."""
    try:
        locale = Locale.parse(language)
    except (UnknownLocaleError, ValueError):
        return None
    weekdays = _stems(locale.days, language)
    months = _stems(locale.months, language)
    periods = locale.day_periods
    later = {
        str(name)
        for context in ("format", "stand-alone")
        for width in ("wide", "abbreviated")
        for key, name in periods.get(context, {}).get(width, {}).items()
        if key in LATER_PERIODS and len(str(name)) > 1
    }
    capitalised = str(locale.days["format"]["wide"][0])[:1].isupper()
    return CalendarNames(language, weekdays, months, tuple(sorted(later)), capitalised)


def _stems(table: object, language: str) -> dict[str, int]:
    stems: dict[str, int] = {}
    contexts = table if isinstance(table, dict) or hasattr(table, "get") else {}
    for context in ("format", "stand-alone"):
        for width in ("wide", "abbreviated"):
            names = contexts.get(context, {}).get(width, {})
            for value, name in names.items():
                cleaned = str(name).lower().rstrip(".")
                if width == "abbreviated" and language not in NO_SPACES and len(cleaned) < _MIN_STEM:
                    continue
                stems.setdefault(_stem(cleaned, language), int(value))
    return stems


def _stem(name: str, language: str) -> str:
    if language in NO_SPACES or len(name) <= _MIN_STEM:
        return name
    return name[: max(_MIN_STEM, len(name) - _TRIMMED)]


def _best(word: str, names: dict[str, int]) -> int | None:
    matching = [stem for stem in names if word.startswith(stem) and len(word) <= len(stem) + 6]
    return names[max(matching, key=len)] if matching else None


def _inside(text: str, names: dict[str, int]) -> list[int]:
    found: list[tuple[int, int]] = []
    taken: list[tuple[int, int]] = []
    for stem in sorted(names, key=len, reverse=True):
        for match in re.finditer(re.escape(stem), text):
            span = match.span()
            if not any(span[0] < end and start < span[1] for start, end in taken):
                taken.append(span)
                found.append((span[0], names[stem]))
    return [value for _, value in sorted(found)]
