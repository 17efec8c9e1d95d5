"""The specific details of a review, found by code: its content words and one short noun phrase."""

from __future__ import annotations

import re

from skills.reply.request import sentiment_cue

_WORD = re.compile(r"[A-Za-z][A-Za-z0-9'\u2019-]*|\d+[A-Za-z][A-Za-z0-9-]*")
_SUFFIX = re.compile(r"(?:ing|ed|es|s|ly)$")


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_DETERMINER = _words("the my this that these those our your his her their its a an")
_FUNCTION = _words(
    """about above after again against all also although am and any are aren't as at be because been
    before being below between both but by can can't cannot could couldn't did didn't do does doesn't
    doing don't down during each even ever every few for from further had hadn't has hasn't have
    haven't having he her here hers herself him himself his how however i i'm i've if in into is isn't
    it it's its itself just let's me more most much must my myself no nor not now of off on once only
    or other ought our ours ourselves out over own same she should shouldn't so some still such than
    that that's the their theirs them themselves then there there's these they they're this those
    though through to too under until up upon us very was wasn't we we're were weren't what when where
    which while who whom why will with won't would wouldn't yet you you're your yours yourself"""
)
_GENERIC = _words(
    """absolutely actually again almost always amazing annoying another anything anyway arrived awful
    away awesome back bad best better bit bought broke broken buy came come company complaint
    customer customers day days definitely delivered delivery disappointed disappointing disappointment
    done easy else enough everything excellent experience fantastic feedback fine first five four
    friend get gets getting give good got great happy hate horrible hour hours issue issues item items
    keep kind last late like liked little long lot love loved made make many maybe minute minutes
    month months never new next nice nothing okay one order ordered people perfect pleased poor
    pretty probably problem problems product products purchase purchased quality quite rather really
    received recommend recommended review reviews right said say second service seems should simply
    something soon star stars still stopped sure terrible thank thanks thing things think three time
    times today took totally tried try two use used using want wanted way week weeks well went whole
    wonderful work worked working worse worst would wrong year years yesterday
    costs does feels fits gets goes has holds keeps looks makes needs runs seems smells sounds takes
    tastes works"""
)
"""Words every review or reply may say: naming one is not naming a detail of this review."""
_PHRASE_WORDS = 3


def stem(word: str) -> str:
    """A crude stem, so "cracked" meets "crack" and "lids" meets "lid"."""
    lowered = word.lower().replace("\u2019", "'")
    stripped = _SUFFIX.sub("", lowered)
    return stripped if len(stripped) >= 3 else lowered


def _content(word: str) -> bool:
    lowered = word.lower().replace("\u2019", "'")
    return len(lowered) >= 3 and lowered not in _FUNCTION and lowered not in _GENERIC


def content_terms(text: str) -> frozenset[str]:
    """Stems of the words of ``text`` that name something specific (no function or stock words)."""
    return frozenset(stem(word) for word in _WORD.findall(text) if _content(word))


def detail_phrase(review: str) -> str | None:
    """A short noun phrase naming what the review is about ("the pizza cutter"), or None.

    The first run of content words after a determiner ("The pizza cutter arrived bent" -> "pizza
    cutter"), stopping at a word that looks like a verb or adverb; else the first content word.
    """
    words = _WORD.findall(review)
    for index, word in enumerate(words):
        if word.lower() in _DETERMINER:
            phrase = _noun_run(words[index + 1 : index + 1 + _PHRASE_WORDS])
            if phrase:
                return f"the {phrase}"
    first = next((word for word in words if _nameable(word) and not _verb_like(word, "ing")), None)
    return None if first is None else f"the {first.lower() if first.istitle() else first}"


def _noun_run(words: list[str]) -> str:
    run: list[str] = []
    for word in words:
        if not _nameable(word) or _verb_like(word):
            break
        run.append(word.strip("'\u2019-"))
    return " ".join(run)


def _nameable(word: str) -> bool:
    return _content(word) and not sentiment_cue(word)


def _verb_like(word: str, *endings: str) -> bool:
    """Ends like a past tense or an adverb (or one of ``endings``): "arrived", "quickly"."""
    return word.lower().endswith(("ed", "ly", *endings)) and len(word) > 4
