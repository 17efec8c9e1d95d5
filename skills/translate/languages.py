"""Offline language detection with lingua, restricted to a configured set and loaded once, lazily."""

from __future__ import annotations

import threading

from lingua import IsoCode639_1, Language, LanguageDetector, LanguageDetectorBuilder

DEFAULT_LANGUAGES = ("en", "es", "fr", "de", "it", "pt", "nl", "zh", "ja", "ko")


def language_named(name: str) -> Language | None:
    """The language with this English name or ISO 639-1 code ("German", "de"), if lingua knows it."""
    cleaned = name.strip().lower()
    for parse in (Language.from_str, lambda n: Language.from_iso_code_639_1(IsoCode639_1.from_str(n))):
        try:
            return parse(cleaned)
        except ValueError:
            continue
    return None


def code_of(language: Language) -> str:
    """The lower-case ISO 639-1 code ("de")."""
    return language.iso_code_639_1.name.lower()


def display_name(language: Language) -> str:
    """The English name, capitalised ("German")."""
    return language.name.capitalize()


class Detector:
    """Detects one of the configured languages; the lingua model is built on first use."""

    def __init__(self, languages: tuple[str, ...] = DEFAULT_LANGUAGES) -> None:
        known = [language_named(code) for code in languages]
        unknown = [code for code, lang in zip(languages, known, strict=True) if lang is None]
        if unknown or len(known) < 2:
            raise ValueError(f"need at least two known languages to detect; unknown: {unknown}")
        self.languages = [lang for lang in known if lang is not None]
        self._detector: LanguageDetector | None = None
        self._lock = threading.Lock()

    def detect(self, text: str) -> Language | None:
        """The language of ``text``, or None when it cannot tell (blocking: call in a thread)."""
        with self._lock:
            if self._detector is None:
                self._detector = LanguageDetectorBuilder.from_languages(*self.languages).build()
        return self._detector.detect_language_of(text)
