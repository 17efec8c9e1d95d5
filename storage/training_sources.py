"""Which platforms' transcripts may train a model: configured defaults plus admins' choices."""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa

from storage.tables import runtime_flags

TRAINING_SOURCES_FLAG = "training_sources"
"""The runtime flag holding admins' choices: {platform: true|false}."""


def training_source_choices(database: sa.Engine) -> dict[str, bool]:
    """What admins enabled (true) or disabled (false) with ``/admin training-sources``."""
    query = sa.select(runtime_flags.c.value).where(runtime_flags.c.name == TRAINING_SOURCES_FLAG)
    with database.connect() as connection:
        value = connection.execute(query).scalar()
    return {str(name): bool(on) for name, on in value.items()} if isinstance(value, dict) else {}


def training_sources(database: sa.Engine, defaults: Iterable[str]) -> frozenset[str]:
    """The platforms that feed training: ``defaults`` (Settings.training_sources) as admins changed them."""
    choices = training_source_choices(database)
    kept = {platform for platform in defaults if choices.get(platform, True)}
    return frozenset(kept | {platform for platform, on in choices.items() if on})
