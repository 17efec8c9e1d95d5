"""``/admin stats``: usage figures rendered as a short text."""

from __future__ import annotations

import asyncio
from dataclasses import asdict

from conversation.admin.base import AdminServices, Invocation, VerbResult
from conversation.admin.verbs import count_argument
from storage.stats import UsageStats, usage_stats


async def stats(services: AdminServices, invocation: Invocation) -> VerbResult:
    """``stats [days]``: messages per skill/platform/day, latency, errors, feedback, model (7 days)."""
    figures = await asyncio.to_thread(usage_stats, services.database, count_argument(invocation, 7, 366))
    data = asdict(figures) | {
        "feedback_ratio": figures.feedback_ratio,
        "active_model": _model(services, figures),
    }
    return VerbResult(render_stats(figures, data["active_model"]), data)


def _model(services: AdminServices, figures: UsageStats) -> str:
    if figures.promoted_model is not None:
        return f"{figures.promoted_model} (promoted fine-tune)"
    return f"{services.served_model} (configured; no fine-tune promoted)"


def render_stats(figures: UsageStats, active_model: str) -> str:
    """The figures as a few lines of plain text."""

    def tally(counts: dict[str, int]) -> str:
        return ", ".join(f"{name} {n}" for name, n in counts.items()) or "none"

    def ms(value: float | None) -> str:
        return "n/a" if value is None else f"{value:,.0f} ms"

    ratio = figures.feedback_ratio
    votes = f"{figures.thumbs_up} up / {figures.thumbs_down} down"
    return "\n".join(
        [
            f"Last {figures.days} day(s): {figures.messages} messages, {figures.errors} errors",
            f"By skill: {tally(figures.per_skill)}",
            f"By platform: {tally(figures.per_platform)}",
            f"By day (UTC): {tally(figures.per_day)}",
            f"Latency p50 {ms(figures.latency_p50_ms)}, p95 {ms(figures.latency_p95_ms)}",
            f"Feedback: {votes}" + ("" if ratio is None else f" ({ratio:.0%} positive)"),
            f"Model: {active_model}",
        ]
    )
