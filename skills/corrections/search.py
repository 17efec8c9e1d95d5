"""Candidate corrections, applied one at a time while the model finds the sentence likelier.

Each candidate replaces a span of the original's tokens. Per sentence, every candidate is scored
alone; then, best first, each is applied when the sentence with it is likelier (by its source's
margin) than without: a greedy search ranked by the language model's log-probability, as in
language-model-based grammatical error correction. A second pass over the result (``checking``)
catches what one candidate made possible for another.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass

from skills.corrections.confusions import ConfusionSets
from skills.corrections.spelling import SpellingPass

TOKENS = re.compile(r"\w+(?:['\u2019]\w+)*|\s+|[^\w\s]")
"""Words (with inner apostrophes: "it's" is one), runs of space, single other characters."""
Scorer = Callable[[Sequence[str]], Awaitable[list[float]]]
"""Texts -> the model's log-probability of each."""
SPELLING = "spelling"
MODEL = "model"
MARGINS = {SPELLING: -1000.0, MODEL: 0.0, "homophones": 1.5, "agreement": 1.5, "forms": 2.5}
"""How much likelier (in nats) a candidate's sentence must be than the current one to be applied.

A word no dictionary knows is wrong as written, so one of its spellings is always taken; the
model's own draft only has to be no less likely; a confusion-set swap must win clearly."""
STARTS = 2
NEAR = 2
"""Tokens between two proposals that still compete (a word and its space)."""
MAX_PROPOSALS = 32
"""Per sentence: the spelling pass's first, then the model's, then the confusion sets'."""
_SENTENCE_END = frozenset(".!?\n")
_PLAIN_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'})


@dataclass(frozen=True, slots=True)
class Proposal:
    """Replace tokens ``start:end`` of the original with ``replacement``; ``source`` says who proposed it."""

    start: int
    end: int
    replacement: str
    source: str

    def overlaps(self, other: Proposal) -> bool:
        """Whether the two touch the same tokens (two insertions at one place count as touching)."""
        if self.start == self.end or other.start == other.end:
            return self.start <= other.end and other.start <= self.end
        return self.start < other.end and other.start < self.end


def tokens_of(text: str) -> list[str]:
    """The text's tokens (they rejoin to it)."""
    return TOKENS.findall(text)


def render(tokens: Sequence[str], applied: Iterable[Proposal]) -> str:
    """The original tokens with the applied proposals' replacements."""
    parts, at = [], 0
    for proposal in sorted(applied, key=lambda p: (p.start, p.end)):
        parts += [*tokens[at : proposal.start], proposal.replacement]
        at = proposal.end
    return "".join([*parts, *tokens[at:]])


def proposals_between(tokens: Sequence[str], draft: str) -> list[Proposal]:
    """The draft's changes to ``tokens``, one proposal each, plus all of them together as one.

    Quotes are compared straight, so a draft's curly apostrophe is no change of its own.
    """
    after = tokens_of(draft)
    matcher = difflib.SequenceMatcher(None, _plain(tokens), _plain(after), autojunk=False)
    found = [
        Proposal(i1, i2, "".join(after[j1:j2]), MODEL)
        for tag, i1, i2, j1, j2 in matcher.get_opcodes()
        if tag != "equal" and not _only_space(tokens[i1:i2], after[j1:j2])
    ]
    if len(found) > 1:
        first, last = found[0], found[-1]
        whole = render(tokens[first.start : last.end], [_shifted(p, -first.start) for p in found])
        found.append(Proposal(first.start, last.end, whole, MODEL))
    return found


def confusion_proposals(tokens: Sequence[str], confusions: ConfusionSets) -> list[Proposal]:
    """Each word of a confusion set replaced by each alternative (apostrophes as the text has them)."""
    curly = any("\u2019" in token for token in tokens)
    return [
        Proposal(index, index + 1, other, kind)
        for index, token in enumerate(tokens)
        for other, kind in confusions.alternatives(token, curly)
    ]


def spelling_proposals(tokens: Sequence[str], spelling: SpellingPass) -> tuple[list[Proposal], list[str]]:
    """Suggestions for each word the dictionary does not know, and the unknown words with none."""
    proposals: list[Proposal] = []
    hopeless: list[str] = []
    first = True
    for index, token in enumerate(tokens):
        if token.isspace():
            continue
        if spelling.is_checked(token, first) and spelling.unknown(token):
            suggestions = spelling.suggestions(token)
            proposals += [Proposal(index, index + 1, word, SPELLING) for word in suggestions]
            if not suggestions:
                hopeless.append(token)
        first = token in _SENTENCE_END
    return proposals, hopeless


def sentences_of(tokens: Sequence[str]) -> list[tuple[int, int]]:
    """Token ranges of the sentences (each ends after its . ! ? or line break and the space after it)."""
    ranges, start = [], 0
    for index, token in enumerate(tokens):
        ends = token in _SENTENCE_END or "\n" in token
        following = tokens[index + 1] if index + 1 < len(tokens) else ""
        if ends and not (following in _SENTENCE_END or following.translate(_PLAIN_QUOTES) in {"'", '"', ")"}):
            stop = index + 2 if following.isspace() else index + 1
            ranges.append((start, min(stop, len(tokens))))
            start = min(stop, len(tokens))
    if start < len(tokens):
        ranges.append((start, len(tokens)))
    return ranges


async def choose_correction(tokens: Sequence[str], proposals: Sequence[Proposal], score: Scorer) -> str:
    """The original with the proposals that make it likelier applied, sentence by sentence.

    A proposal spanning sentences is dropped; each sentence is scored alone, so the cost of a
    candidate is the length of its sentence, not of the text.
    """
    corrected = []
    for start, end in sentences_of(tokens):
        inside = [_shifted(p, -start) for p in proposals if start <= p.start and p.end <= end]
        corrected.append(await _choose_in_sentence(tokens[start:end], inside[:MAX_PROPOSALS], score))
    return "".join(corrected)


async def _choose_in_sentence(tokens: Sequence[str], proposals: Sequence[Proposal], score: Scorer) -> str:
    """The sentence with the proposals that make it likelier applied (see the module doc).

    Each proposal is scored alone against the sentence as written; then, best first, each is
    kept only if the sentence with it and those kept before is likelier still. The search starts
    again from the second-best proposal when it is near the best (two fixes of one error compete:
    "There are going" against "They're going"), and the likeliest result is kept.
    """
    unique = list({(p.start, p.end, p.replacement): p for p in reversed(proposals)}.values())[::-1]
    unique = [p for p in unique if p.replacement != "".join(tokens[p.start : p.end])]
    if not unique:
        return "".join(tokens)
    written, *alone = await score(["".join(tokens)] + [render(tokens, [p]) for p in unique])
    gains = [value - written - MARGINS.get(p.source, 0.0) for p, value in zip(unique, alone, strict=True)]
    order = [i for i in sorted(range(len(unique)), key=lambda i: -gains[i]) if _gains(gains[i], unique[i])]
    best_text, best_score = "".join(tokens), written
    starts = order[:1] + [i for i in order[1:STARTS] if _competing(unique[order[0]], unique[i])]
    for first in starts:
        applied, current = [unique[first]], alone[first]
        for index in order:
            proposal = unique[index]
            if index == first or any(proposal.overlaps(done) for done in applied):
                continue
            (value,) = await score([render(tokens, [*applied, proposal])])
            if _gains(value - current - MARGINS.get(proposal.source, 0.0), proposal):
                applied.append(proposal)
                current = value
        if current > best_score or best_text == "".join(tokens):
            best_text, best_score = render(tokens, applied), current
    return best_text


def _competing(a: Proposal, b: Proposal) -> bool:
    """Whether two proposals are near enough (a word apart) to be two fixes of one error."""
    return a.overlaps(b) or min(abs(a.start - b.end), abs(b.start - a.end)) <= NEAR


def _gains(gain: float, proposal: Proposal) -> bool:
    """A positive gain, or none at all for the model's own change (its draft needs no more)."""
    return gain > 0 or (gain == 0 and proposal.source == MODEL)


def _plain(tokens: Sequence[str]) -> list[str]:
    return [" " if token.isspace() else token.translate(_PLAIN_QUOTES) for token in tokens]


def _only_space(before: Sequence[str], after: Sequence[str]) -> bool:
    return all(t.isspace() for t in before) and all(t.isspace() for t in after)


def _shifted(proposal: Proposal, by: int) -> Proposal:
    return Proposal(proposal.start + by, proposal.end + by, proposal.replacement, proposal.source)
