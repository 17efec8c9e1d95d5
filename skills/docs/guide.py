"""The user guide as the default collection: indexed in the background at start on a fresh install.

While the default collection has no documents and ``docs_guide`` names a folder, the first start
indexes that folder (``make run``: the project's ``docs/``, about twenty pages, seconds) with its
progress in the log; until it is done, ``/ask`` on that collection says so instead of answering.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import sqlalchemy as sa

if TYPE_CHECKING:
    from skills.docs.library import DocsLibrary

log = logging.getLogger(__name__)


class GuideIndexing:
    """Indexes ``folder`` as ``collection`` once, in the background, when that collection is empty."""

    def __init__(
        self, folder: Path, collection: str, library: Callable[[], DocsLibrary], database: sa.Engine
    ) -> None:
        """``library`` opens the docs library (llama-index loads then, in the indexing thread)."""
        self.folder = folder
        self.collection = collection
        self._library = library
        self._database = database
        self._task: asyncio.Task[None] | None = None
        self.done_files = 0
        self.total_files = 0

    @property
    def indexing(self) -> bool:
        """True while the guide is being indexed."""
        return self._task is not None and not self._task.done()

    async def start(self) -> None:
        """Begin indexing in the background (nothing when the collection already has documents)."""
        if not self.folder.is_dir():
            log.warning("docs_guide %s is not a folder: /ask starts with no documents", self.folder)
            return
        self._task = asyncio.create_task(self._index(), name="index the user guide")

    async def aclose(self) -> None:
        """Stop waiting for the indexing; an interrupted run is redone at the next start."""
        if self._task is not None and not self._task.done():
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def _index(self) -> None:
        try:
            report = await asyncio.to_thread(self._ingest)
        except Exception:
            log.exception("indexing the user guide %s failed; /ask answers from no documents", self.folder)
            return
        if report is not None:
            log.info("the user guide is ready for /ask: %s", report)

    def _ingest(self) -> str | None:
        from skills.docs.ingest import collection_files, ingest  # noqa: PLC0415 - loads llama-index

        if collection_files(self._database, self.collection):
            return None
        log.info("indexing the user guide %s as the %r collection for /ask…", self.folder, self.collection)
        report = ingest(
            [self.folder],
            collection=self.collection,
            library=self._library(),
            database=self._database,
            on_file=self._progress,
        )
        return report.summary()

    def _progress(self, done: int, total: int) -> None:
        self.done_files, self.total_files = done, total
        log.info("indexing the user guide: %d of %d files", done, total)
