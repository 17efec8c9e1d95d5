"""Personal data scrubbing: emails, phone numbers, card numbers and street addresses become tags."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

import phonenumbers

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
CARD_CANDIDATE = re.compile(r"(?<!\d)\d(?:[ -]?\d){12,18}(?!\d)")
STREET_SUFFIXES = (
    "street|st|avenue|ave|road|rd|boulevard|blvd|lane|ln|drive|dr|court|ct|place|pl|"
    "square|sq|terrace|way|close|crescent|parkway|highway|hwy"
)
STREET_ADDRESS = re.compile(
    rf"\b\d{{1,5}}[a-z]?(?:\s+[A-Z][\w'-]*){{1,4}}\s+(?:{STREET_SUFFIXES})\b",
    re.IGNORECASE,
)
DEFAULT_REGIONS = ("US", "GB", "DE", "FR")
"""Regions whose national formats are recognised in numbers written without a country code."""


def luhn_valid(digits: str) -> bool:
    """True when ``digits`` passes the Luhn checksum that payment card numbers carry."""
    total = 0
    for i, char in enumerate(reversed(digits)):
        value = int(char)
        if i % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


class Scrubber:
    """Replaces personal data with ``[EMAIL]``, ``[PHONE]``, ``[CARD]``, ``[ADDRESS]``; counts hits."""

    def __init__(self, regions: Iterable[str] = DEFAULT_REGIONS) -> None:
        self.regions = tuple(regions)
        self.counts: Counter[str] = Counter()

    def scrub(self, text: str) -> str:
        """``text`` with every recognised piece of personal data replaced by its tag."""
        text = self._sub(EMAIL, "[EMAIL]", text)
        text = CARD_CANDIDATE.sub(self._card, text)
        text = self._phones(text)
        return self._sub(STREET_ADDRESS, "[ADDRESS]", text)

    def _sub(self, pattern: re.Pattern[str], tag: str, text: str) -> str:
        text, hits = pattern.subn(tag, text)
        self.counts[tag] += hits
        return text

    def _card(self, match: re.Match[str]) -> str:
        digits = re.sub(r"\D", "", match.group())
        if not luhn_valid(digits):
            return match.group()
        self.counts["[CARD]"] += 1
        return "[CARD]"

    def _phones(self, text: str) -> str:
        for region in self.regions:
            spans = [(m.start, m.end) for m in phonenumbers.PhoneNumberMatcher(text, region)]
            for start, end in reversed(spans):
                text = text[:start] + "[PHONE]" + text[end:]
            self.counts["[PHONE]"] += len(spans)
        return text
