"""/admin train, models, promote and rollback over the training package's model versions."""

from __future__ import annotations

import asyncio
import re
import time
from pathlib import Path

from storage.tables import model_versions
from tests.fakes.admin_bot import admin_bot


async def test_promote_and_rollback_switch_the_served_version_and_stats_shows_it(tmp_path: Path) -> None:
    async with admin_bot(tmp_path) as bot:
        empty = await bot.admin("models")
        with bot.database.begin() as connection:
            for number, status in ((1, "promoted"), (2, "candidate")):
                adapter = tmp_path / f"v{number}.gguf"
                adapter.write_bytes(b"lora")
                connection.execute(
                    model_versions.insert().values(
                        version=f"v{number}",
                        base_model=bot.settings.model,
                        adapter_path=str(adapter),
                        metrics={},
                        status=status,
                        created_at=time.time(),
                        promoted_at=time.time() if status == "promoted" else None,
                    )
                )
        promoted = await bot.admin("promote v2")
        serving = await bot.admin("stats")
        listed = await bot.admin("models")
        rolled_back = await bot.admin("rollback")
        missing = await bot.admin("promote v9")

    assert empty.text == "No fine-tuned versions yet (/admin train)."
    assert (
        promoted.text == "Now serving v2."
        and (serving.data or {})["active_model"] == "v2 (promoted fine-tune)"
    )
    assert listed.text == f"v1 retired on {bot.settings.model}\nv2 promoted on {bot.settings.model}"
    assert rolled_back.text == "Now serving v1."
    assert (missing.data or {})["result"] == "error" and "There is no model version 'v9'" in missing.text


async def test_train_runs_in_the_background_and_its_outcome_is_audited(tmp_path: Path) -> None:
    async with admin_bot(tmp_path) as bot:
        started = await bot.admin("train")
        async with asyncio.timeout(60):
            while not (finished := [row for row in bot.audit() if row["args"][:1] == ["finished"]]):
                await asyncio.sleep(0.05)

    assert started.text.startswith("Training run admin-") and (started.data or {})["result"] == "ok"
    [entry] = finished
    assert (entry["verb"], entry["result"], entry["user_id"]) == ("train", "ok", "boss")
    assert re.fullmatch(r"skipped -: \d+ new pairs, fewer than \d+", entry["detail"])
