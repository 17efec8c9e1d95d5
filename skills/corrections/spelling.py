"""The spelling pass: words no dictionary knows, and their likeliest corrections (pyspellchecker).

pyspellchecker ships word-frequency dictionaries (English and ten more languages) in the package,
so nothing is downloaded at run time.
"""

from __future__ import annotations

import threading
from functools import cache

from spellchecker import SpellChecker

MAX_SUGGESTIONS = 4


class SpellingPass:
    """Finds unknown words in one language and suggests known words one or two edits away."""

    def __init__(self, language: str = "en") -> None:
        self._checker = SpellChecker(language=language, case_sensitive=False)
        self._lock = threading.Lock()

    def is_checked(self, word: str, first: bool) -> bool:
        """Whether ``word`` is prose to check: letters only, no name (a capital not starting a sentence)."""
        plain = word.replace("\u2019", "'")
        if not plain.replace("'", "").isalpha() or not plain.isascii():
            return False
        return first or not word[:1].isupper()

    def unknown(self, word: str) -> bool:
        """True when the dictionary does not know ``word`` (case and curly apostrophes ignored)."""
        plain = word.lower().replace("\u2019", "'")
        with self._lock:
            return plain not in self._checker

    def suggestions(self, word: str) -> list[str]:
        """Known words for an unknown ``word``, in the word's case.

        First the word with an apostrophe put in ("doesnt" -> "doesn't", "Whats" -> "What's"),
        which edit-distance candidates miss, then the dictionary's likeliest.
        """
        plain = word.lower().replace("\u2019", "'")
        contractions = [f"{plain[:i]}'{plain[i:]}" for i in range(1, len(plain))]
        with self._lock:
            known = [w for w in contractions if w in self._checker]
            found = self._checker.candidates(plain) or set()
            ranked = sorted(found - {plain}, key=lambda w: (-self._checker.word_usage_frequency(w), w))
        apostrophe = "\u2019" if "\u2019" in word else "'"
        suggestions = list(dict.fromkeys([*known, *ranked]))[:MAX_SUGGESTIONS]
        return [_in_case_of(word, w.replace("'", apostrophe)) for w in suggestions]


def _in_case_of(model: str, word: str) -> str:
    if model.isupper() and len(model) > 1:
        return word.upper()
    return word[:1].upper() + word[1:] if model[:1].isupper() else word


@cache
def english_spelling() -> SpellingPass:
    """The English spelling pass, loaded once per process (about a second)."""
    return SpellingPass("en")
