"""The intent classifier: nearest labelled examples on MiniLM embeddings, optionally the model when unsure.

Free text without a command, outside an open dialogue and not recognised by a skill's own request
wording comes here. Each skill has a few example utterances (``skills/prompts/intents.toml``, plus
its own ``examples`` if it declares any) and its description; a message goes to the skill of its
most similar examples when that skill is clearly ahead. Otherwise, when given a model, the model
picks at temperature 0 under a JSON schema whose only values are the skill names (and "none"), and
its answer is validated before use. None means the router's fallback (chat).
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from conversation.llm.base import LLM, ChatMessage, GenerationOptions
from conversation.llm.embeddings import Vectors, shared_embedder
from skills.base import Skill
from skills.prompts import load_examples, load_prompts

NONE = "none"
CLASSIFYING = "%intent-classifier"
"""The conversation id of the model's classifications: they all start with the same system
prompt, so the embedded model keeps its state and reads only the new message (1.9 s -> 0.65 s
per call on the 1.5B when other conversations ran between). No scope key has a bare '%'."""
TOP_K = 2
"""A skill's score is the mean similarity of its TOP_K closest examples (one stray example does
not decide alone)."""


class Embedder(Protocol):
    """Turns texts into unit vectors (MiniLM in production)."""

    def encode(self, texts: Sequence[str]) -> Vectors:
        """One unit vector per text."""
        ...


@dataclass(frozen=True, slots=True)
class Thresholds:
    """When the nearest examples decide on their own."""

    confident: float = 0.5
    """The best skill's score must reach this ...

    High on purpose: the router asks the skills' own request wording first, so what comes here is
    mostly conversation; below this, topic alone (pizza, a language, a review) passed for a request.
    """
    margin: float = 0.15
    """... and lead the runner-up by this much."""


@dataclass(frozen=True, slots=True)
class Scores:
    """Each skill's similarity to a message, best first."""

    ranked: list[tuple[str, float]]

    def decided(self, thresholds: Thresholds) -> str | None:
        """The best skill when it is clearly ahead, else None (unsure)."""
        (best, top), (_, second) = self.ranked[0], self.ranked[1] if len(self.ranked) > 1 else ("", -1.0)
        return best if top >= thresholds.confident and top - second >= thresholds.margin else None


class NearestExamplesClassifier:
    """Implements ``conversation.router.IntentClassifier`` for the skills it is given."""

    def __init__(
        self,
        skills: Mapping[str, Skill],
        llm: LLM | None,
        examples: Mapping[str, Sequence[str]] | None = None,
        embedder: Callable[[], Embedder] = shared_embedder,
        thresholds: Thresholds | None = None,
    ) -> None:
        """``examples`` default to the shipped utterances; a skill's own ``examples`` join them."""
        labelled = load_examples() if examples is None else examples
        self.descriptions = {name: skill.description for name, skill in skills.items()}
        self.examples = [
            (name, text)
            for name, skill in skills.items()
            for text in [skill.description, *labelled.get(name, ()), *getattr(skill, "examples", ())]
        ]
        self.llm = llm
        self.thresholds = thresholds or Thresholds()
        self.prompts = load_prompts("intents")
        self._embedder_factory = embedder
        self._embedder: Embedder | None = None
        self._vectors: Vectors | None = None
        self._loading = threading.Lock()

    async def classify(self, text: str) -> str | None:
        """A skill name, or None when neither the examples nor the model name one."""
        scores = await self.scores(text)
        decided = scores.decided(self.thresholds)
        if decided is not None or self.llm is None:
            return decided
        return await self.ask_model(self.llm, text)

    async def rank(self, text: str, names: list[str]) -> list[str]:
        """``names`` ordered by their examples' similarity to ``text``, the closest first."""
        order = [name for name, _ in (await self.scores(text)).ranked]
        return sorted(names, key=lambda name: order.index(name) if name in order else len(order))

    async def scores(self, text: str) -> Scores:
        """Each skill's score for ``text`` (the embedder loads in ``warm`` or at first use, off the loop)."""
        embedder, vectors = await self._prepared()
        query = (await asyncio.to_thread(embedder.encode, [text]))[0]
        similarities = vectors @ query
        by_skill: dict[str, list[float]] = {}
        for (name, _), similarity in zip(self.examples, similarities, strict=True):
            by_skill.setdefault(name, []).append(float(similarity))
        ranked = [(name, float(np.mean(sorted(s)[-TOP_K:]))) for name, s in by_skill.items()]
        return Scores(sorted(ranked, key=lambda pair: -pair[1]))

    async def ask_model(self, llm: LLM, text: str) -> str | None:
        """The model's pick at temperature 0 under a schema of skill names; None unless valid."""
        names = list(self.descriptions)
        skills = "\n".join(f"- {name}: {description}" for name, description in self.descriptions.items())
        messages = [
            ChatMessage("system", self.prompts["classify_system"].format(skills=skills)),
            ChatMessage("user", self.prompts["classify_user"].format(text=text)),
        ]
        schema: dict[str, Any] = {
            "type": "object",
            "properties": {"skill": {"enum": [*names, NONE]}},
            "required": ["skill"],
        }
        options = GenerationOptions(
            temperature=0.0, max_tokens=24, json_schema=schema, conversation=CLASSIFYING
        )
        completion = await llm.complete(messages, options)
        return parse_choice(completion.text, names)

    def warm(self) -> None:
        """Load the embedder and embed the examples now (blocking; ``skills.base.Warms``)."""
        self._prepare()

    async def _prepared(self) -> tuple[Embedder, Vectors]:
        if self._embedder is not None and self._vectors is not None:
            return self._embedder, self._vectors
        return await asyncio.to_thread(self._prepare)

    def _prepare(self) -> tuple[Embedder, Vectors]:
        with self._loading:
            if self._embedder is None or self._vectors is None:
                embedder = self._embedder_factory()
                self._vectors = embedder.encode([text for _, text in self.examples])
                self._embedder = embedder
            return self._embedder, self._vectors


def parse_choice(answer: str, names: Sequence[str]) -> str | None:
    """The skill named by a model answer ``{"skill": name}``; None for "none" or anything else."""
    try:
        choice = json.loads(answer).get("skill")
    except (ValueError, AttributeError):
        return None
    return choice if isinstance(choice, str) and choice in names else None
