"""Changes to items already ordered, found in a message: remove, swap, resize, keep only, "on the X"."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from conversation.language import Phrases, phrase_book
from skills.order.lexicon import Token

Action = Literal["remove", "swap", "resize", "keep", "count"]
REMOVE_VERBS = {
    ("remove",), ("delete",), ("drop",), ("take", "off"), ("take", "out"), ("cancel",), ("no", "more"),
    ("without",), ("skip",), ("scratch",), ("get", "rid", "of"), ("leave", "out"), ("forget",), ("no",),
    ("don", "t", "want"), ("do", "not", "want"), ("lose",), ("hold", "the"), ("minus",),
}  # fmt: skip
SWAP_VERBS = {("swap",), ("switch",), ("change",), ("replace",), ("exchange",), ("substitute",)}
CONNECTORS = {"for", "with", "to", "into", "by"}
DETERMINERS = {"the", "my", "that", "this", "those", "these", "them", "it", "both", "your", "all", "any"}
PRONOUNS = {"that", "it", "this", "them", "those", "these", "both"}
TARGET_WORDS = {"on", "onto", "to", "for", "of"}
_REMOVALS = Phrases(phrase_book("order")["removals"])


@dataclass(frozen=True, slots=True)
class Ref:
    """Something already ordered, as the customer points at it; all None means the last item."""

    name: str | None = None
    noun: str | None = None
    size: str | None = None
    topping: str | None = None
    every: bool = False
    """Named in the plural: every such item."""
    one: bool = False
    """Counted as one ("one coke", "a coke"): that one item, not its equal twins."""


@dataclass(frozen=True, slots=True)
class Edit:
    """One change: remove, swap out, resize (``size``), keep only, or recount (``count``) ``ref``."""

    action: Action
    ref: Ref
    size: str | None = None
    count: int | None = None


@dataclass
class Edits:
    """The changes of a message, the tokens left for the item parser, and a "on the X" target."""

    edits: list[Edit] = field(default_factory=list)
    rest: list[Token] = field(default_factory=list)
    target: Ref | None = None


def find_edits(tokens: list[Token]) -> Edits:
    """Take the changes out of ``tokens``; what they consumed becomes a stop for the item parser."""
    found = Edits()
    at = 0
    while at < len(tokens):
        taken = _edit_at(tokens, at, found)
        if taken:
            found.rest.append(Token("stop", ""))
            at += taken
        else:
            found.rest.append(tokens[at])
            at += 1
    _take_out_removals(found)
    return found


def _take_out_removals(found: Edits) -> None:
    """A part of the message with removal words anywhere removes the items it names.

    "the lemonade should not be there", "never mind the fries, thanks": the words need not come
    first, as the verbs above do. The part's tokens become stops for the item parser.
    """
    start = 0
    for end in [*(at for at, t in enumerate(found.rest) if t.kind == "stop"), len(found.rest)]:
        part = found.rest[start:end]
        items = [t for t in part if t.kind == "item"]
        said = " " + " ".join(t.said or t.value for t in part) + " "
        if items and _REMOVALS.search(said):
            found.edits += [Edit("remove", Ref(name=t.value, every=t.plural)) for t in items]
            found.rest[start:end] = [Token("stop", "")] * len(part)
        start = end + 1


def _edit_at(tokens: list[Token], at: int, found: Edits) -> int:
    """How many tokens an edit starting at ``at`` consumes (0: none starts there)."""
    said = [t.value if t.kind == "word" else "" for t in tokens[at : at + 3]] + ["", ""]
    for verb in sorted(REMOVE_VERBS, key=len, reverse=True):
        if tuple(said[: len(verb)]) == verb:
            refs, used = _refs(tokens, at + len(verb), many=True)
            found.edits += [Edit("remove", ref) for ref in refs]
            return len(verb) + used if refs else 0
    if tuple(said[:1]) in SWAP_VERBS:
        return _swap(tokens, at, found)
    if said[:1] == ["make"]:
        return _make(tokens, at, found)
    if said[:2] == ["instead", "of"]:
        refs, used = _refs(tokens, at + 2)
        found.edits += [Edit("swap", ref) for ref in refs]
        return 2 + used if refs else 0
    if said[0] in ("just", "only") and said[1] in ("the", "my"):
        refs, used = _refs(tokens, at + 1)
        found.edits += [Edit("keep", ref) for ref in refs]
        return 1 + used if refs else 0
    counted = at > 0 and tokens[at - 1].kind == "number"  # "three of the cokes" orders three
    if said[0] in TARGET_WORDS and said[1] in DETERMINERS and not counted:
        refs, used = _refs(tokens, at + 1)
        if refs and refs[0].topping is None:
            found.target = refs[0]
            return 1 + used
    return 0


def _swap(tokens: list[Token], at: int, found: Edits) -> int:
    """Swap verbs: "swap the coke for a sprite"; "change the coke to a large" is a resize."""
    refs, used = _refs(tokens, at + 1, pronouns=True)
    end = at + 1 + used
    if not refs or end >= len(tokens) or tokens[end].value not in CONNECTORS:
        return 0
    after = [t for t in tokens[end + 1 : end + 4] if t.kind != "number"]
    if after and after[0].kind == "size" and (len(after) == 1 or after[1].kind not in ("item", "noun")):
        found.edits.append(Edit("resize", refs[0], after[0].value))
        return end + 1 - at + tokens[end + 1 :].index(after[0]) + 1
    found.edits.append(Edit("swap", refs[0]))
    return end + 1 - at


def _make(tokens: list[Token], at: int, found: Edits) -> int:
    """The verb "make": a resize ("make that a medium"), a swap ("make the coke a sprite") or a count.

    A count: "make it one coke", "make it two".
    """
    counted = _count(tokens, at + 1)
    if counted is not None:
        edit, used = counted
        found.edits.append(edit)
        return 1 + used
    refs, used = _refs(tokens, at + 1, pronouns=True)
    if not refs:
        return 0
    end = at + 1 + used
    rest = tokens[end : end + 4]
    sizes = [t for t in rest if t.kind == "size"]
    items = [t for t in rest if t.kind in ("item", "noun")]
    if items and items[0].kind == "item" and items[0].value != refs[0].name:
        found.edits.append(Edit("swap", refs[0]))
        return end - at
    if sizes:
        found.edits.append(Edit("resize", refs[0], sizes[0].value))
        last = max(rest.index(sizes[0]), rest.index(items[0]) if items else 0)
        return end - at + last + 1
    return 0


def _count(tokens: list[Token], at: int) -> tuple[Edit, int] | None:
    """How many of an item there should be, after "make": "it one coke", "that two", "the cokes three"."""
    end = at
    name: str | None = None
    while end < len(tokens) and (tokens[end].value in PRONOUNS or tokens[end].value in DETERMINERS):
        end += 1
    if end < len(tokens) and tokens[end].kind == "item" and tokens[end].plural:
        name, end = tokens[end].value, end + 1
    if end >= len(tokens) or tokens[end].kind != "number" or tokens[end].said in ("a", "an"):
        return None
    count, end = int(tokens[end].value), end + 1
    if end < len(tokens) and tokens[end].kind == "item":
        if name not in (None, tokens[end].value):
            return None
        name, end = tokens[end].value, end + 1
    if end < len(tokens) and tokens[end].kind not in ("stop", "word"):
        return None
    return Edit("count", Ref(name=name, every=True), count=count), end - at


def _refs(tokens: list[Token], at: int, many: bool = False, pronouns: bool = False) -> tuple[list[Ref], int]:
    """The things pointed at from ``at`` ("the large coke", "it"), and how many tokens they take."""
    refs: list[Ref] = []
    size: str | None = None
    end = at
    while end < len(tokens):
        token = tokens[end]
        if token.kind == "size":
            if end + 1 >= len(tokens) or tokens[end + 1].kind not in ("item", "noun"):
                break
            size = token.value
        elif token.kind == "item":
            counted = (
                end > at and tokens[end - 1].kind == "number" and tokens[end - 1].said in ("one", "a", "an")
            )
            refs.append(Ref(name=token.value, size=size, every=token.plural and not counted, one=counted))
            size = None
        elif token.kind == "noun":
            if not refs or refs[-1].name is None:
                refs.append(Ref(noun=token.value, size=size))
        elif token.kind == "topping":
            refs.append(Ref(topping=token.value))
        elif token.kind == "word" and pronouns and token.value in PRONOUNS and not refs:
            refs.append(Ref())
        elif not (
            token.value in DETERMINERS
            or (token.kind == "number" and token.said != "a")
            or (many and token.kind == "stop" and token.value in ("and", ","))
        ):
            break
        end += 1
    return refs, end - at
