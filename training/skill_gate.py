"""The skill harness as part of the promotion gate: serving version and candidate, same cases."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path

from conversation.llm.embedded import LlamaCppBackend
from conversation.settings import Settings
from conversation.skill_eval import SkillCase, load_cases, run_skill_eval


def harness_pass_rates(
    settings: Settings, base_gguf: Path, serving_adapter: Path | None, candidate_adapter: Path
) -> dict[str, dict[str, float]]:
    """``{"serving": {skill: pass rate}, "candidate": {...}}`` on ``training_skill_cases``.

    Each version is loaded on its own (the base GGUF plus its adapter, if any) and answers the
    cases through a scratch engine, so the bot's own model and conversations are not touched.
    """
    cases = load_cases(settings.training_skill_cases).case
    versions = {"serving": serving_adapter, "candidate": candidate_adapter}
    return {
        name: asyncio.run(_pass_rates(settings, base_gguf, adapter, cases))
        for name, adapter in versions.items()
    }


async def _pass_rates(
    settings: Settings, base_gguf: Path, adapter: Path | None, cases: Sequence[SkillCase]
) -> dict[str, float]:
    backend = LlamaCppBackend(
        model_path=base_gguf,
        name=settings.model,
        n_ctx=settings.context_window,
        n_threads=settings.llm_threads,
        timeout_s=settings.llm_timeout_s,
        lora_path=adapter,
    )
    try:
        return await run_skill_eval(backend, settings, cases)
    finally:
        await backend.aclose()
