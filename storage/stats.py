"""Usage figures for admins: messages per skill/platform/day, latency, errors, feedback, model."""

from __future__ import annotations

import math
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa

from storage.tables import feedback, model_versions, transcripts

DAY_S = 86_400.0


@dataclass(frozen=True, slots=True)
class UsageStats:
    """What ``/admin stats`` shows, over the last ``days`` days."""

    days: int
    messages: int
    per_skill: dict[str, int]
    per_platform: dict[str, int]
    per_day: dict[str, int]
    """ISO date (UTC) -> messages."""
    latency_p50_ms: float | None
    latency_p95_ms: float | None
    errors: int
    thumbs_up: int
    thumbs_down: int
    promoted_model: str | None
    """The promoted fine-tuned version, if any."""

    @property
    def feedback_ratio(self) -> float | None:
        """Share of thumbs-up among all votes, None without votes."""
        votes = self.thumbs_up + self.thumbs_down
        return self.thumbs_up / votes if votes else None


def usage_stats(database: sa.Engine, days: int, now: float | None = None) -> UsageStats:
    """Figures from the transcripts of the last ``days`` days, all feedback, and the model versions."""
    since = (now or time.time()) - days * DAY_S
    query = sa.select(
        transcripts.c.skill,
        transcripts.c.platform,
        transcripts.c.created_at,
        transcripts.c.latency_ms,
        transcripts.c.outcome,
    ).where(transcripts.c.created_at >= since)
    votes = sa.select(feedback.c.value, sa.func.count()).group_by(feedback.c.value)
    promoted = (
        sa.select(model_versions.c.version)
        .where(model_versions.c.status == "promoted")
        .order_by(model_versions.c.promoted_at.desc())
        .limit(1)
    )
    with database.connect() as connection:
        rows = connection.execute(query).all()
        tally = {value: count for value, count in connection.execute(votes).all()}
        version = connection.execute(promoted).scalar()
    answered = [row for row in rows if row.outcome == "ok"]
    latencies = sorted(row.latency_ms for row in answered)
    return UsageStats(
        days=days,
        messages=len(rows),
        per_skill=dict(Counter(row.skill or "(none)" for row in rows).most_common()),
        per_platform=dict(Counter(row.platform for row in rows).most_common()),
        per_day=dict(sorted(Counter(_day(row.created_at) for row in rows).items())),
        latency_p50_ms=_percentile(latencies, 0.50),
        latency_p95_ms=_percentile(latencies, 0.95),
        errors=len(rows) - len(answered),
        thumbs_up=sum(count for value, count in tally.items() if value > 0),
        thumbs_down=sum(count for value, count in tally.items() if value < 0),
        promoted_model=version,
    )


def _day(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).date().isoformat()


def _percentile(ordered: list[float], fraction: float) -> float | None:
    """Nearest-rank percentile of sorted values; None when there are none."""
    if not ordered:
        return None
    return ordered[max(1, math.ceil(fraction * len(ordered))) - 1]
