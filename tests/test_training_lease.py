"""The training lease: one due run across processes, expiry after a crash, once per run key."""

from __future__ import annotations

import multiprocessing
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import sqlalchemy as sa

from conversation.settings import Settings
from storage import create_database_engine
from tests.fakes.engines import DATABASES, database_url_for, migrated_database
from training import lease
from training.scheduler import run_leased


@pytest.fixture(params=DATABASES)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh SQLite file or PostgreSQL schema: the lease must be atomic on both."""
    with database_url_for(request.param, tmp_path) as url:
        yield url


@pytest.fixture
def database(database_url: str) -> sa.Engine:
    """The migrated database."""
    engine = migrated_database(database_url)
    return engine


def scheduler_process(url: str, data_dir: str, start_at: float, results: multiprocessing.Queue[str]) -> None:
    """One bot process whose nightly job fires at ``start_at``: the real leased run."""
    settings = Settings(
        model="fake",
        data_dir=Path(data_dir),
        database_url=url,
        training_min_new_pairs=1,
        training_sources=["test"],
    )
    database = create_database_engine(url)
    time.sleep(max(0.0, start_at - time.time()))
    outcome = run_leased(settings, database, "2026-11-25")
    results.put("lost" if outcome is None else f"ran: {outcome.status}")


@pytest.mark.slow
def test_two_scheduler_processes_with_one_due_job_run_it_exactly_once(
    database: sa.Engine, database_url: str, tmp_path: Path
) -> None:
    context = multiprocessing.get_context("spawn")
    results: multiprocessing.Queue[str] = context.Queue()
    start_at = time.time() + 3.0
    processes = [
        context.Process(target=scheduler_process, args=(database_url, str(tmp_path), start_at, results))
        for _ in range(2)
    ]
    for process in processes:
        process.start()
    outcomes = sorted(results.get(timeout=120) for _ in processes)
    for process in processes:
        process.join(timeout=30)
    assert outcomes == ["lost", "ran: skipped"]


def test_two_holders_racing_in_threads_get_one_lease(database: sa.Engine) -> None:
    with ThreadPoolExecutor(8) as pool:
        wins = list(pool.map(lambda i: lease.acquire(database, "job", "day-1", f"h{i}", 60.0), range(8)))
    assert wins.count(True) == 1


def test_a_due_job_runs_once_per_run_key_even_after_release(database: sa.Engine) -> None:
    with lease.held(database, "job", "day-1", "a", 60.0) as mine:
        assert mine
        assert not lease.acquire(database, "job", "day-2", "b", 60.0)  # held: not even a new key
    assert not lease.acquire(database, "job", "day-1", "b", 60.0)  # done for day 1
    assert lease.acquire(database, "job", "day-2", "b", 60.0)


def test_a_crashed_holders_lease_expires(database: sa.Engine) -> None:
    assert lease.acquire(database, "job", "day-1", "crashed", 1.0)  # never released
    assert not lease.acquire(database, "job", "manual-1", "b", 60.0)
    time.sleep(1.1)
    assert lease.acquire(database, "job", "manual-2", "b", 60.0)
