"""Incremental ingestion: new and changed files indexed, unchanged skipped, deleted removed."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import sqlalchemy as sa
from tqdm import tqdm

from conversation.errors import BadInput
from skills.docs.config import RetrievalMethod, check_collection_name
from skills.docs.library import CollectionIndex, DocsLibrary
from skills.docs.reading import file_sha256, find_files, read_documents
from storage.tables import documents


@dataclass(slots=True)
class IngestReport:
    """What one ingest run did, file paths per outcome."""

    collection: str
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    """Files that could not be read, with the reason; they are left as they were."""
    pages: int = 0
    """Pages (PDF) or sections read from the added and updated files."""
    seconds: float = 0.0

    def summary(self) -> str:
        """One line for the terminal."""
        return (
            f"collection {self.collection}: {len(self.added)} added, {len(self.updated)} updated, "
            f"{len(self.unchanged)} unchanged, {len(self.removed)} removed, {len(self.failed)} failed; "
            f"{self.pages} pages in {self.seconds:.1f} s"
        )


def ingest(
    paths: Iterable[Path],
    *,
    collection: str,
    library: DocsLibrary,
    database: sa.Engine,
    methods: Sequence[RetrievalMethod] | None = None,
    progress: bool = False,
    on_file: Callable[[int, int], None] | None = None,
) -> IngestReport:
    """Bring ``collection``'s indexes for ``methods`` (default: its configured one) up to date.

    ``on_file(done, total)`` is called as each file is started, with the files done so far.

    Files are recorded in the ``documents`` table only after the indexes are written, so an
    interrupted run is simply redone by the next one.
    """
    started = time.perf_counter()
    check_collection_name(collection)
    files = find_files(paths)
    wanted = list(methods or [library.config.retrieval_for(collection).method])
    report = IngestReport(collection)
    known = _known_files(database, collection)
    opened: dict[RetrievalMethod, CollectionIndex] = {}

    def index(method: RetrievalMethod) -> CollectionIndex:
        if method not in opened:
            opened[method] = library.index(collection, method)
        return opened[method]

    gone = [path for path in known if not Path(path).is_file()]
    for path in gone:
        _remove_nodes(index, known[path]["node_ids"])
        report.removed.append(path)
    rows: list[dict[str, Any]] = []
    for done, file in enumerate(tqdm(files, desc=f"ingest {collection}", unit="file", disable=not progress)):
        if on_file is not None:
            on_file(done, len(files))
        path, sha = str(file), file_sha256(file)
        row = known.get(path)
        node_ids: dict[str, list[str]] = dict(row["node_ids"]) if row and row["sha256"] == sha else {}
        missing = [method for method in wanted if method not in node_ids]
        if not missing:
            report.unchanged.append(path)
            continue
        try:
            pages = read_documents(file)
        except BadInput as error:
            report.failed[path] = str(error)
            continue
        if row is not None and row["sha256"] != sha:
            _remove_nodes(index, row["node_ids"])
        for method in missing:
            node_ids[method] = index(method).add(pages)
        (report.added if row is None else report.updated).append(path)
        report.pages += len(pages)
        rows.append({"path": path, "sha256": sha, "pages": len(pages), "node_ids": node_ids})
    for opened_index in opened.values():
        opened_index.persist()
    _record(database, collection, rows, gone)
    report.seconds = time.perf_counter() - started
    return report


def collection_files(database: sa.Engine, collection: str) -> list[Path]:
    """The files recorded for ``collection``."""
    return [Path(path) for path in _known_files(database, collection)]


def _known_files(database: sa.Engine, collection: str) -> dict[str, dict[str, Any]]:
    query = sa.select(documents.c.path, documents.c.sha256, documents.c.node_ids).where(
        documents.c.collection == collection
    )
    with database.connect() as connection:
        return {row.path: dict(row._mapping) for row in connection.execute(query)}


def _remove_nodes(
    index: Callable[[RetrievalMethod], CollectionIndex], node_ids: dict[str, list[str]]
) -> None:
    for method, ids in node_ids.items():
        index(cast(RetrievalMethod, method)).remove(ids)


def _record(database: sa.Engine, collection: str, rows: list[dict[str, Any]], gone: list[str]) -> None:
    now = time.time()
    table = documents.c
    with database.begin() as connection:
        if gone:
            connection.execute(
                sa.delete(documents).where(table.collection == collection, table.path.in_(gone))
            )
        for row in rows:
            connection.execute(
                sa.delete(documents).where(table.collection == collection, table.path == row["path"])
            )
            connection.execute(sa.insert(documents).values(collection=collection, ingested_at=now, **row))
