"""An attempt that fails unexpectedly is tried once more, soon and silently; only then the apology."""

from __future__ import annotations

from pathlib import Path

from conversation import EngineLimits
from conversation.engine import SORRY
from conversation.router import Router
from conversation.types import Reply
from skills import ChatSkill
from skills.base import SkillRequest, SkillResponse
from tests.fakes.collecting import CollectingSink
from tests.fakes.engines import make_engine, message, sqlite_url

QUICK = EngineLimits(retry_after_s=0.2, poll_s=0.05)


class FlakySkill:
    """Raises an unexpected error on its first ``failures`` turns, then answers."""

    name = "flaky"
    description = "Fails at first."

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.calls = 0

    async def handle(self, request: SkillRequest) -> SkillResponse:
        self.calls += 1
        if self.calls <= self.failures:
            raise ImportError("cannot import name 'AutoModel' from 'transformers'")
        return SkillResponse([Reply("the real answer", skill=self.name)])


async def answers_of(tmp_path: Path, skill: FlakySkill) -> tuple[list[str], CollectingSink]:
    engine = make_engine(sqlite_url(tmp_path), limits=QUICK)
    engine.router = Router({"chat": ChatSkill("persona"), "flaky": skill})
    sink = CollectingSink()
    engine.register_sink("test", sink)
    await engine.start()
    try:
        await engine.submit(message("/flaky go", event_id="e1"))
        await engine.join(retries=True)
    finally:
        await engine.aclose()
    return sink.texts_for("e1"), sink


async def test_an_error_on_the_first_attempt_is_retried_and_the_person_gets_the_real_answer(
    tmp_path: Path,
) -> None:
    texts, sink = await answers_of(tmp_path, FlakySkill(failures=1))

    assert texts == ["the real answer"]
    assert sink.settled_ids == ["e1"]  # a web request waits through the retry for its answer


async def test_an_error_on_the_second_attempt_too_gets_the_apology(tmp_path: Path) -> None:
    skill = FlakySkill(failures=2)

    texts, _ = await answers_of(tmp_path, skill)

    assert texts == [SORRY]
    assert skill.calls == 2
