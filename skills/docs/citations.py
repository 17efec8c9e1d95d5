"""Inline citation markers checked by code: only markers naming a given passage stay and count."""

from __future__ import annotations

import re

_MARKER = re.compile(r"\[\s*(\d+(?:\s*[,;]\s*\d+)*)\s*\]")
_SPACE_BEFORE_PUNCTUATION = re.compile(r"[ \t]+(?=[.,;:!?])")
_REPEATED_MARKER = re.compile(r"(\[\d+\])(?:\s*\1)+")
_DECLINED = re.compile(
    r"\b(?:(?:do not|don't|cannot|can't|could not|couldn't) (?:know|find|tell|say|answer)"
    r"|no information|not (?:mentioned|stated|specified|covered|say|said) in)\b"
    r"|\bthe (?:sources|documents|passages) do(?: not|n't) (?:say|mention|state|specify|contain|cover)",
    re.IGNORECASE,
)


def check_citations(text: str, passages: int) -> tuple[str, list[int]]:
    """``text`` without markers naming no passage (1..``passages``), and the passages cited, sorted.

    ``[1, 3]`` is kept as ``[1][3]``; ``[7]`` with six passages is dropped with its space; a
    marker repeated (a small model can loop on one) is kept once.
    """
    cited: set[int] = set()

    def keep_valid(marker: re.Match[str]) -> str:
        numbers = [int(n) for n in re.findall(r"\d+", marker.group(1))]
        valid = list(dict.fromkeys(n for n in numbers if 1 <= n <= passages))
        cited.update(valid)
        return "".join(f"[{n}]" for n in valid)

    checked = _SPACE_BEFORE_PUNCTUATION.sub("", _MARKER.sub(keep_valid, text))
    checked = _REPEATED_MARKER.sub(r"\1", checked)
    return re.sub(r"[ \t]{2,}", " ", checked).strip(), sorted(cited)


def declines(text: str) -> bool:
    """True when an answer says it does not know or that the documents do not say."""
    return _DECLINED.search(text) is not None
