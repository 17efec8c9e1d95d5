"""Versions: the promotion gate, promote and roll back, the served version a new backend picks."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from conversation.llm.models import ServedVersion, promoted_version
from tests.fakes.engines import migrated_database, sqlite_url
from training.errors import TrainingError
from training.versions import judge, list_versions, next_version, promote, record_version, rollback


@pytest.fixture
def database(tmp_path: Path) -> sa.Engine:
    """A migrated SQLite database."""
    engine = migrated_database(sqlite_url(tmp_path))
    return engine


def evaluation(chat: float, order: float, similarity: float = 0.8) -> dict[str, Any]:
    """Held-out metrics of one version with two skills."""
    overall = (chat + order) / 2
    return {
        "loss": {"all": overall, "chat": chat, "order": order},
        "similarity": {"all": similarity, "chat": similarity, "order": similarity},
    }


def test_a_clearly_better_candidate_is_promoted() -> None:
    decision = judge({"serving": evaluation(2.0, 2.0), "candidate": evaluation(1.5, 1.8)}, 0.05, 0.0)
    assert decision.promote


def test_a_worse_candidate_is_refused() -> None:
    decision = judge({"serving": evaluation(1.5, 1.5), "candidate": evaluation(1.7, 1.6)}, 0.05, 0.0)
    assert not decision.promote
    assert any("held-out loss" in reason for reason in decision.reasons)


def test_a_candidate_better_by_less_than_the_margin_is_refused() -> None:
    decision = judge({"serving": evaluation(2.0, 2.0), "candidate": evaluation(1.95, 1.95)}, 0.05, 0.0)
    assert not decision.promote


def test_a_candidate_that_regresses_one_skill_is_refused_even_if_better_overall() -> None:
    decision = judge({"serving": evaluation(2.0, 1.0), "candidate": evaluation(1.0, 1.1)}, 0.05, 0.0)
    assert not decision.promote
    assert decision.reasons == ["skill order regresses: loss 1.1000 > 1.0000"]


def test_a_candidate_whose_answers_drift_away_from_the_references_is_refused() -> None:
    metrics = {
        "serving": evaluation(2.0, 2.0, similarity=0.9),
        "candidate": evaluation(1.0, 1.0, similarity=0.6),
    }
    assert not judge(metrics, 0.05, 0.1).promote


def test_a_candidate_that_passes_fewer_harness_cases_of_a_skill_is_refused() -> None:
    metrics = {
        "serving": evaluation(2.0, 2.0),
        "candidate": evaluation(1.0, 1.0),
        "skill_eval": {
            "serving": {"order": 1.0, "proofread": 0.5},
            "candidate": {"order": 1.0, "proofread": 0.25},
        },
    }
    decision = judge(metrics, 0.05, 0.0)
    assert not decision.promote
    assert decision.reasons == ["skill proofread regresses in the skill harness: pass rate 25% < 50%"]
    metrics["skill_eval"]["candidate"]["proofread"] = 0.75
    assert judge(metrics, 0.05, 0.0).promote


def add_version(database: sa.Engine, folder: Path) -> str:
    version = next_version(database)
    adapter = folder / version / "adapter.gguf"
    adapter.parent.mkdir(parents=True)
    adapter.write_bytes(b"GGUF")
    record_version(database, version, "smollm2-135m", adapter, {"note": version})
    return version


def test_promote_then_rollback_returns_to_the_previous_version_then_to_the_base(
    database: sa.Engine, tmp_path: Path
) -> None:
    first, second = add_version(database, tmp_path), add_version(database, tmp_path)
    assert (first, second) == ("v1", "v2")
    assert promoted_version(database, "smollm2-135m") == ServedVersion()
    promote(database, first)
    promote(database, second)
    assert promoted_version(database, "smollm2-135m").version == "v2"
    assert rollback(database, "smollm2-135m").version == "v1"
    assert {row["version"]: row["status"] for row in list_versions(database)} == {
        "v1": "promoted",
        "v2": "rolled_back",
    }
    assert rollback(database, "smollm2-135m") == ServedVersion()
    with pytest.raises(TrainingError, match="nothing to roll back"):
        rollback(database, "smollm2-135m")


def test_promoting_an_unknown_version_or_one_without_its_adapter_is_refused(
    database: sa.Engine, tmp_path: Path
) -> None:
    with pytest.raises(TrainingError, match="no model version 'v9'"):
        promote(database, "v9")
    version = add_version(database, tmp_path)
    (tmp_path / version / "adapter.gguf").unlink()
    with pytest.raises(TrainingError, match="adapter of version v1 is missing"):
        promote(database, version)
