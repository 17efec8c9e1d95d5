"""Confusion sets read from ``confusions.toml``: which words stand for which in a learner's text."""

from __future__ import annotations

import tomllib
from functools import cache
from importlib.resources import files

APOSTROPHES = "'\u2019"


class ConfusionSets:
    """Each word's alternatives, with the name of the set kind it comes from (homophones, agreement...)."""

    def __init__(self, groups: dict[str, list[list[str]]]) -> None:
        self._alternatives: dict[str, list[tuple[str, str]]] = {}
        for kind, sets in groups.items():
            for words in sets:
                for word in words:
                    others = [(other, kind) for other in words if other != word]
                    self._alternatives.setdefault(word, []).extend(others)

    def alternatives(self, word: str, curly: bool = False) -> list[tuple[str, str]]:
        """Alternatives to ``word`` in its case, each with its kind; [] for none.

        Apostrophes are curly when ``word`` has one or ``curly`` says the text writes them so.
        """
        curly = curly or "\u2019" in word
        key = word.lower().replace("\u2019", "'")
        found = []
        for other, kind in self._alternatives.get(key, []):
            written = other.replace("'", "\u2019") if curly else other
            if other == "i":
                written = "I"
            elif word[:1].isupper():
                written = written[:1].upper() + written[1:]
            found.append((written, kind))
        return found


@cache
def shipped_confusions() -> ConfusionSets:
    """The confusion sets shipped in ``confusions.toml`` (read once)."""
    data = tomllib.loads(files(__package__).joinpath("confusions.toml").read_text(encoding="utf-8"))
    return ConfusionSets({kind: table["sets"] for kind, table in data.items()})
