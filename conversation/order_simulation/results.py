"""What one simulated conversation produced: its turns, the stored orders, the checker's verdict."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from conversation.order_simulation.check import FailureClass
from conversation.order_simulation.customer import Style
from conversation.order_simulation.goals import Goal
from conversation.order_simulation.phrasebook import load_cues
from conversation.order_simulation.reading import not_understood


@dataclass(frozen=True, slots=True)
class Turn:
    """One customer message and the bot's replies to it."""

    customer: str
    purpose: str
    replies: tuple[str, ...]
    skills: tuple[str, ...]

    @property
    def text(self) -> str:
        """The replies as one text, as the customer reads them."""
        return "\n".join(self.replies)

    def to_record(self) -> dict[str, Any]:
        """A JSON-serialisable form for the failures file."""
        return {
            "customer": self.customer,
            "purpose": self.purpose,
            "bot": list(self.replies),
            "skills": list(self.skills),
        }


@dataclass(frozen=True, slots=True)
class ConversationRun:
    """One phrasing of one goal: the transcript, the stored orders and what the checker found."""

    goal: Goal
    phrasing: int
    style: Style
    turns: tuple[Turn, ...]
    orders: tuple[dict[str, Any], ...]
    failures: tuple[FailureClass, ...]
    minimum_turns: int

    @property
    def passed(self) -> bool:
        """Whether exactly one order was stored and it matches the goal."""
        return not self.failures

    @property
    def not_understood(self) -> int:
        """Replies saying the bot did not understand ("didn't catch", "didn't find")."""
        return sum(not_understood(turn.text, load_cues()) for turn in self.turns)

    @property
    def corrected(self) -> bool:
        """Whether the customer found the summary wrong and tried a correction."""
        return any(turn.purpose == "correction" for turn in self.turns)

    @property
    def digressions(self) -> tuple[int, int]:
        """Digression turns, and those whose first reply came from a skill other than order."""
        asked = [turn for turn in self.turns if turn.purpose == "digression"]
        answered = [turn for turn in asked if turn.skills and turn.skills[0] != "order"]
        return len(asked), len(answered)

    def to_record(self) -> dict[str, Any]:
        """A JSON-serialisable form for the failures file."""
        return {
            "goal": self.goal.number,
            "phrasing": self.phrasing,
            "style": self.style,
            "failures": list(self.failures),
            "wanted": self.goal.to_record(),
            "stored": list(self.orders),
            "transcript": [turn.to_record() for turn in self.turns],
        }
