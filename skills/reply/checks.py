"""What every reply draft must satisfy before it is sent, checked and repaired by code.

``check_draft`` finds the problems, ``repair_draft`` fixes them: no placeholders or brackets, one
signature, no promise the operator has not allowed, an apology and the contact for negative reviews,
thanks otherwise, a detail of the review.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from skills.reply.details import content_terms, detail_phrase
from skills.reply.request import Sentiment

SALUTATION = "Dear customer,"
CLOSING = "Best regards,"
SIGNATURE = "AI customer agent"

ProblemKind = Literal[
    "placeholder",
    "placeholder_line",
    "subject_line",
    "signature",
    "commitment",
    "contact_detail",
    "apology_unwanted",
    "apology_missing",
    "contact_missing",
    "thanks_missing",
    "detail_missing",
]
REDRAFT: frozenset[ProblemKind] = frozenset({"placeholder", "detail_missing"})
"""Problems worth one more draft; the others code repairs as well as the model would."""


@dataclass(frozen=True, slots=True)
class Commitment:
    """A kind of promise: the wording that makes it, and its name in the prompt."""

    pattern: re.Pattern[str]
    named: str


def _commitment(pattern: str, named: str) -> Commitment:
    return Commitment(re.compile(pattern, re.IGNORECASE), named)


COMMITMENTS: dict[str, Commitment] = {
    "refund": _commitment(r"\brefund\w*|\bmoney\s+back\b", "refunds"),
    "reimbursement": _commitment(r"\breimburs\w*", "reimbursements"),
    "replacement": _commitment(
        r"\breplac\w*|\b(?:send|ship|mail|giv|provid|offer|get|receiv|deliver|bring)\w*\s+"
        r"(?:[\w'\u2019]+\s+){0,4}?(?:brand[\s-]new|new|another|second|fresh)\b",
        "replacements or new items",
    ),
    "compensation": _commitment(
        r"\bcompensat\w*|\bmake\s+(?:it|this|that|things)\s+up\s+to\s+you|\bgoodwill\b", "compensation"
    ),
    "credit": _commitment(r"\bcredit(?:s|ed)?\b(?!\s+cards?\b)", "credit"),
    "discount": _commitment(
        r"\bdiscount\w*|\b\d+\s*(?:%|percent)\s+off\b|\bpromo(?:tional)?\s+codes?\b", "discounts"
    ),
    "voucher": _commitment(
        r"\bvouchers?\b|\bcoupons?\b|\bgift\s*(?:cards?|certificates?)\b", "vouchers or gift cards"
    ),
    "free": _commitment(
        r"(?<![\w-])free(?:\s+of\s+charge\b|(?=\s+(?!to\b)\w))|\bfor\s+free\b|\bcomplimentary\b|"
        r"\bon\s+the\s+house\b|\bat\s+no\s+(?:extra\s+|additional\s+)?(?:cost|charge)\b",
        "free items",
    ),
}
"""Kinds of commitment a reply may make only when the operator allows them (reply_allowed_commitments)."""
_PROMISE = re.compile(
    r"\b(?:will|shall|would|can|could|going\s+to|let\s+us|happy\s+to|glad\s+to|pleased\s+to|offer\w*|"
    r"provid\w*|send\w*|sent|ship\w*|issu\w*|arrang\w*|process\w*|giv\w*|receiv\w*|get|expect|"
    r"approv\w*|initiat\w*|accept|attach\w*|enclos\w*|includ\w*|entitle\w*|eligible|here\s+is|"
    r"on\s+(?:its|the|their)\s+way|(?:has|have)\s+been|(?:is|are)\s+being)\b|\w['\u2019](?:ll|d)\b|"
    r"\b(?:we|i)(?:\s+have|['\u2019]ve)\s+\w+(?:ed|en|t)\b",
    re.IGNORECASE,
)
"""Wording that turns a mention of a refund into a promise of one."""
_BRACKET = re.compile(r"[\[\]{}<>]")
_PLACEHOLDER = re.compile(r"\[[^\]\n]*\]|\{[^}\n]*\}|<[^>\n]*>")
_CONTACT_DETAIL = re.compile(
    r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+|\bhttps?://\S+|\bwww\.\S+|\+?\(?\d{1,4}\)?(?:[\s.-]\(?\d{2,4}\)?){2,}",
    re.IGNORECASE,
)
_APOLOGY = re.compile(r"\b(?:sorry|apologi[sz]\w*|apologies)\b", re.IGNORECASE)
_THANKS = re.compile(r"\b(?:thank\w*|grateful|appreciat\w*)\b", re.IGNORECASE)
_SUBJECT = re.compile(r"^(?:subject|re)\s*:", re.IGNORECASE)
_GREETING = re.compile(
    r"^(?:dear|hi|hello|hey|greetings|good\s+(?:morning|afternoon|evening))\b[^,!:\n]{0,60}[,!:]?",
    re.IGNORECASE,
)
_CLOSING = re.compile(
    r"^(?:(?:(?:with\s+)?(?:best|kind|kindest|warm|warmest|warm\s+and\s+kind)\s+)?(?:regards|wishes)|"
    r"(?:yours\s+)?(?:sincerely|truly|faithfully|respectfully)(?:\s+yours)?|(?:many\s+)?thanks(?:\s+again)?|"
    r"thank\s+you(?:\s+again)?|cheers|all\s+the\s+best|take\s+care|best)(?P<rest>.*)$",
    re.IGNORECASE,
)
_TEAM_LINE = re.compile(
    r"^(?:the\s+)?[\w\s&'\u2019.-]{0,40}\b(?:team|department|support|services?|agent|manager|representative|"
    r"staff)$",
    re.IGNORECASE,
)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_MARKUP = " \t*_`#"
_NAME_WORDS = 6


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a draft: its kind, the text at fault (or what is missing), a note."""

    kind: ProblemKind
    text: str
    note: str = ""


@dataclass(frozen=True, slots=True)
class ReplyPolicy:
    """What a reply to one review must do: found from the review and the operator's settings."""

    sentiment: Sentiment
    customer_service: str
    allowed_commitments: frozenset[str] = frozenset()
    detail: str | None = None
    """A short noun phrase from the review, named by code when the draft names no detail."""
    review_terms: frozenset[str] = frozenset()

    @classmethod
    def for_review(
        cls, review: str, sentiment: Sentiment, customer_service: str, allowed: Iterable[str] = ()
    ) -> ReplyPolicy:
        """The policy for ``review``; the contact loses any bracket so the final text has none."""
        contact = " ".join(_BRACKET.sub(" ", customer_service).split()) or "our customer service team"
        kinds = frozenset(kind.strip().lower() for kind in allowed)
        return cls(sentiment, contact, kinds, detail_phrase(review), content_terms(review))


@dataclass(frozen=True, slots=True)
class _Parts:
    subject: str | None
    salutation: str | None
    body: list[str]
    sign_off: list[str]


def check_draft(draft: str, policy: ReplyPolicy) -> list[Problem]:
    """Every problem of ``draft`` under ``policy``; a sent email has none (pure, no model)."""
    parts = _parse(draft)
    problems: list[Problem] = []
    if parts.subject is not None:
        problems.append(Problem("subject_line", parts.subject))
    if parts.salutation is not None and _BRACKET.search(parts.salutation):
        problems.append(Problem("placeholder_line", parts.salutation))
    if parts.sign_off != [CLOSING, SIGNATURE]:
        problems.append(
            Problem("signature", "\n".join(parts.sign_off), "expected one closing and the signature")
        )
    for line in parts.body:
        problems.extend(_line_problems(line, policy))
    return problems + _missing(_kept(parts.body, policy), policy)


def repair_draft(draft: str, policy: ReplyPolicy) -> str:
    """``draft`` made to pass ``check_draft``.

    Faulty sentences and lines are dropped, what is missing is added by code, the salutation is
    fixed, one closing and the signature are appended.
    """
    parts = _parse(draft)
    salutation = parts.salutation
    if salutation is None or _BRACKET.search(salutation):
        salutation = SALUTATION
    elif not salutation.endswith((",", "!", ":")):
        salutation += ","
    body = _completed(_kept(parts.body, policy), policy)
    return "\n\n".join([salutation, *body, f"{CLOSING}\n{SIGNATURE}"])


def _parse(draft: str) -> _Parts:
    lines = [line.rstrip() for line in draft.strip().splitlines()]
    subject = None
    if lines and _SUBJECT.match(_plain(lines[0])):
        subject = lines.pop(0)
    while lines and not lines[0].strip():
        lines.pop(0)
    salutation = None
    greeting = _GREETING.match(_plain(lines[0])) if lines else None
    if greeting is not None and len(greeting.group().split()) <= _NAME_WORDS:
        rest = _plain(lines[0])[greeting.end() :].strip()
        salutation = greeting.group().strip()
        lines = [rest, *lines[1:]] if rest else lines[1:]
    start = _sign_off_start(lines)
    return _Parts(
        subject, salutation, lines[:start], [_plain(line) for line in lines[start:] if line.strip()]
    )


def _sign_off_start(lines: list[str]) -> int:
    """Where the sign-off begins: a closing formula followed by name-like lines, or trailing name lines."""
    start, trailing = len(lines), True
    for index in range(len(lines) - 1, -1, -1):
        line = lines[index]
        if _closing(line):
            start, trailing = index, False
        elif not line.strip() or _signature_line(line):
            start = index if trailing else start
        elif _name_like(line):
            trailing = False
        else:
            break
    return start


def _closing(line: str) -> bool:
    closing = _CLOSING.match(_plain(line))
    if closing is None:
        return False
    rest = closing.group("rest").strip()
    return rest in {"", ",", ".", "!"} or (rest.startswith(",") and _name_like(rest[1:]))


def _signature_line(line: str) -> bool:
    plain = _plain(line).strip(" ,.-")
    return plain.lower() == SIGNATURE.lower() or _placeholder_line(line) or bool(_TEAM_LINE.match(plain))


def _name_like(line: str) -> bool:
    plain = _plain(line)
    return 0 < len(plain.split()) <= _NAME_WORDS and not plain.endswith((".", "!", "?", ":", ";"))


def _placeholder_line(line: str) -> bool:
    """A line that is placeholders, perhaps with a name ("[Your Name]", "[Company] Customer Support")."""
    if not _PLACEHOLDER.search(line):
        return False
    words = _plain(_PLACEHOLDER.sub(" ", line)).strip(" ,.-:").split()
    return len(words) <= _NAME_WORDS and all(word[0].isupper() for word in words)


def _plain(line: str) -> str:
    return line.strip().strip(_MARKUP).strip()


def _sentences(line: str) -> list[str]:
    return [sentence for sentence in _SENTENCE_END.split(line.strip()) if sentence]


def _line_problems(line: str, policy: ReplyPolicy) -> list[Problem]:
    if not line.strip():
        return []
    if _placeholder_line(line):
        return [Problem("placeholder_line", line)]
    if _closing(line):
        return [Problem("signature", line, "a closing formula inside the body")]
    return [problem for sentence in _sentences(line) for problem in _sentence_problems(sentence, policy)]


def _sentence_problems(sentence: str, policy: ReplyPolicy) -> list[Problem]:
    """What is wrong with one sentence wherever it stands (the contact itself is never at fault)."""
    problems: list[Problem] = []
    if _BRACKET.search(sentence):
        problems.append(Problem("placeholder", sentence))
    if SIGNATURE.lower() in sentence.lower():
        problems.append(Problem("signature", sentence, "the signature belongs at the end only"))
    own = re.sub(re.escape(policy.customer_service), " ", sentence, flags=re.IGNORECASE)
    promised = _PROMISE.search(own) is not None
    for kind, commitment in COMMITMENTS.items():
        if promised and kind not in policy.allowed_commitments and commitment.pattern.search(own):
            problems.append(Problem("commitment", sentence, kind))
    if _CONTACT_DETAIL.search(own):
        problems.append(Problem("contact_detail", sentence, "only the configured contact may be given"))
    if policy.sentiment != "negative" and _APOLOGY.search(sentence):
        problems.append(Problem("apology_unwanted", sentence))
    return problems


def _kept(body: list[str], policy: ReplyPolicy) -> list[str]:
    """The body's paragraphs without faulty lines and sentences."""
    paragraphs: list[list[str]] = [[]]
    for line in body:
        kept = "" if _placeholder_line(line) or _closing(line) else _kept_sentences(line, policy)
        if kept:
            paragraphs[-1].append(kept)
        elif not line.strip() and paragraphs[-1]:
            paragraphs.append([])
    return ["\n".join(lines) for lines in paragraphs if lines]


def _kept_sentences(line: str, policy: ReplyPolicy) -> str:
    return " ".join(sentence for sentence in _sentences(line) if not _sentence_problems(sentence, policy))


def _missing(paragraphs: list[str], policy: ReplyPolicy) -> list[Problem]:
    """What the sentiment and the review require that ``paragraphs`` lack."""
    text = "\n".join(paragraphs)
    problems: list[Problem] = []
    if policy.sentiment == "negative":
        if not _APOLOGY.search(text):
            problems.append(Problem("apology_missing", "", "a negative review gets an apology"))
        if policy.customer_service.lower() not in text.lower():
            problems.append(Problem("contact_missing", policy.customer_service))
    elif not _THANKS.search(text):
        problems.append(Problem("thanks_missing", "", "a positive or neutral review gets thanks"))
    if policy.detail is not None and not _names_detail(text, policy):
        problems.append(Problem("detail_missing", policy.detail))
    return problems


def _completed(paragraphs: list[str], policy: ReplyPolicy) -> list[str]:
    """``paragraphs`` with a sentence added by code for each thing ``_missing`` finds."""
    missing = {problem.kind for problem in _missing(paragraphs, policy)}
    negative = policy.sentiment == "negative"
    about = "the trouble with " if negative else ""
    opening: list[str] = []
    if "apology_missing" in missing:
        opening.append(
            _naming(
                policy,
                "We are sorry to hear about the trouble with {detail}.",
                "We are sorry for the trouble.",
            )
        )
    if "thanks_missing" in missing:
        opening.append(
            _naming(policy, "Thank you for your review of {detail}.", "Thank you for your review.")
        )
    if "detail_missing" in missing and not _names_detail(" ".join(opening), policy):
        opening.append(_naming(policy, f"Thank you for telling us about {about}{{detail}}.", ""))
    pointer = [f"Please contact {policy.customer_service} so that we can look into this for you."]
    ending = pointer if "contact_missing" in missing else []
    return [paragraph for paragraph in [" ".join(filter(None, opening)), *paragraphs, *ending] if paragraph]


def _names_detail(text: str, policy: ReplyPolicy) -> bool:
    return bool(content_terms(text) & policy.review_terms)


def _naming(policy: ReplyPolicy, template: str, fallback: str) -> str:
    """``template`` naming the review's detail, or ``fallback`` when that sentence would be at fault."""
    if policy.detail is None:
        return fallback
    sentence = template.format(detail=policy.detail)
    return fallback if _sentence_problems(sentence, policy) else sentence
