"""One training run: dataset -> train and evaluate (child process, nice) -> record -> gate -> promote.

The caller holds the training lease (see ``lease.py``); this module only does the run.
"""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import sqlalchemy as sa

from conversation.llm.models import promoted_version, resolve_model_path
from conversation.settings import Settings
from storage.tables import training_runs
from storage.training_sources import training_sources
from training.base_model import plain_model_dir
from training.dataset import build_dataset, write_dataset
from training.errors import TrainingError
from training.evaluate import write_report
from training.job import JobSpec
from training.skill_gate import harness_pass_rates
from training.tokens import Side
from training.train import TrainParams
from training.versions import judge, next_version, promote, record_version, set_status

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class RunOutcome:
    """What a run did: ``skipped``, ``rejected`` or ``promoted``, and the version it made."""

    status: str
    version: str | None
    detail: str
    metrics: dict[str, Any] | None = None


def train_params(settings: Settings) -> TrainParams:
    """The training configuration from the ``training_*`` settings."""
    return TrainParams(
        max_steps=settings.training_max_steps,
        epochs=settings.training_epochs,
        learning_rate=settings.training_learning_rate,
        batch_size=settings.training_batch_size,
        max_length=settings.training_max_length,
        padding_side=cast(Side, settings.training_padding_side),
        truncation_side=cast(Side, settings.training_truncation_side),
        lora_rank=settings.training_lora_rank,
        lora_alpha=settings.training_lora_alpha,
        threads=settings.llm_threads,
    )


def run_training(settings: Settings, database: sa.Engine, *, force: bool = False) -> RunOutcome:
    """Build the dataset and, when there is enough new data (or ``force``), train, judge, promote."""
    since = _last_success(database)
    dataset = build_dataset(
        database,
        test_fraction=settings.training_test_fraction,
        near_duplicate_threshold=settings.training_near_duplicate_threshold,
        sources=training_sources(database, settings.training_sources),
        since=since,
    )
    if not force and dataset.manifest["new_pairs"] < settings.training_min_new_pairs:
        detail = f"{dataset.manifest['new_pairs']} new pairs, fewer than {settings.training_min_new_pairs}"
        return RunOutcome("skipped", None, detail)
    if dataset.manifest["train"] == 0 or dataset.manifest["test"] == 0:
        return RunOutcome("skipped", None, "the dataset has no train or no held-out pair")
    if settings.model == "fake" or settings.model.startswith("openai:"):
        raise TrainingError(f"Fine-tuning needs an embedded GGUF model, not {settings.model!r}.")
    run_id = _start_run(database, dataset.manifest)
    version = next_version(database)
    folder = settings.data_dir / "training" / "versions" / version
    try:
        outcome = _train_and_judge(settings, database, version, folder, write_dataset(dataset, folder))
    except Exception as error:
        _finish_run(database, run_id, "failed", version, str(error))
        raise
    _finish_run(database, run_id, outcome.status, version, None)
    return outcome


def _train_and_judge(
    settings: Settings, database: sa.Engine, version: str, folder: Path, dataset_path: Path
) -> RunOutcome:
    base_gguf = resolve_model_path(settings.model, settings.resolved_cache_dir)
    serving = promoted_version(database, settings.model)
    spec = JobSpec(
        dataset=str(dataset_path),
        out=str(folder),
        base_gguf=str(base_gguf),
        model_dir=str(plain_model_dir(base_gguf, settings.resolved_cache_dir)),
        serving_adapter=None if serving.adapter_path is None else str(serving.adapter_path),
        params={field: getattr(train_params(settings), field) for field in TrainParams.__dataclass_fields__},
        nice=settings.training_nice,
        eval_limit=settings.training_eval_limit,
    )
    started = time.monotonic()
    with (folder / "train.log").open("w", encoding="utf-8") as child_log:
        child = subprocess.run(
            [sys.executable, "-m", "training.job", str(spec.write(folder / "job.json"))],
            check=False,
            timeout=settings.training_timeout_s,
            stdout=child_log,
            stderr=subprocess.STDOUT,
        )
    if child.returncode != 0:
        raise TrainingError(
            f"Training {version} failed (exit {child.returncode}); see {folder / 'train.log'}."
        )
    metrics = json.loads((folder / "metrics.json").read_text(encoding="utf-8"))
    if settings.training_skill_eval:
        metrics["skill_eval"] = harness_pass_rates(settings, serving.adapter_path, folder / "adapter.gguf")
    decision = judge(metrics, settings.training_promote_margin, settings.training_skill_tolerance)
    metrics.update(
        version=version,
        base_model=settings.model,
        serving_version=serving.version,
        wall_s=time.monotonic() - started,
        decision={"promote": decision.promote, "reasons": decision.reasons},
    )
    record_version(database, version, settings.model, folder / "adapter.gguf", metrics)
    write_report(metrics, folder)
    if decision.promote:
        promote(database, version)
        return RunOutcome("promoted", version, "; ".join(decision.reasons), metrics)
    set_status(database, version, "rejected")
    return RunOutcome("rejected", version, "; ".join(decision.reasons), metrics)


def _last_success(database: sa.Engine) -> float:
    query = sa.select(sa.func.max(training_runs.c.started_at)).where(
        training_runs.c.status.in_(("promoted", "rejected"))
    )
    with database.connect() as connection:
        return float(connection.execute(query).scalar() or 0.0)


def _start_run(database: sa.Engine, manifest: dict[str, Any]) -> int:
    with database.begin() as connection:
        inserted = connection.execute(
            training_runs.insert()
            .values(status="running", started_at=time.time(), manifest=manifest)
            .returning(training_runs.c.id)
        )
        return int(inserted.scalar_one())


def _finish_run(
    database: sa.Engine, run_id: int, status: str, version: str | None, error: str | None
) -> None:
    with database.begin() as connection:
        connection.execute(
            training_runs.update()
            .where(training_runs.c.id == run_id)
            .values(status=status, finished_at=time.time(), version=version, error=error)
        )
