"""The skill harness as part of the promotion gate: serving version and candidate, same cases."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path

from conversation.llm import embedded_llm
from conversation.settings import Settings
from conversation.skill_eval import SkillCase, load_cases, run_skill_eval


def harness_pass_rates(
    settings: Settings, serving_adapter: Path | None, candidate_adapter: Path
) -> dict[str, dict[str, float]]:
    """``{"serving": {skill: pass rate}, "candidate": {...}}`` on ``training_skill_cases``.

    Each version is loaded on its own (the configured GGUF plus its adapter, if any) and answers
    the cases through a scratch engine, so the bot's own model and conversations are not touched.
    """
    cases = load_cases(settings.training_skill_cases).case
    versions = {"serving": serving_adapter, "candidate": candidate_adapter}
    return {
        name: asyncio.run(_pass_rates(settings, name, adapter, cases)) for name, adapter in versions.items()
    }


async def _pass_rates(
    settings: Settings, version: str, adapter: Path | None, cases: Sequence[SkillCase]
) -> dict[str, float]:
    backend = embedded_llm(settings, adapter, version)
    try:
        return await run_skill_eval(backend, settings, cases)
    finally:
        await backend.aclose()
