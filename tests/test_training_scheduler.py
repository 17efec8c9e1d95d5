"""The training service of `chatwright run`: the nightly job's time, and a due night runs once."""

from __future__ import annotations

import datetime
from pathlib import Path

import sqlalchemy as sa

from conversation.settings import Settings
from storage import create_database_engine
from storage.tables import job_leases
from tests.fakes.engines import make_engine, sqlite_url
from training.scheduler import LEASE_NAME, TrainingService, run_leased


def service_for(tmp_path: Path, schedule: str) -> tuple[TrainingService, sa.Engine]:
    url = sqlite_url(tmp_path)
    engine = make_engine(url)
    database = create_database_engine(url)
    settings = Settings(
        model="fake",
        data_dir=tmp_path,
        training_schedule=schedule,
        training_min_new_pairs=1,
        training_sources=["test"],
    )
    return TrainingService(engine, settings, database), database


async def test_the_nightly_job_is_scheduled_at_the_configured_time(tmp_path: Path) -> None:
    service, _ = service_for(tmp_path, "02:30")
    await service.start()
    try:
        nightly = next(job for job in service.scheduler.get_jobs() if job.name == "TrainingService.nightly")
        assert (nightly.next_run_time.hour, nightly.next_run_time.minute) == (2, 30)
    finally:
        await service.stop()


async def test_schedule_off_keeps_only_the_version_poll(tmp_path: Path) -> None:
    service, _ = service_for(tmp_path, "off")
    await service.start()
    try:
        assert [job.name for job in service.scheduler.get_jobs()] == ["TrainingService.sync_served_version"]
    finally:
        await service.stop()


async def test_a_night_is_claimed_once_even_when_its_job_fires_twice(tmp_path: Path) -> None:
    service, database = service_for(tmp_path, "03:00")
    await service.nightly()  # nothing to learn from yet: the run is skipped, the night is claimed
    with database.connect() as connection:
        row = connection.execute(sa.select(job_leases).where(job_leases.c.name == LEASE_NAME)).one()
    assert row.last_run_key == datetime.date.today().isoformat()
    assert row.holder is None  # released
    again = run_leased(service.settings, database, datetime.date.today().isoformat())
    assert again is None  # another process firing the same night gets nothing to do
    tomorrow = run_leased(service.settings, database, "tomorrow")
    assert tomorrow is not None and tomorrow.status == "skipped"
