"""The intent classifier: nearest examples on the real MiniLM, the model (validated) when unsure."""

from __future__ import annotations

import threading
from collections.abc import Sequence

import numpy as np
import pytest

from conversation.classifier import CLASSIFYING, NearestExamplesClassifier, Thresholds, parse_choice
from conversation.llm import FakeLLM
from conversation.llm.embeddings import Vectors
from conversation.router import Router
from skills import ChatSkill, OrderSkill, ProofreadSkill, ReplySkill, Skill, TranslateSkill
from tests.fakes.engines import message

NEVER_SURE = Thresholds(confident=1.01, margin=0.0)
"""No similarity reaches 1.01: every message goes to the model."""


@pytest.fixture(scope="module")
def skills() -> dict[str, Skill]:
    return {
        "chat": ChatSkill("You are a test bot."),
        "order": OrderSkill(),
        "translate": TranslateSkill(),
        "proofread": ProofreadSkill(),
        "reply": ReplySkill(),
    }


@pytest.fixture(scope="module")
def classifier(skills: dict[str, Skill]) -> NearestExamplesClassifier:
    """One classifier on the real MiniLM for the module (its vectors are computed once)."""
    return NearestExamplesClassifier(skills, llm=None)


# None of these sentences is among the labelled examples.
LABELLED = [
    ("order", "two large pepperoni pizzas please"),
    ("order", "I'd like a pizza delivered to 12 Main Street"),
    ("translate", "how would I say good night in Italian"),
    ("translate", "translate to spanish: I love you"),
    ("chat", "What is 2 + 2?"),
]
CONVERSATION = [
    "Tell me a long story about the number 7.",
    "Say hello.",
    "I love Italian, it's such a beautiful language",
    "I made a typo in my last slack message, so embarrassing",
    "my neighbour keeps ordering takeout every night lol",
    "Remember that my flight is on the 14th please",
]
"""Small talk, some of it on a task's topic: never a task skill by a guess (chat, or unsure -> chat)."""


@pytest.mark.slow
@pytest.mark.parametrize(("skill", "text"), LABELLED)
async def test_the_nearest_examples_pick_the_labelled_skill(
    classifier: NearestExamplesClassifier, skill: str, text: str
) -> None:
    assert await classifier.classify(text) == skill


@pytest.mark.slow
@pytest.mark.parametrize("text", CONVERSATION)
async def test_conversation_that_mentions_a_task_is_not_guessed_to_be_one(
    classifier: NearestExamplesClassifier, text: str
) -> None:
    assert await classifier.classify(text) in (None, "chat")


@pytest.mark.slow
async def test_an_unrelated_message_is_unsure_and_without_a_model_goes_to_the_fallback(
    classifier: NearestExamplesClassifier,
) -> None:
    scores = await classifier.scores("what's the weather like on Mars")

    assert scores.decided(classifier.thresholds) is None
    assert await classifier.classify("what's the weather like on Mars") is None


@pytest.mark.slow
async def test_the_router_asks_request_wording_then_the_classifier_then_falls_back(
    skills: dict[str, Skill], classifier: NearestExamplesClassifier
) -> None:
    router = Router(skills, classifier=classifier)

    worded = await router.route(message("two large pepperoni pizzas please"), active_skill=None)
    assert (worded.intent, worded.tier) == ("order", "recognised")
    guessed = await router.route(message("I'm hungry, what pizzas do you have?"), active_skill=None)
    assert (guessed.intent, guessed.tier) == ("order", "classifier")
    command = await router.route(message("/proofread two large pepperoni pizzas please"), None)
    assert (command.intent, command.tier) == ("proofread", "command")
    unsure = await router.route(message("what's the weather like on Mars"), None)
    assert (unsure.intent, unsure.tier) == ("chat", "fallback")


@pytest.mark.slow
async def test_an_open_order_lets_a_translation_request_go_by_and_stays_parked(
    skills: dict[str, Skill], classifier: NearestExamplesClassifier
) -> None:
    router = Router(skills, classifier=classifier)

    digression = await router.route(
        message("how would I say good night in Italian"), "order", {"stage": "items"}
    )
    assert (digression.intent, digression.parked) == ("translate", skills["order"])
    resumed = await router.route(message("and a large coke"), "order", {"stage": "items"})
    assert (resumed.intent, resumed.tier, resumed.parked) == ("order", "dialogue", None)


class CountingEmbedder:
    """Every text gets the same unit vector, so nothing is ever clearly ahead; records the loading thread."""

    def __init__(self) -> None:
        self.calls = 0

    def encode(self, texts: Sequence[str]) -> Vectors:
        self.calls += 1
        vectors = np.zeros((len(texts), 4), dtype=np.float32)
        vectors[:, 0] = 1.0
        return vectors


async def test_when_unsure_the_model_picks_at_temperature_zero_under_a_schema_of_skill_names(
    skills: dict[str, Skill],
) -> None:
    llm = FakeLLM(lambda messages: '{"skill": "reply"}')
    embedder = CountingEmbedder()
    loaded_in: list[threading.Thread] = []

    def load() -> CountingEmbedder:
        loaded_in.append(threading.current_thread())
        return embedder

    classifier = NearestExamplesClassifier(skills, llm, embedder=load, thresholds=NEVER_SURE)

    assert await classifier.classify("my customer is angry about the late parcel") == "reply"
    assert await classifier.classify("and again") == "reply"
    assert loaded_in and loaded_in[0] is not threading.main_thread()
    assert embedder.calls == 3, "example vectors once, then one call per message"
    (options, *_) = llm.options
    assert options.temperature == 0.0
    assert options.json_schema is not None
    assert options.json_schema["properties"]["skill"]["enum"] == [*skills, "none"]
    assert options.conversation == CLASSIFYING  # the system prompt's state is reused between calls
    system, user = llm.prompts[0]
    assert "- order: " + skills["order"].description in system.content
    assert user.content == "```my customer is angry about the late parcel```"


@pytest.mark.parametrize(
    "answer", ['{"skill": "admin"}', '{"skill": "none"}', "reply", '{"skill": 3}', "[]", ""]
)
async def test_an_answer_that_names_no_skill_is_not_trusted(skills: dict[str, Skill], answer: str) -> None:
    llm = FakeLLM(lambda messages: answer)
    classifier = NearestExamplesClassifier(skills, llm, embedder=CountingEmbedder, thresholds=NEVER_SURE)

    assert await classifier.classify("something") is None
    assert len(llm.prompts) == 1


def test_parse_choice_accepts_only_the_given_names() -> None:
    assert parse_choice('{"skill": "order"}', ["order", "chat"]) == "order"
    assert parse_choice('{"skill": "order"}', ["chat"]) is None
