"""The cases of ``chatwright eval conversations``: scripted conversations and their checks.

The schema and the meaning of every check are in ``../shared/eval/README.md``: a JSON list of
conversations (id, why, turns, checks); a check looks at one turn's reply or at the stored orders.
Matching is case-insensitive, with curly apostrophes and quotes made straight.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from importlib.resources import files
from pathlib import Path
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    RootModel,
    ValidationError,
    field_serializer,
    model_validator,
)

from conversation.errors import ConfigError
from conversation.types import Reply

NOTICE_OPENINGS = ("sorry, something went wrong", "unknown command")
"""Reply texts that are notices even when the reply is not marked as one."""
_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"'})
_TURN_KINDS = ("skill", "not_skill", "any", "all", "none", "at_least", "count", "not_notice")
_ORDER_KINDS = ("order_total", "no_order")
_Phrases = Annotated[list[str], Field(min_length=1)]


def normalise(text: str) -> str:
    """Lower case, curly apostrophes and quotes made straight: the form every match uses."""
    return text.translate(_QUOTES).lower()


@dataclass(frozen=True, slots=True)
class TurnRecord:
    """What one turn got back: the replies' texts joined, the first reply's skill."""

    text: str
    skill: str
    notice: bool
    replied: bool

    @classmethod
    def of(cls, replies: Sequence[Reply]) -> TurnRecord:
        """The record of ``replies`` (none: the turn went unanswered)."""
        text = "\n\n".join(reply.text for reply in replies)
        notice = any(
            reply.notice or normalise(reply.text.lstrip()).startswith(NOTICE_OPENINGS) for reply in replies
        )
        return cls(text, replies[0].skill if replies else "", notice, bool(replies))


class Check(BaseModel):
    """One expectation: on a turn's reply (``turn`` and one condition) or on the stored orders."""

    model_config = ConfigDict(extra="forbid")

    turn: int | None = Field(None, ge=0)
    skill: str | None = None
    not_skill: str | None = None
    any: _Phrases | None = None
    all: _Phrases | None = None
    none: _Phrases | None = None
    at_least: int | None = Field(None, ge=1)
    of: _Phrases | None = None
    count: tuple[str, Annotated[int, Field(ge=0)]] | None = None
    not_notice: Literal[True] | None = None
    order_total: Annotated[Decimal, Field(decimal_places=2)] | None = None
    no_order: Literal[True] | None = None

    @model_validator(mode="after")
    def _one_condition(self) -> Check:
        named = [kind for kind in (*_TURN_KINDS, *_ORDER_KINDS) if getattr(self, kind) is not None]
        if len(named) != 1:
            raise ValueError(f"a check has exactly one of {', '.join(_TURN_KINDS + _ORDER_KINDS)}: {named}")
        if (self.at_least is None) != (self.of is None):
            raise ValueError("at_least and of go together")
        if (self.turn is None) != (self.kind in _ORDER_KINDS):
            raise ValueError(f"{self.kind} {'takes no' if self.kind in _ORDER_KINDS else 'needs a'} turn")
        return self

    @field_serializer("order_total")
    def _as_number(self, total: Decimal | None) -> float | None:
        return None if total is None else float(total)

    @property
    def kind(self) -> str:
        """The condition's name: "any", "order_total", ..."""
        return next(kind for kind in (*_TURN_KINDS, *_ORDER_KINDS) if getattr(self, kind) is not None)

    def describe(self) -> str:
        """The condition as written in the cases file, without the turn."""
        return self.model_dump_json(exclude_none=True, exclude={"turn"})

    def holds_for_turn(self, turn: TurnRecord) -> bool:
        """Whether the reply of the checked turn meets the condition (an unanswered turn never does)."""
        text = normalise(turn.text)
        found = sum(
            normalise(phrase) in text for phrase in self.any or self.all or self.none or self.of or ()
        )
        match self.kind:
            case "skill":
                holds = turn.skill == self.skill
            case "not_skill":
                holds = turn.skill != self.not_skill
            case "any":
                holds = found > 0
            case "all":
                holds = found == len(self.all or ())
            case "none":
                holds = found == 0
            case "at_least":
                holds = found >= (self.at_least or 0)
            case "count":
                phrase, times = self.count or ("", 0)
                holds = text.count(normalise(phrase)) == times
            case _:
                holds = not turn.notice
        return turn.replied and holds

    def holds_for_orders(self, totals: Sequence[Decimal]) -> bool:
        """Whether the conversation's stored orders meet the condition (exactly one, or none)."""
        if self.no_order:
            return not totals
        return len(totals) == 1 and totals[0] == self.order_total


class Conversation(BaseModel):
    """A scripted conversation: user turns in order, and what must hold of the replies."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")
    why: str
    note: str = ""
    turns: list[Annotated[str, Field(pattern=r"\S")]] = Field(min_length=1)
    checks: list[Check] = Field(min_length=1)

    @model_validator(mode="after")
    def _turns_exist(self) -> Conversation:
        beyond = [
            check.turn for check in self.checks if check.turn is not None and check.turn >= len(self.turns)
        ]
        if beyond:
            raise ValueError(f"checks name turn {beyond[0]}, but there are {len(self.turns)} turns (from 0)")
        return self

    @property
    def category(self) -> str:
        """The id up to its first '-': order, digress, route, ..."""
        return self.id.split("-", 1)[0]

    @property
    def checks_orders(self) -> bool:
        """Whether a check looks at the stored orders."""
        return any(check.kind in _ORDER_KINDS for check in self.checks)


class CaseFile(RootModel[list[Conversation]]):
    """The JSON file: a non-empty list of conversations with unique ids."""

    root: list[Conversation] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_ids(self) -> CaseFile:
        ids = [conversation.id for conversation in self.root]
        repeated = sorted({name for name in ids if ids.count(name) > 1})
        if repeated:
            raise ValueError(f"ids used more than once: {', '.join(repeated)}")
        return self


def load_conversations(path: Path | None = None) -> list[Conversation]:
    """The conversations in ``path``, or the shipped development set; ConfigError names a problem."""
    source = path or "the shipped conversations"
    try:
        if path is None:
            text = files("conversation").joinpath("eval_conversations.json").read_text(encoding="utf-8")
        else:
            text = path.read_text(encoding="utf-8")
        return CaseFile.model_validate_json(text).root
    except OSError as error:
        raise ConfigError(f"conversation cases {source}: {error.strerror or error}") from error
    except ValidationError as error:
        raise ConfigError(f"conversation cases {source}: {_first_problem(error)}") from error


def select(conversations: Sequence[Conversation], prefixes: Sequence[str]) -> list[Conversation]:
    """The conversations whose id starts with one of ``prefixes`` (all when none are given)."""
    chosen = [c for c in conversations if not prefixes or c.id.startswith(tuple(prefixes))]
    if not chosen:
        raise ConfigError(f"no conversation id starts with {' or '.join(prefixes)}")
    return chosen


def _first_problem(error: ValidationError) -> str:
    """The first of pydantic's complaints as one line: where in the file, and what."""
    first = error.errors()[0]
    parts = [f"conversation {part}" if n == 0 else str(part) for n, part in enumerate(first["loc"])]
    where = " > ".join(parts) or "the file"
    more = f" (and {error.error_count() - 1} more problems)" if error.error_count() > 1 else ""
    return f"{where}: {first['msg']}{more}"
