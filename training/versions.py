"""Every fine-tuned version with its metrics, the promotion gate, promote and roll back.

Statuses: ``candidate`` (just trained), ``rejected`` (the gate said no), ``promoted`` (served;
at most one per base model), ``retired`` (was promoted before), ``rolled_back``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from conversation.llm.models import ServedVersion, promoted_version
from storage.tables import model_versions
from training.errors import TrainingError


@dataclass(frozen=True, slots=True)
class Decision:
    """The gate's verdict on a candidate, with the reasons in words."""

    promote: bool
    reasons: list[str] = field(default_factory=list)


def judge(metrics: dict[str, Any], margin: float, tolerance: float) -> Decision:
    """Promote only when the held-out loss improves by ``margin`` (relative) and no skill regresses.

    ``metrics`` holds ``candidate`` and ``serving`` evaluations of the same held-out split, each
    with ``loss`` and ``similarity`` per skill (key ``all`` overall). A skill regresses when its
    loss rises by more than ``tolerance`` (relative) or its similarity falls by more than it, or,
    when ``skill_eval`` holds both versions' harness pass rates, when its pass rate falls at all.
    """
    candidate, serving = metrics["candidate"], metrics["serving"]
    reasons = []
    wanted = serving["loss"]["all"] * (1 - margin)
    if candidate["loss"]["all"] > wanted:
        reasons.append(
            f"held-out loss {candidate['loss']['all']:.4f} is not below {wanted:.4f} "
            f"(serving {serving['loss']['all']:.4f} less {margin:.0%})"
        )
    for skill, loss in sorted(candidate["loss"].items()):
        if skill != "all" and loss > serving["loss"].get(skill, loss) * (1 + tolerance):
            reasons.append(f"skill {skill} regresses: loss {loss:.4f} > {serving['loss'][skill]:.4f}")
    for skill, similarity in sorted(candidate["similarity"].items()):
        before = serving["similarity"].get(skill, similarity)
        if skill != "all" and similarity < before - tolerance:
            reasons.append(f"skill {skill} regresses: similarity {similarity:.3f} < {before:.3f}")
    harness = metrics.get("skill_eval", {})
    for skill, rate in sorted(harness.get("candidate", {}).items()):
        before = harness["serving"].get(skill, rate)
        if rate < before:
            reasons.append(
                f"skill {skill} regresses in the skill harness: pass rate {rate:.0%} < {before:.0%}"
            )
    return Decision(not reasons, reasons or ["better on held-out loss and no skill regresses"])


def next_version(database: sa.Engine) -> str:
    """The next free version name (v1, v2, and so on)."""
    with database.connect() as connection:
        names = connection.execute(sa.select(model_versions.c.version)).scalars().all()
    numbers = [int(name[1:]) for name in names if name.startswith("v") and name[1:].isdigit()]
    return f"v{max(numbers, default=0) + 1}"


def record_version(
    database: sa.Engine, version: str, base_model: str, adapter_path: Path, metrics: dict[str, Any]
) -> None:
    """Keep a new candidate version with its metrics."""
    with database.begin() as connection:
        connection.execute(
            model_versions.insert().values(
                version=version,
                base_model=base_model,
                adapter_path=str(adapter_path),
                metrics=metrics,
                status="candidate",
                created_at=time.time(),
            )
        )


def list_versions(database: sa.Engine) -> list[dict[str, Any]]:
    """All versions, oldest first."""
    with database.connect() as connection:
        rows = connection.execute(sa.select(model_versions).order_by(model_versions.c.created_at))
        return [dict(row._mapping) for row in rows]


def set_status(database: sa.Engine, version: str, status: str) -> None:
    """Mark a version (e.g. ``rejected``)."""
    with database.begin() as connection:
        connection.execute(
            model_versions.update().where(model_versions.c.version == version).values(status=status)
        )


def promote(database: sa.Engine, version: str) -> ServedVersion:
    """Serve ``version`` on its base model; the one served before becomes ``retired``."""
    with database.begin() as connection:
        row = connection.execute(
            sa.select(model_versions.c.base_model, model_versions.c.adapter_path).where(
                model_versions.c.version == version
            )
        ).first()
        if row is None:
            raise TrainingError(f"There is no model version {version!r} (see `chatwright models list`).")
        if row.adapter_path is None or not Path(row.adapter_path).is_file():
            raise TrainingError(f"The adapter of version {version} is missing: {row.adapter_path}")
        connection.execute(
            model_versions.update()
            .where(model_versions.c.base_model == row.base_model, model_versions.c.status == "promoted")
            .values(status="retired")
        )
        connection.execute(
            model_versions.update()
            .where(model_versions.c.version == version)
            .values(status="promoted", promoted_at=time.time())
        )
    return ServedVersion(version, Path(row.adapter_path))


def rollback(database: sa.Engine, base_model: str) -> ServedVersion:
    """Stop serving the promoted version; serve the one promoted before it (or the plain base)."""
    with database.begin() as connection:
        current = connection.execute(
            sa.select(model_versions.c.version).where(
                model_versions.c.base_model == base_model, model_versions.c.status == "promoted"
            )
        ).scalar()
        if current is None:
            raise TrainingError(f"No version of {base_model} is promoted: nothing to roll back.")
        connection.execute(
            model_versions.update().where(model_versions.c.version == current).values(status="rolled_back")
        )
        previous = connection.execute(
            sa.select(model_versions.c.version)
            .where(model_versions.c.base_model == base_model, model_versions.c.status == "retired")
            .order_by(model_versions.c.promoted_at.desc())
            .limit(1)
        ).scalar()
        if previous is not None:
            connection.execute(
                model_versions.update().where(model_versions.c.version == previous).values(status="promoted")
            )
    return promoted_version(database, base_model)
