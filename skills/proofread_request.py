"""The wording of a proofreading request, told apart from the text to correct (by code, no model).

A request is a short clause before the text ("Can you check my grammar:", "is this right?",
"proofread this for me pls" on its own line) or after it ("... Is this correct?"). Its core is a
proofreading verb, an editing verb with an object ("fix the typos in this email"), a question
about correctness ("does this sound right") or a proofreading noun ("grammar check").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from skills.request_words import LEAD_IN, POLITE, unquote

_NOUN = (
    r"(?:grammar|grammatical(?:ly)?|spelling|spellings|typos?|typing\s+errors?|punctuation"
    r"|mistakes?|errors?|wording|phrasing)"
)
_PROOF_VERB = r"(?:proof[- ]?read(?:ing)?|spell[- ]?check|grammar[- ]?check)"
_EDIT_VERB = (
    r"(?:check|fix|correct|review|edit|look\s+over|go\s+over|look\s+at|polish|clean\s+up"
    r"|help(?:\s+me)?\s+with)"
)
_OBJECT = r"(?:this|that|these|it|my|the\s+following|below|here)"
_VERDICT = (
    r"(?:right|correct|ok|okay|fine|alright|all\s+right|proper|grammatical|accurate"
    r"|grammatically\s+correct|well[- ]written|good\s+english)"
)
_CLAUSE_CHARS = r"(?:[^:?!.\n\u2013\u2014-]|(?<=\w)-(?=\w))"
"""A request clause runs to a colon, question mark, sentence end, line break or dash."""
_TAIL = r"(?:\s+(?:to\s+you|now|here|grammatically|in\s+english|or\s+not|please|pls|plz|only|for\s+me))*"
"""Words that may close a short request ("... to you", "... for me pls")."""
_PROOF = rf"{_PROOF_VERB}\b{_CLAUSE_CHARS}*"
_EDIT = rf"{_EDIT_VERB}\b(?:{_CLAUSE_CHARS}*?\b)?(?:{_OBJECT}|{_NOUN})\b{_CLAUSE_CHARS}*"
_QUESTION = (
    r"(?:is|does|do|are)\s+(?:this|these|the\s+following|my\s+\w+)(?:\s+(?!the\b|a\b|an\b)\w+){0,2}?"
    rf"\s+{_VERDICT}\b{_TAIL}|(?:what(?:'s|\s+is)|anything)\s+wrong\s+with\s+(?:this|it|my)(?:\s+\w+)?{_TAIL}"
)
_NOUN_PHRASE = (
    rf"(?:(?:with|for|a|an|the|my|quick|some|any)\s+)*{_NOUN}(?:\s+(?:(?:and|&|/)\s+)?{_NOUN})?"
    rf"(?:\s+(?:check|fix|fixes|help|review|pass|in\s+this|in\s+it))?{_TAIL}"
)
_CORE = rf"(?:{_PROOF}|{_EDIT}|{_QUESTION}|{_NOUN_PHRASE})"
_END = r"(?:[:?!.\n]+|\s+[-\u2013\u2014]+\s+)"
_LEADING = re.compile(
    rf"^\s*(?P<clause>{LEAD_IN}{POLITE}{_CORE}){_END}\s*(?P<text>.*)$", re.IGNORECASE | re.DOTALL
)
_TRAILING = re.compile(
    rf"^(?P<text>.*?[.!?\n])\s*(?P<clause>{POLITE}{_CORE})[?!.]*\s*$", re.IGNORECASE | re.DOTALL
)
_ALONE = re.compile(rf"^\s*(?P<clause>{LEAD_IN}{POLITE}{_CORE})[?!.]*\s*$", re.IGNORECASE)
_PLAIN_ASK = re.compile(
    rf"{_PROOF_VERB}|\b{_NOUN}\b|^{LEAD_IN}{POLITE}(?:{_QUESTION})"
    r"|\bcorrect\s+(?:this|these|the\s+following|my)\b|\b(?:fix|check|improve)\s+my\s+(?:english|writing|sentences?)\b",
    re.IGNORECASE,
)
"""What makes a request plainly a proofreading one (a bare "review this:" is not)."""
_CHECK_THIS = re.compile(
    rf"^{LEAD_IN}{POLITE}(?:check|look\s+over|go\s+over)\s+(?:this|it|the\s+following)\b", re.IGNORECASE
)
MAX_CLAUSE_CHARS = 120


@dataclass(frozen=True, slots=True)
class ProofreadRequest:
    """A message split into the request's wording and the text to proofread (empty if none)."""

    wording: str
    text: str


def split_request(message: str) -> ProofreadRequest | None:
    """The request wording and the text of ``message``, or None when it opens with no request."""
    for pattern in (_LEADING, _TRAILING, _ALONE):
        found = pattern.match(message)
        if found is None or len(found.group("clause")) > MAX_CLAUSE_CHARS:
            continue
        text = found.groupdict().get("text") or ""
        return ProofreadRequest(found.group("clause").strip(), unquote(text))
    return None


def asks_for_proofreading(message: str) -> bool:
    """True when ``message`` plainly asks for proofreading, grammar, spelling or typo fixes.

    A bare "check this:" counts when a sentence of prose follows it (not a link, not a question).
    """
    request = split_request(message)
    if request is None:
        return False
    if _PLAIN_ASK.search(request.wording) is not None:
        return True
    prose = len(request.text.split()) >= 3 and not re.search(r"\?\s*$|https?://", request.text)
    return prose and _CHECK_THIS.match(request.wording) is not None
