"""Shared fixtures: an engine on a temporary SQLite file with a FakeLLM and a collecting sink."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from conversation import Engine, EngineLimits
from conversation.llm import FakeLLM
from tests.fakes.collecting import CollectingSink
from tests.fakes.engines import make_engine, sqlite_url

os.environ.setdefault("HF_HUB_OFFLINE", "1")


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    """A fresh SQLite database file."""
    return sqlite_url(tmp_path)


@pytest.fixture
def fake_llm() -> FakeLLM:
    """The deterministic test backend."""
    return FakeLLM()


@pytest.fixture
def sink() -> CollectingSink:
    """Collects what the engine delivers on platform 'test'."""
    return CollectingSink()


@pytest.fixture
async def engine(database_url: str, fake_llm: FakeLLM, sink: CollectingSink) -> AsyncIterator[Engine]:
    """A started engine on ``database_url`` with ``fake_llm``, delivering to ``sink``."""
    started = make_engine(database_url, fake_llm, EngineLimits(retry_after_s=0.2))
    started.register_sink("test", sink)
    await started.start()
    yield started
    await started.aclose()
