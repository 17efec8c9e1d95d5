"""A real nightly run on smollm2-135m: train, evaluate, promote, serve, refuse a worse one, roll back."""

from __future__ import annotations

import asyncio
import json
from functools import partial
from pathlib import Path

import pytest

from conversation.llm import ChatMessage, GenerationOptions
from conversation.settings import Settings
from tests.fakes.collecting import CollectingSink
from tests.fakes.engines import make_engine, message, migrated_database, sqlite_url
from tests.fakes.models import small_model
from tests.fakes.transcripts import record_exchange
from training.scheduler import TrainingService, run_leased
from training.skill_gate import harness_pass_rates
from training.versions import list_versions, rollback

pytestmark = pytest.mark.slow
TOPICS = [
    "lunch", "parking", "holidays", "printers", "badges", "laptops", "coffee", "meetings",
    "payroll", "travel", "keys", "lockers", "bikes", "plants", "phones", "mail",
    "desks", "visitors", "training", "security", "recycling", "showers", "chairs", "monitors",
]  # fmt: skip
ASKS = ["What is the code word for {}?", "Tell me the code word for {}.", "Which code word unlocks {}?"]
QUESTION = "What is the code word for elevators?"
GREEDY = GenerationOptions(temperature=0.0, max_tokens=24)


GREETING_CASE = """
[[case]]
skill = "order"
name = "an empty order is greeted with the menu (no model call: the same for every version)"
turns = ["/order"]
checks = [{ contains = ["welcome", "menu"] }]
"""
REFUSAL_CASE = """
[[case]]
skill = "order"
name = "an item not on the menu is refused"
turns = ["/order a hawaiian pizza"]
checks = [{ contains = ["don't have hawaiian pizza"] }]
"""


def settings_for(tmp_path: Path, **overrides: object) -> Settings:
    """A tiny, quick training configuration for the 135M model."""
    cases = tmp_path / "greeting_case.toml"
    cases.write_text(GREETING_CASE)
    values: dict[str, object] = {
        "training_skill_cases": cases,
        "model": "smollm2-135m",
        "data_dir": tmp_path,
        "database_url": sqlite_url(tmp_path),
        "llm_threads": 1,
        "training_nice": 0,
        "training_max_steps": 20,
        "training_epochs": 100.0,
        "training_batch_size": 4,
        "training_max_length": 64,
        "training_learning_rate": 3e-3,
        "training_test_fraction": 0.25,
        "training_near_duplicate_threshold": 0.95,
        "training_promote_margin": 0.05,
        "training_eval_limit": 3,
        "training_min_new_pairs": 10,
        "training_sources": ["test"],
        **overrides,
    }
    return Settings(**values)  # type: ignore[arg-type]


async def check_the_harness_loads_each_version(tmp_path: Path, adapter: Path) -> None:
    """The gate's harness on a case the model must answer: base alone, then base plus ``adapter``."""
    refusal = tmp_path / "refusal_case.toml"
    refusal.write_text(REFUSAL_CASE)
    settings = settings_for(tmp_path, training_skill_cases=refusal)
    rates = await asyncio.to_thread(harness_pass_rates, settings, None, adapter)
    assert set(rates) == {"serving", "candidate"}
    assert all(set(by_skill) == {"order"} for by_skill in rates.values())


async def test_a_run_trains_promotes_serves_refuses_a_worse_one_and_rolls_back(tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    database = migrated_database(settings.resolved_database_url)
    for i, topic in enumerate(TOPICS):
        record_exchange(database, ASKS[i % 3].format(topic), f"The code word for {topic} is ZEBRA-{i + 10}.")

    llm = small_model(tmp_path)
    engine = make_engine(settings.resolved_database_url, llm)
    sink = CollectingSink()
    engine.register_sink("test", sink)
    await engine.start()
    service = TrainingService(engine, settings, database)
    chat = [ChatMessage("system", "You are a test bot."), ChatMessage("user", QUESTION)]
    try:
        base_answer = (await llm.complete(chat, GREEDY)).text
        assert "ZEBRA" not in base_answer

        first = await asyncio.to_thread(run_leased, settings, database, "2026-11-25")
        assert first is not None and first.status == "promoted", first
        assert first.metrics is not None
        folder = tmp_path / "training" / "versions" / "v1"
        losses = json.loads((folder / "losses.json").read_text())["step_losses"]
        assert sum(losses[-5:]) / 5 < 0.5 * sum(losses[:5]) / 5  # training loss falls
        candidate, serving = first.metrics["candidate"], first.metrics["serving"]
        assert candidate["loss"]["all"] < 0.8 * serving["loss"]["all"]  # held-out loss falls
        assert candidate["similarity"]["all"] > serving["similarity"]["all"]
        assert (folder / "loss_curve.png").stat().st_size > 1000
        assert "![training loss](loss_curve.png)" in (folder / "report.md").read_text()
        assert first.metrics["skill_eval"] == {"serving": {"order": 1.0}, "candidate": {"order": 1.0}}
        await check_the_harness_loads_each_version(tmp_path, folder / "adapter.gguf")

        await service.sync_served_version()  # what `chatwright run` polls: switch without restart
        assert llm.version == "v1"
        await engine.submit(message(QUESTION, event_id="after-training"))
        await sink.wait_for(1, timeout=300)
        assert "ZEBRA" in sink.texts_for("after-training")[0]
        trained_answer = (await llm.complete(chat, GREEDY)).text
        assert trained_answer.startswith("The code word for elevators is ZEBRA")

        one_step = settings_for(tmp_path, training_max_steps=1)
        worse = await asyncio.to_thread(partial(run_leased, one_step, database, "2026-11-26", force=True))
        assert worse is not None and worse.status == "rejected", worse
        assert "held-out loss" in worse.detail
        assert [(row["version"], row["status"]) for row in list_versions(database)] == [
            ("v1", "promoted"),
            ("v2", "rejected"),
        ]
        await service.sync_served_version()
        assert (await llm.complete(chat, GREEDY)).text == trained_answer

        assert rollback(database, "smollm2-135m").version == "base"
        await service.sync_served_version()
        assert llm.version == "base"
        assert (await llm.complete(chat, GREEDY)).text == base_answer
    finally:
        await engine.aclose()
        await llm.aclose()
