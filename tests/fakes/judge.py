"""A scripted FakeLLM that answers /ask prompts and grades the RAG triad with fixed scores."""

from __future__ import annotations

import json
from collections.abc import Sequence

from conversation.llm import ChatMessage, FakeLLM

SCORES = {"context_relevance": 2, "groundedness": 3, "answer_relevance": 1}
"""Raw grades on TruLens' 0..3 scale; normalised they are 2/3, 1 and 1/3."""
_MARKERS = {
    "SEARCH RESULT": "context_relevance",
    "INFORMATION OVERLAP": "groundedness",
    "RESPONSE is to the PROMPT": "answer_relevance",
}


def scripted_judge() -> FakeLLM:
    """Answers a docs question by quoting its first source; grades each triad prompt with SCORES."""

    def respond(messages: Sequence[ChatMessage]) -> str:
        system = messages[0].content
        for marker, metric in _MARKERS.items():
            if marker in system:
                return json.dumps(
                    {"criteria": metric, "supporting_evidence": "scripted", "score": SCORES[metric]}
                )
        first_source = messages[-1].content.split("\n")[2]
        return f"{first_source.split('. ')[0]}. [1]"

    return FakeLLM(respond, name="scripted-judge")
