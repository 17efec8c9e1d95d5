"""A translation repaired by code where code can see what is wrong.

One weekday or month named for another (CLDR's name put back), or an afternoon hour written as
a morning one ("3 Uhr" -> "15 Uhr").

The repaired text is one more candidate: it is translated back and checked like the model's.
"""

from __future__ import annotations

import re
from collections import Counter

from skills.translate.calendar import calendar_names
from skills.translate.invariants import HOURS_ON_A_DIAL, Invariants, invariants_of


def repaired(text: str, source: Invariants, language: str) -> str | None:
    """``text`` with its swapped names and lost afternoon fixed, or None when nothing could be."""
    names = calendar_names(language)
    if names is None:
        return None
    found = invariants_of(text, language)
    fixed = text
    for weekday, expected, present in (
        (True, source.weekdays, found.weekdays),
        (False, source.months, found.months),
    ):
        missing, extra = list((expected - present).elements()), list((present - expected).elements())
        if len(missing) == len(extra) == 1:
            fixed = names.renamed(fixed, weekday, extra[0], missing[0])
    if source.later_period and not found.later_period:
        fixed = _afternoon(fixed, source.numbers, found.numbers)
    return fixed if fixed != text else None


def _afternoon(text: str, expected: Counter[str], present: Counter[str]) -> str:
    for number in expected:
        if number.isdigit() and int(number) < HOURS_ON_A_DIAL and present[number] > 0:
            later = str(int(number) + HOURS_ON_A_DIAL)
            text = re.sub(rf"(?<![\d.,:]){number}(?![\d.,:]\d)", later, text, count=1)
    return text
