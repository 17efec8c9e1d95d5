"""Held-out evaluation of a version as served: llama.cpp answers, exact match, MiniLM similarity.

The answers come from the same ``LlamaCppBackend`` the bot serves with (base GGUF plus the
version's LoRA GGUF), greedy, so what is measured is what users would get.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from conversation.llm import ChatMessage, GenerationOptions
from conversation.llm.embedded import LlamaCppBackend
from conversation.llm.embeddings import shared_embedder
from training.dataset import Pair

SHORT_ANSWER_WORDS = 8
"""References up to this many words are also scored by exact match."""
EVAL_TIMEOUT_S = 3600.0


def generate_answers(
    gguf_path: Path, lora_path: Path | None, pairs: Sequence[Pair], max_tokens: int, threads: int
) -> list[str]:
    """Greedy answers of the served model (with ``lora_path`` applied) to each pair's prompt."""

    async def answer_all() -> list[str]:
        backend = LlamaCppBackend(
            gguf_path,
            gguf_path.stem,
            n_ctx=2048,
            n_threads=threads,
            timeout_s=EVAL_TIMEOUT_S,
            lora_path=lora_path,
        )
        options = GenerationOptions(temperature=0.0, max_tokens=max_tokens)
        try:
            answers = []
            for pair in pairs:
                chat = [ChatMessage(m["role"], m["content"]) for m in pair.messages(with_response=False)]  # type: ignore[arg-type]
                answers.append((await backend.complete(chat, options)).text)
            return answers
        finally:
            await backend.aclose()

    return asyncio.run(answer_all())


def answer_metrics(pairs: Sequence[Pair], answers: Sequence[str]) -> dict[str, dict[str, float]]:
    """Per skill (and ``all``): mean MiniLM cosine similarity to the reference, exact-match rate."""
    references = shared_embedder().encode([pair.response for pair in pairs])
    produced = shared_embedder().encode(list(answers))
    similarity = (references * produced).sum(axis=1) if len(pairs) else np.zeros(0)
    by_skill: dict[str, dict[str, list[float]]] = {}
    for pair, answer, score in zip(pairs, answers, similarity.tolist(), strict=True):
        for key in (pair.skill, "all"):
            bucket = by_skill.setdefault(key, {"similarity": [], "exact_match": []})
            bucket["similarity"].append(score)
            if len(pair.response.split()) <= SHORT_ANSWER_WORDS:
                bucket["exact_match"].append(float(_normalise(answer) == _normalise(pair.response)))
    return {
        name: {
            skill: float(np.mean(values[name])) for skill, values in sorted(by_skill.items()) if values[name]
        }
        for name in ("similarity", "exact_match")
    }


def _normalise(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.lower()))


def write_report(metrics: dict[str, Any], folder: Path) -> Path:
    """``report.md`` with the loss curve, a per-skill held-out loss chart and the metric tables."""
    chart = _draw_skill_losses(metrics, folder / "held_out_loss.png")
    candidate, serving = metrics["candidate"], metrics["serving"]
    lines = [
        f"# Training report: {metrics['version']}",
        "",
        f"Base model `{metrics['base_model']}`, compared with the serving version "
        f"`{metrics['serving_version']}` on {metrics['pairs']['test']} held-out pairs "
        f"({metrics['pairs']['train']} trained on, {len(metrics['train']['step_losses'])} steps, "
        f"{metrics['train']['seconds_per_step']:.2f} s/step).",
        "",
        "![training loss](loss_curve.png)",
        f"![held-out loss per skill]({chart.name})",
        "",
        "| metric | skill | serving | candidate |",
        "|---|---|---|---|",
    ]
    for name in ("loss", "perplexity", "similarity", "exact_match"):
        for skill, value in candidate[name].items():
            lines.append(f"| {name} | {skill} | {serving[name].get(skill, float('nan')):.4f} | {value:.4f} |")
    lines += ["", f"**Decision**: {'promote' if metrics['decision']['promote'] else 'keep serving'}", ""]
    lines += [f"- {reason}" for reason in metrics["decision"]["reasons"]]
    path = folder / "report.md"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _draw_skill_losses(metrics: dict[str, Any], path: Path) -> Path:
    import matplotlib  # noqa: PLC0415

    matplotlib.use("Agg")
    from matplotlib import pyplot  # noqa: PLC0415

    skills = list(metrics["candidate"]["loss"])
    x = np.arange(len(skills))
    figure, axes = pyplot.subplots(figsize=(6, 3.5))
    axes.bar(x - 0.2, [metrics["serving"]["loss"][s] for s in skills], 0.4, label="serving")
    axes.bar(x + 0.2, [metrics["candidate"]["loss"][s] for s in skills], 0.4, label="candidate")
    axes.set_xticks(x, skills)
    axes.set_ylabel("held-out loss")
    axes.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    pyplot.close(figure)
    return path
