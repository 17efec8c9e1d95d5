"""Engines on a real database (a SQLite file, or a schema on the test PostgreSQL) with a FakeLLM."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.pool import NullPool

from conversation import Engine, EngineLimits, Message
from conversation.llm import LLM, FakeLLM
from conversation.router import Router
from skills import ChatSkill
from storage import Ledger, create_database_engine, upgrade_schema


def sqlite_url(folder: Path) -> str:
    """A SQLite database file inside ``folder``."""
    return f"sqlite:///{folder / 'chatwright.db'}"


def migrated_database(url: str) -> sa.Engine:
    """The database at ``url`` with every migration applied."""
    database = create_database_engine(url)
    upgrade_schema(database)
    return database


def make_engine(url: str, llm: LLM | None = None, limits: EngineLimits | None = None) -> Engine:
    """An engine with only the chat skill on a migrated database at ``url``."""
    database = migrated_database(url)
    router = Router({"chat": ChatSkill("You are a test bot.")})
    return Engine(Ledger(database), llm or FakeLLM(), router, limits or EngineLimits())


def message(
    text: str,
    *,
    user: str = "u1",
    event_id: str | None = None,
    channel: str = "c1",
    platform: str = "test",
    thread: str = "",
) -> Message:
    """A test message; the event id defaults to one derived from user and text."""
    return Message(
        platform=platform,
        user=user,
        text=text,
        event_id=event_id or f"{user}:{text}",
        channel=channel,
        thread=thread,
    )


POSTGRES_URL_VARIABLE = "CHATWRIGHT_TEST_POSTGRES_URL"
"""Names the PostgreSQL server the tests use; unset, they try the one ``.ci/start-postgres`` sets up."""
DEFAULT_POSTGRES_URL = "postgresql+psycopg://chatwright:chatwright@127.0.0.1:5432/chatwright_test"

DATABASES = ("sqlite", "postgresql")
"""What the engine suite runs on: ``pytest.mark.parametrize`` over these with ``database_url_for``."""


def postgres_server_url() -> str:
    """The test PostgreSQL URL; skips the test (fails it when ``CI=true``) when it is unreachable."""
    url = os.environ.get(POSTGRES_URL_VARIABLE) or DEFAULT_POSTGRES_URL
    try:
        probe = sa.create_engine(url, poolclass=NullPool)
        with probe.connect():
            pass
        probe.dispose()
    except sa.exc.OperationalError as error:
        shown = sa.make_url(url).render_as_string()
        problem = (
            f"no PostgreSQL for the tests at {shown} ({error.orig}); run `.ci/start-postgres` as root "
            f"or set {POSTGRES_URL_VARIABLE}"
        )
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true needs PostgreSQL: {problem}", pytrace=False)
        pytest.skip(problem)
    return url


@contextmanager
def postgres_schema() -> Iterator[str]:
    """A URL for a fresh, empty schema on the test PostgreSQL server, dropped afterwards."""
    server = postgres_server_url()
    name = f"test_{uuid.uuid4().hex[:16]}"
    admin = sa.create_engine(server, poolclass=NullPool)
    with admin.begin() as connection:
        connection.exec_driver_sql(f'CREATE SCHEMA "{name}"')
    url = sa.make_url(server).update_query_dict({"options": f"-csearch_path={name}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.exec_driver_sql(f'DROP SCHEMA "{name}" CASCADE')
        admin.dispose()


@contextmanager
def database_url_for(kind: str, folder: Path) -> Iterator[str]:
    """A fresh database of ``kind`` (one of DATABASES): a SQLite file in ``folder`` or a PostgreSQL schema."""
    if kind == "sqlite":
        yield sqlite_url(folder)
    else:
        with postgres_schema() as url:
            yield url


@pytest.fixture(name="database_url", params=DATABASES)
def database_url_on_each(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Import into a test module to run its tests on SQLite and on PostgreSQL."""
    with database_url_for(request.param, tmp_path) as url:
        yield url
