"""One customer message read by code: items and changes, control words, questions, fulfilment."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from conversation.language import Phrases, normalise, phrase_book
from skills.order.edits import Edits, find_edits
from skills.order.lexicon import Lexicon, Token, word_set
from skills.order.parse import FILLERS, NOT_THINGS, Parsed, parse_items

Question = Literal["price", "availability", "total", "menu"]
Amends = Literal["restate", "strong", "weak"] | None
FulfilmentType = Literal["pickup", "delivery"]


def _phrases(*alternatives: str) -> re.Pattern[str]:
    """A pattern matching any alternative as whole words of a normalised, space-padded text."""
    return re.compile(r" (?:" + "|".join(alternatives) + r") ")


GREETINGS = word_set(
    """hi hello hey hiya howdy yo heya hallo greetings morning evening afternoon good day there um uh
    hmm er erm oh ok okay so well please thanks thank you cheers guys folks everyone all lol haha
    again sup whats up nice"""
)
_CANCEL = _phrases(
    r"cancel(?: (?:the|my|this|our) (?:whole |entire )?order| (?:it|everything|all|that))?",
    r"never ?mind", r"forget (?:it|about it|the (?:whole )?(?:order|thing)|everything)",
    r"scrap (?:it|that|the order|everything)", r"start over", r"i don t want (?:it|anything) any ?more",
)  # fmt: skip
_DONE = _phrases(
    r"(?:that s|thats|that is|that ll be|that will be|that would be) (?:all|it|everything|the lot|my order)",
    r"nothing (?:else|more)", r"(?:i m|i am|we re|we are|all) (?:done|set|good)", r"done", r"that ll do",
    r"that s all for now", r"finished", r"no more(?: thanks| thank you)?",
)  # fmt: skip
_NO = re.compile(r"^ (?:no|nope|nah|not yet|not quite|wait|hold on|hang on|no thanks|no thank you) |"
                 r" (?:not yet|not right|that s wrong|don t place|do not place|not correct) ")  # fmt: skip
_YES = _phrases(
    r"yes", r"yeah", r"yep", r"yup", r"yea", r"ya", r"sure", r"correct", r"confirm(?:ed)?", r"go ahead",
    r"go for it", r"place it", r"place (?:the|my|our) order", r"do it", r"please do", r"absolutely",
    r"definitely", r"sounds (?:good|great|right|perfect)", r"looks (?:good|great|right|fine|perfect)",
    r"that s (?:right|correct|perfect|fine|great)", r"all good", r"proceed", r"of course", r"exactly",
    r"affirmative", r"lgtm", r"send it", r"submit(?: it)?", r"perfect", r"order it", r"make it so",
)  # fmt: skip
_WEAK_YES = {"ok", "okay", "k", "alright", "fine", "good", "great", "cool", "right", "nice", "excellent"}
_WEAK_YES |= {"awesome", "lovely", "all", "then", "so", "oh", "well", "please"}
"""Words that confirm when a message has nothing else ("ok", "perfect then")."""
_PICKUP = _phrases(
    r"pick ?up", r"pick (?:it|them|that|this|everything|the order|my order|the food) up",
    r"picking (?:it )?up",
    r"collect(?:ion|ing)?", r"take ?away", r"takeout", r"carry ?out", r"i ll come (?:and )?(?:get|grab)",
    r"in store", r"come by", r"come and get it", r"come get it",
)  # fmt: skip
_DELIVERY = _phrases(
    r"deliver(?:y|ed|ing)?", r"bring (?:it|them|everything)", r"send it", r"drop (?:it )?off"
)
_ADDRESS = re.compile(
    r"(?:\b(?:deliver(?:y|ed|ing)?|send|bring)\b(?:\s+(?:it|them|this|that|everything|the order|my order))?"
    r"(?:\s*,?\s*(?:please|pls|thanks|thank you))?\s*,?\s+(?:to|at)"
    r"|\b(?:my )?address(?: is|:)|\bdeliver(?:ed|y)? it at)\s+(?P<address>.+)",
    re.IGNORECASE | re.DOTALL,
)
_DELIVERY_WORD = re.compile(r"\bdeliver(?:y|ed|ing)?\b", re.I)
_NUMBERED = re.compile(r"\b\d+[A-Za-z]?(?:,?\s+[A-Za-z][\w'.-]*){2,6}")
"""A numbered street address: "10 Willow Avenue", "221B Baker Street"."""
_ADDRESS_END = re.compile(r"[!?\n]|\.(?:\s|$)")
_ADDRESS_TAIL = re.compile(
    r"(?:[\s,;:.!-]+|\b(?:please|pls|thanks|thank you|thx|asap)\b|[:;]-?[()DPp]"
    r"|[\U0001F300-\U0001FAFF\u2600-\u27BF])*$",
    re.I,
)
"""What may follow an address: punctuation, thanks, an emoticon or emoji."""
_TOTAL = _phrases(
    r"how much (?:is|will|would|does) (?:it|that|this|my order|the order|everything|the total|all that)",
    r"what s (?:the|my) total", r"what is (?:the|my) total", r"total so far", r"how much do i owe",
    r"how much so far", r"what do i owe",
)  # fmt: skip
_PRICE = _phrases(
    r"how much", r"what s the price", r"what is the price", r"price of", r"prices? (?:for|of)",
    r"what (?:does|do|would|will) .{1,40} cost", r"how expensive", r"cost of", r"what s .{1,30} cost",
)  # fmt: skip
_AVAILABLE = _phrases(
    r"(?:do|does) (?:you|u|ya|y all) (?:guys |folks )?(?:have|sell|serve|do|make|carry|offer|got|stock)",
    r"have you (?:got|any)", r"is there (?:a |any )?", r"are there (?:any )?", r"any chance of",
    r"you got any", r"can i get .{1,30} here", r"is .{1,30} on the menu", r"are .{1,30} on the menu",
)  # fmt: skip
_MENU = _phrases(
    r"menu", r"what do you (?:have|sell|serve|offer|got)",
    r"what (?:\w+ )?(?:do|does) you (?:have|sell|serve)",
    r"what (?:are|re) (?:the|my) options", r"what can i (?:get|order|have)", r"what s on offer",
)  # fmt: skip
_BACK = _phrases(
    r"back to (?:my|the|our) order", r"(?:about|for|on|with) (?:my|the|our) order", r"where were we"
)


_WORDS = phrase_book("order")
_CORRECTIONS = Phrases(_WORDS["corrections"])
_SECOND_THOUGHTS = Phrases(_WORDS["second_thoughts"])
_ADDITIONS = Phrases(_WORDS["additions"])
_RESTATEMENTS = Phrases(_WORDS["restatements"])
_AGAIN = Phrases(_WORDS["again"])
_THANKS = frozenset(_WORDS["thanks"])
"""Said with a weak yes at the summary, they still confirm ("ok thx")."""
_NONE = Phrases(_WORDS["none_answers"])
_ADDRESS_LEAD_INS = frozenset(_WORDS["address_lead_ins"])
_NOT_STREETS = frozenset(_WORDS["not_streets"])


@dataclass
class Reading:
    """Everything code understood of one message (nothing decided yet: the dialogue decides)."""

    parsed: Parsed
    edits: Edits
    fulfilment: FulfilmentType | None
    address: str | None
    done: bool
    yes: bool
    no: bool
    cancel: bool
    greeting: bool
    question: Question | None
    back: bool
    amends: Amends
    """A correction: "restate" sets each item named to what is said ("not quite: 2 large rings"),
    "strong" may swap an item for another ("I meant a sprite"), "weak" only amends ("actually, large")."""
    negated: list[str]
    """Items named after "not" ("sprites, not cokes"): what the message does not want."""
    again: bool
    """An item named again ("another coke"): a copy of the one ordered, unless said otherwise."""
    none: bool
    """A way of saying none ("nothing", "no thanks"), and nothing else named."""
    unexplained: list[str]
    """Words nothing above accounts for (a model may be asked about them)."""

    @property
    def names_items(self) -> bool:
        """Whether the message names anything on the menu or a change to the order."""
        parsed = self.parsed
        named = parsed.lines or parsed.unnamed or parsed.toppings or parsed.size or parsed.plain
        return bool(named or self.edits.edits)


def read(lexicon: Lexicon, text: str, address_expected: bool = False, confirming: bool = False) -> Reading:
    """Read ``text``; with ``address_expected`` a bare address counts as the address.

    ``confirming`` (the summary was shown): "ok thanks" agrees, as "ok" does.
    """
    address, rest = _address(text)
    said = " " + " ".join(re.findall(r"[a-z0-9]+", normalise(rest))) + " "
    tokens, negated, contrasted = _without_negations(lexicon.tokenise(rest))
    edits = find_edits(tokens)
    parsed = parse_items(lexicon.menu, edits.rest)
    words = said.split()
    fulfilment = _fulfilment(said)
    reading = Reading(
        parsed=parsed,
        edits=edits,
        fulfilment="delivery" if address else fulfilment,
        address=address,
        done=bool(_DONE.search(said)),
        yes=bool(_YES.search(said)) or _weak_yes(words, confirming),
        no=bool(_NO.search(said)),
        cancel=bool(_CANCEL.search(said)) and not any(e.action == "remove" for e in edits.edits),
        greeting=bool(words) and all(w in GREETINGS for w in words),
        question=_question(said),
        back=bool(_BACK.search(said)),
        amends=_amends(said, len(parsed.lines)) or ("weak" if contrasted else None),
        negated=negated,
        again=_AGAIN.search(said),
        none=False,
        unexplained=[t.value for t in tokens if t.kind == "word" and _unexplained(t.value)],
    )
    reading.none = _NONE.search(said) and not reading.names_items
    if reading.fulfilment == "delivery" and not reading.address:
        reading.address = _numbered_address(rest)
    if address_expected and not reading.address and _looks_like_address(rest, reading):
        reading.address = _clean_address(rest)
        reading.fulfilment = "delivery"
        reading.parsed, reading.unexplained = Parsed(), []
    return reading


def _without_negations(tokens: list[Token]) -> tuple[list[Token], list[str], bool]:
    """The tokens without each "not <size, count or item>" span, the items it named, whether any.

    Such a span is a contrast: what the rest says corrects the order. "small for the fries, not
    large" and "sprites, not cokes" say what is not wanted; "not yet" and "should not be there"
    name no menu words and stay as they are.
    """
    kept: list[Token] = []
    negated: list[str] = []
    contrasted = False
    at = 0
    while at < len(tokens):
        end = at + 1
        if tokens[at].kind == "word" and tokens[at].value == "not":
            while end < len(tokens) and tokens[end].kind != "stop":
                end += 1
            span = tokens[at + 1 : end]
            if any(t.kind in ("item", "size", "number", "topping") for t in span):
                negated += [t.value for t in span if t.kind == "item"]
                contrasted = True
                kept.append(Token("stop", ""))
                at = end
                continue
            end = at + 1
        kept.append(tokens[at])
        at = end
    return kept, negated, contrasted


def _address(text: str) -> tuple[str | None, str]:
    """The delivery address said after "deliver to" / "address:", and the text without it."""
    match = _ADDRESS.search(text)
    if match is None:
        return None, text
    tail = match.group("address")
    end = _ADDRESS_END.search(tail)
    raw = tail[: end.start()] if end else tail
    address = _clean_address(raw)
    if len(address) < 4 or not re.search(r"[A-Za-z]", address):
        return None, text
    start = match.start("address")
    return address, text[:start] + " " + text[start + len(raw) :]


def _numbered_address(text: str) -> str | None:
    """A street address with its number said after the word for delivery ("delivery, 10 Willow Avenue")."""
    word = next((m for m in _DELIVERY_WORD.finditer(text)), None)
    found = _NUMBERED.search(text, word.end()) if word else None
    if found is None:
        return None
    street = normalise(found.group(0)).split()[1:]
    return None if not street or street[0] in _NOT_STREETS else _clean_address(found.group(0))


def _clean_address(raw: str) -> str:
    """The address without the words said around it ("alright, it's ...", "... please")."""
    words = raw.split()
    while lead := next((n for n in range(min(6, len(words)), 0, -1) if _is_lead_in(words[:n])), 0):
        words = words[lead:]
    if len(words) > 1 and re.fullmatch(r"[^\W\d]+,", words[0]) and re.search(r"\d", " ".join(words[1:])):
        words = words[1:]  # "hmm, 46 Maple Avenue": one word and a comma before a numbered address
    return _ADDRESS_TAIL.sub("", " ".join(words)).strip(" ,.;:")


def _is_lead_in(words: list[str]) -> bool:
    return " ".join(re.findall(r"[a-z0-9]+", normalise(" ".join(words)))) in _ADDRESS_LEAD_INS


def _looks_like_address(text: str, reading: Reading) -> bool:
    """A reply to "what is the address?": not a control word, a question or an order line."""
    if reading.names_items or reading.cancel or reading.question or reading.fulfilment == "pickup":
        return False
    return bool(re.search(r"\d", text)) or (len(text.split()) >= 2 and "?" not in text)


def _weak_yes(words: list[str], confirming: bool) -> bool:
    """A message of nothing but agreement ("ok", "perfect then"); at the summary also "ok thanks"."""
    known = _WEAK_YES | (_THANKS if confirming else frozenset())
    return bool(words) and set(words) <= known and bool(set(words) & _WEAK_YES)


def _amends(said: str, lines: int) -> Amends:
    """How the message corrects what was ordered; None when it adds ("sorry, also a coke").

    A restatement of several items wins over the "and also" of its list.
    """
    adds = _ADDITIONS.search(said)
    if _RESTATEMENTS.search(said) and (lines > 1 or not adds):
        return "restate"
    if adds:
        return None
    if _CORRECTIONS.search(said):
        return "strong"
    return "weak" if _SECOND_THOUGHTS.search(said) else None


def _question(said: str) -> Question | None:
    if _TOTAL.search(said):
        return "total"
    if _PRICE.search(said):
        return "price"
    if _AVAILABLE.search(said):
        return "availability"
    if _MENU.search(said):
        return "menu"
    return None


def _fulfilment(said: str) -> FulfilmentType | None:
    """Pickup or delivery; when both are said, the one said last ("delivery, no, pickup")."""
    pickup = [m.end() for m in _PICKUP.finditer(said)]
    delivery = [m.end() for m in _DELIVERY.finditer(said)]
    if not pickup and not delivery:
        return None
    return "pickup" if max(pickup, default=-1) > max(delivery, default=-1) else "delivery"


_CONTROL_WORDS = word_set(
    """cancel never mind forget done finished yes yeah yep yup sure correct confirm pickup pick up collect
    deliver delivery delivered takeaway takeout carry remove delete drop swap switch change replace
    make instead nope nah wait hold hang perfect sounds looks right proceed absolutely definitely
    with without both each ones place placed alright ahead go fine great"""
)


_PORTIONS = frozenset(_WORDS["portions"])
_SAID_WORDS = frozenset(
    word
    for key in (
        "corrections",
        "restatements",
        "removals",
        "second_thoughts",
        "additions",
        "again",
        "none_answers",
    )
    for phrase in _WORDS[key]
    for word in phrase.split()
)
"""The words of the phrases above: read, so not left over."""
"""Containers and portions around an item ("a bottle of water"): they name nothing of their own."""


def _unexplained(word: str) -> bool:
    known = NOT_THINGS | FILLERS | GREETINGS | _CONTROL_WORDS | _PORTIONS | _SAID_WORDS
    return word.isalpha() and len(word) > 2 and word not in known
