"""Reading a reply request by code: is it one, where the review starts, and the review's sentiment cues."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal, get_args

Sentiment = Literal["positive", "neutral", "negative"]
SENTIMENTS: tuple[Sentiment, ...] = get_args(Sentiment)

_POLITE = (
    r"(?:(?:hi|hello|hey)\b[\s,!.]*)?"
    r"(?:(?:please|pls|kindly|can\s+you|could\s+you|would\s+you|will\s+you|help\s+me|"
    r"how\s+(?:should|do|would|can)\s+(?:i|we)|(?:i|we)\s+(?:need|want|would\s+like|'d\s+like)\s+you\s+to)"
    r"[\s,]+)*"
)
_OBJECT = (
    r"(?:to|for|on)\s+(?:(?:this|the|that|these|those|a|an|my|our|following|below|above)\s+)*"
    r"(?P<modifiers>(?:[\w'\u2019-]+,?\s+){0,3}?)"
    r"(?:review|complaint|feedback|comment|rating|e-?mail|message)s?\b"
)
_ASKED = re.compile(
    rf"^\s*{_POLITE}(?:"
    r"(?:write|draft|compose|prepare|create|generate|craft|produce|suggest|give\s+me|"
    r"(?:i|we)\s+(?:need|want|would\s+like|'d\s+like))\s+(?:(?:a|an|the|some)\s+)?"
    r"(?:[\w'\u2019-]+,?\s+){0,3}?(?:reply|replies|response|answer|e-?mail|letter)\s+"
    rf"{_OBJECT}"
    r"|(?:reply|respond|answer|write\s+back)\s+(?:to\s+)?"
    r"(?:(?:this|the|that|these|those|a|an|my|our|following)\s+)+"
    r"(?P<modifiers2>(?:[\w'\u2019-]+,?\s+){0,3}?)"
    r"(?:review|complaint|feedback|comment|rating|e-?mail|message)s?\b"
    r")",
    re.IGNORECASE,
)
"""A request for a reply in so many words: a writing verb with "a reply to this ... review", or
"reply/respond/answer (to) this ... complaint", after an optional polite opening."""
_HEAD = re.compile(r"[^:\n?!.]{0,200}")
_TERMINATORS = ":\n?!."
_GIVEN = re.compile(r"^(?P<sentiment>positive|neutral|negative)\s*(?:review)?\s*:\s*", re.IGNORECASE)
_QUOTES = "\"'\u201c\u201d\u2018\u2019`«» \n\t"


@dataclass(frozen=True, slots=True)
class ReviewRequest:
    """The review to answer and its sentiment when the request gives it ("negative: ...")."""

    review: str
    sentiment: Sentiment | None


def recognises_request(text: str) -> bool:
    """True when ``text`` plainly asks for a reply to a review, complaint, feedback or email.

    Only its request part counts: what comes before its first colon, line break, full stop or
    question mark (so an email quoted for proofreading that says "reply" is not a request).
    """
    return _ASKED.match(_head(text.strip())) is not None


def _head(text: str) -> str:
    head = _HEAD.match(text)
    return "" if head is None else head.group()


def read_request(text: str) -> ReviewRequest:
    """The review inside ``text`` and the sentiment the request names, if any.

    Request wording ("write a reply to this negative review: ...") and a "negative:" prefix are
    taken off, and so are quotes around the review.
    """
    text = text.strip()
    sentiment: Sentiment | None = None
    head = _head(text)
    asked = _ASKED.match(head)
    if asked is not None:
        sentiment = _named_sentiment(asked.group("modifiers") or asked.group("modifiers2") or "")
        ended = len(head) < len(text) and text[len(head)] in _TERMINATORS
        text = text[len(head) + 1 :] if ended else text[asked.end() :]
    text = _unquoted(text)
    given = _GIVEN.match(text)
    if given is not None:
        sentiment = _named_sentiment(given.group("sentiment"))
        text = _unquoted(text[given.end() :])
    return ReviewRequest(text, sentiment)


def _named_sentiment(words: str) -> Sentiment | None:
    return next((name for name in SENTIMENTS if re.search(rf"\b{name}\b", words, re.IGNORECASE)), None)


def _unquoted(text: str) -> str:
    stripped = text.strip()
    if stripped.startswith("```") and stripped.endswith("```") and len(stripped) > 6:
        return stripped[3:-3].strip()
    if len(stripped) > 1 and stripped[0] in _QUOTES and stripped[-1] in _QUOTES:
        return stripped[1:-1].strip()
    return stripped.strip(":-— ").strip()


_NEGATIVE_STRONG = re.compile(
    r"\b(?:disappoint\w*|broke|broken|stopped\s+working|never\s+(?:arrived|came|received|showed)|"
    r"(?:one|1)[\s-]*stars?|1\s*/\s*(?:5|10)|worst|terrible|awful|horrible|refund|waste\s+of|"
    r"defective|useless|unacceptable|rude|damaged|cracked|(?:does|did|do)\s*n[o']t\s+work|not\s+working|"
    r"poor\s+quality|returned\s+it|return\s+it|fell\s+apart|ripped|torn|missing)\b",
    re.IGNORECASE,
)
_NEGATIVE_WEAK = re.compile(
    r"\b(?:late|cold|slow|wrong|leak\w*|stale|soggy|dirty|overpriced|expensive|problem|issue|"
    r"complain\w*|bad|poor|unhappy|annoy\w*|frustrat\w*|burnt|burned|bent|scratched|loose|flimsy)\b",
    re.IGNORECASE,
)
_POSITIVE = re.compile(
    r"\b(?:love[sd]?|great|excellent|amazing|perfect|fantastic|wonderful|happy|pleased|recommend\w*|"
    r"(?:five|5)[\s-]*stars?|5\s*/\s*5|best|awesome|delicious|superb|brilliant|thanks?|thank\s+you)\b",
    re.IGNORECASE,
)


def sentiment_cue(word: str) -> bool:
    """Whether ``word`` says how the customer felt ("cold", "great") rather than what it is about."""
    return any(pattern.fullmatch(word) for pattern in (_NEGATIVE_STRONG, _NEGATIVE_WEAK, _POSITIVE))


_NEGATED = re.compile(r"(?:\b(?:not|never|no|hardly|without)|n['\u2019]t)\s+(?:\w+\s+)?$", re.IGNORECASE)
_OVERRIDE_AT = 2


def _score(pattern: re.Pattern[str], review: str, weight: int) -> int:
    """``weight`` for each cue of ``pattern`` in ``review`` that is not negated ("not disappointed")."""
    return sum(weight for cue in pattern.finditer(review) if not _NEGATED.search(review[: cue.start()]))


def settle_sentiment(answer: Sentiment | None, review: str) -> Sentiment:
    """The model's sentiment unless the review's cues plainly say otherwise (a code tie-breaker).

    Negative cues ("disappointed", "stopped working", "never arrived" count 2; "late", "cold" 1)
    against positive ones ("love", "great"): at least 2 negative points and more than the positive
    ones make it negative whatever the model said; only positive points (2 or more) make a model's
    "negative" positive. With no usable answer the cues decide, else neutral.
    """
    negative = _score(_NEGATIVE_STRONG, review, 2) + _score(_NEGATIVE_WEAK, review, 1)
    positive = _score(_POSITIVE, review, 2)
    if negative >= _OVERRIDE_AT and negative > positive:
        return "negative"
    if answer == "negative" and negative == 0 and positive >= _OVERRIDE_AT:
        return "positive"
    if answer is not None:
        return answer
    return "positive" if positive >= _OVERRIDE_AT and negative == 0 else "neutral"
