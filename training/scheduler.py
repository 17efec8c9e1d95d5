"""The training service of `chatwright run`: the nightly run (APScheduler) and version switching.

Each bot process runs this; the lease makes one of them train. Every process polls which
version is promoted (by a run, or by `chatwright models promote/rollback` from a shell) and
switches its embedded model to it between requests, without a restart.
"""

from __future__ import annotations

import asyncio
import datetime
import logging
import os
import socket
import uuid
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from starlette.routing import BaseRoute

from conversation import Engine, Settings
from conversation.llm.models import promoted_version
from storage import create_database_engine
from training import lease
from training.pipeline import RunOutcome, run_training

log = logging.getLogger(__name__)
LEASE_NAME = "training"


def process_holder() -> str:
    """A lease holder name unique to this process."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def run_leased(
    settings: Settings, database: sa.Engine, run_key: str, *, force: bool = False
) -> RunOutcome | None:
    """Run training if this process wins the lease for ``run_key``; None when another one runs."""
    with lease.held(database, LEASE_NAME, run_key, process_holder(), settings.training_timeout_s) as mine:
        if not mine:
            return None
        return run_training(settings, database, force=force)


class TrainingService:
    """Started and stopped with the server, like a platform adapter (it mounts no routes)."""

    platform = "training"

    def __init__(self, engine: Engine, settings: Settings, database: sa.Engine | None = None) -> None:
        self.engine = engine
        self.settings = settings
        self.database = database or create_database_engine(settings.resolved_database_url)
        self.scheduler = AsyncIOScheduler()

    def routes(self) -> Sequence[BaseRoute]:
        """No HTTP endpoints."""
        return ()

    async def start(self) -> None:
        """Schedule the nightly run (unless ``training_schedule`` is off) and the version poll."""
        if self.settings.training_schedule != "off":
            hour, minute = self.settings.training_schedule.split(":")
            self.scheduler.add_job(self.nightly, CronTrigger(hour=int(hour), minute=int(minute)))
        self.scheduler.add_job(self.sync_served_version, "interval", seconds=self.settings.training_poll_s)
        self.scheduler.start()

    async def stop(self) -> None:
        """Stop scheduling (a run in progress finishes in its thread)."""
        self.scheduler.shutdown(wait=False)

    async def nightly(self) -> None:
        """Today's run, off the event loop; then serve whatever is promoted."""
        today = datetime.date.today().isoformat()
        try:
            outcome = await asyncio.to_thread(run_leased, self.settings, self.database, today)
        except Exception:
            log.exception("the nightly training run failed")
            return
        log.info("nightly training: %s", "another process runs it" if outcome is None else outcome)
        await self.sync_served_version()

    async def sync_served_version(self) -> None:
        """Switch the embedded model to the promoted version if it changed."""
        llm: Any = self.engine.llm
        if not hasattr(llm, "use_adapter"):
            return
        served = await asyncio.to_thread(promoted_version, self.database, llm.name)
        if served.version != llm.version:
            log.info("serving model version %s (was %s)", served.version, llm.version)
            await llm.use_adapter(served.adapter_path, served.version)
