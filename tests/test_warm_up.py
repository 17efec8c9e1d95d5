"""Shared models load once and safely: made once under concurrent first use, warmed before messages."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from conversation.llm import embeddings
from conversation.llm.embeddings import shared_embedder
from conversation.router import Router
from skills import ChatSkill
from skills.base import SkillRequest, SkillResponse, Warms
from tests.fakes.engines import make_engine, sqlite_url


def test_concurrent_first_calls_share_one_embedder(monkeypatch: pytest.MonkeyPatch) -> None:
    made: list[object] = []

    class SlowToMake:
        def __init__(self) -> None:
            time.sleep(0.05)  # e.g. the package import that locates the model folder
            made.append(self)

    monkeypatch.setattr(embeddings, "_shared", None)
    monkeypatch.setattr(embeddings, "MiniLMEmbedder", SlowToMake)
    start = threading.Barrier(8)

    def first_use(_: int) -> object:
        start.wait()
        return shared_embedder()

    with ThreadPoolExecutor(8) as pool:
        got = set(map(id, pool.map(first_use, range(8))))

    assert len(made) == 1
    assert got == {id(made[0])}


class WarmingSkill:
    """A skill with something to load before the first message."""

    description = "Loads a model at start."

    def __init__(self, name: str, fails: bool = False) -> None:
        self.name = name
        self.fails = fails
        self.warmed_in: list[str] = []

    def warm(self) -> None:
        self.warmed_in.append(threading.current_thread().name)
        if self.fails:
            raise OSError("model file missing")

    async def handle(self, request: SkillRequest) -> SkillResponse:
        raise NotImplementedError


def test_a_skill_with_warm_is_one_that_warms() -> None:
    assert isinstance(WarmingSkill("w"), Warms)
    assert not isinstance(ChatSkill("persona"), Warms)


async def test_prepare_warms_each_warming_skill_once_off_the_event_loop(tmp_path: Path) -> None:
    engine = make_engine(sqlite_url(tmp_path))
    first, second = WarmingSkill("first"), WarmingSkill("second")
    engine.router = Router({"chat": ChatSkill("persona"), "first": first, "second": second})

    await engine.prepare()

    assert len(first.warmed_in) == 1
    assert len(second.warmed_in) == 1
    assert first.warmed_in[0] != threading.current_thread().name


async def test_a_skill_that_fails_to_warm_is_reported_and_the_others_still_warm(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    engine = make_engine(sqlite_url(tmp_path))
    broken, fine = WarmingSkill("broken", fails=True), WarmingSkill("fine")
    engine.router = Router({"chat": ChatSkill("persona"), "broken": broken, "fine": fine})

    await engine.prepare()

    assert fine.warmed_in
    assert "warming broken failed" in caplog.text
