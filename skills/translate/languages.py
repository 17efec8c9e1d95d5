"""Offline language detection with lingua: every language it knows, or a configured subset.

Building the model for all 75 languages takes seconds, so it is built lazily, once per language
set, and shared by every detector in the process; callers run detection off the event loop.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from lingua import IsoCode639_1, Language, LanguageDetector, LanguageDetectorBuilder

SURE_FROM = 0.5
"""From this confidence (lingua's relative probability of the best language) detection is sure."""
SURE_LEAD = 2.0
"""Below SURE_FROM, detection is still sure when the best language is this many times likelier than
the next (a short English sentence scores ~0.4 among 75 languages, the next ~0.07)."""
_ALIASES = {
    "mandarin": "chinese",
    "cantonese": "chinese",
    "farsi": "persian",
    "castilian": "spanish",
    "brazilian": "portuguese",
    "flemish": "dutch",
    "filipino": "tagalog",
    "norwegian": "bokmal",
}
"""Other English names people use for a language lingua knows under one name."""


def code_of(language: Language) -> str:
    """The lower-case ISO 639-1 code ("de")."""
    return language.iso_code_639_1.name.lower()


def display_name(language: Language) -> str:
    """The English name, capitalised ("German")."""
    return language.name.capitalize()


def language_named(name: str) -> Language | None:
    """The language with this English name or ISO 639-1 code ("German", "de"), if lingua knows it."""
    cleaned = name.strip().lower()
    cleaned = _ALIASES.get(cleaned, cleaned)
    for parse in (Language.from_str, lambda n: Language.from_iso_code_639_1(IsoCode639_1.from_str(n))):
        try:
            return parse(cleaned)
        except ValueError:
            continue
    return None


DEFAULT_LANGUAGES = tuple(sorted(code_of(language) for language in Language.all()))
"""Every language lingua detects by default (75), as ISO 639-1 codes."""


@dataclass(frozen=True, slots=True)
class Detection:
    """The most likely language of a text and how sure the detector is."""

    language: Language
    confidence: float
    runner_up: float = 0.0
    """The confidence of the next likeliest language."""

    @property
    def sure(self) -> bool:
        """False when the text is too short or too mixed to tell its language well."""
        return self.confidence >= SURE_FROM or self.confidence >= SURE_LEAD * self.runner_up


_MODELS: dict[frozenset[Language], LanguageDetector] = {}
_MODELS_LOCK = threading.Lock()


def _model_for(languages: frozenset[Language]) -> LanguageDetector:
    with _MODELS_LOCK:
        if languages not in _MODELS:
            _MODELS[languages] = LanguageDetectorBuilder.from_languages(*languages).build()
        return _MODELS[languages]


class Detector:
    """Detects one of the configured languages; the shared lingua model is built on first use."""

    def __init__(self, languages: tuple[str, ...] = DEFAULT_LANGUAGES) -> None:
        known = [language_named(code) for code in languages]
        unknown = [code for code, lang in zip(languages, known, strict=True) if lang is None]
        if unknown or len(known) < 2:
            raise ValueError(f"need at least two known languages to detect; unknown: {unknown}")
        self.languages = frozenset(lang for lang in known if lang is not None)

    def assess(self, text: str) -> Detection | None:
        """The likeliest language of ``text`` with its confidence, None for no letters (blocking)."""
        values = _model_for(self.languages).compute_language_confidence_values(text)
        if not values or values[0].value <= 0:
            return None
        runner_up = values[1].value if len(values) > 1 else 0.0
        return Detection(values[0].language, values[0].value, runner_up)

    def detect(self, text: str) -> Language | None:
        """The language of ``text``, or None when it cannot tell (blocking: call in a thread)."""
        found = self.assess(text)
        return None if found is None else found.language
