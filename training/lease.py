"""A job lease row: exactly one process runs a due job, even with several bot processes.

Taking the lease is one conditional UPDATE, atomic on SQLite and PostgreSQL alike: it succeeds
only while no unexpired holder has it and the job has not yet run for this ``run_key`` (the
date, for the nightly run). A crashed holder's lease expires; the run key stays, so a night's
run is attempted once.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa

from storage.tables import job_leases


def acquire(database: sa.Engine, name: str, run_key: str, holder: str, ttl_s: float) -> bool:
    """Take the lease ``name`` for ``run_key`` until ``ttl_s`` from now; False if someone else may run."""
    _ensure_row(database, name)
    now = time.time()
    with database.begin() as connection:
        taken = connection.execute(
            job_leases.update()
            .where(
                job_leases.c.name == name,
                job_leases.c.expires_at < now,
                sa.or_(job_leases.c.last_run_key.is_(None), job_leases.c.last_run_key != run_key),
            )
            .values(holder=holder, expires_at=now + ttl_s, last_run_key=run_key)
        )
        return taken.rowcount == 1


def release(database: sa.Engine, name: str, holder: str) -> None:
    """Give the lease back (only if ``holder`` still has it); the run key is kept."""
    with database.begin() as connection:
        connection.execute(
            job_leases.update()
            .where(job_leases.c.name == name, job_leases.c.holder == holder)
            .values(holder=None, expires_at=0.0)
        )


@contextmanager
def held(database: sa.Engine, name: str, run_key: str, holder: str, ttl_s: float) -> Iterator[bool]:
    """Hold the lease for the body when this process wins it; the body gets True only then."""
    mine = acquire(database, name, run_key, holder, ttl_s)
    try:
        yield mine
    finally:
        if mine:
            release(database, name, holder)


def _ensure_row(database: sa.Engine, name: str) -> None:
    with database.connect() as connection:
        exists = connection.execute(sa.select(job_leases.c.name).where(job_leases.c.name == name)).first()
    if exists is not None:
        return
    try:
        with database.begin() as connection:
            connection.execute(job_leases.insert().values(name=name, holder=None, expires_at=0.0))
    except sa.exc.IntegrityError:
        pass  # another process created it first: the row exists, which is all we need
