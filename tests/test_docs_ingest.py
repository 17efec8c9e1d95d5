"""Ingestion: PDF pages, Markdown and HTML sections; re-ingest is incremental; deletions remove nodes."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from conversation.errors import BadInput
from skills.docs import DocsConfig, RetrievalConfig
from skills.docs.ingest import ingest
from skills.docs.library import DocsLibrary
from storage.tables import documents
from tests.fakes.corpus import NOTES_TXT, write_corpus, write_pdf
from tests.fakes.engines import migrated_database


@pytest.fixture
def database(tmp_path: Path) -> sa.Engine:
    engine = migrated_database(f"sqlite:///{tmp_path / 'chatwright.db'}")
    return engine


@pytest.fixture
def library(tmp_path: Path) -> DocsLibrary:
    return DocsLibrary(DocsConfig(tmp_path / "data", retrieval=RetrievalConfig(method="basic", top_k=3)))


def recorded(database: sa.Engine) -> dict[str, tuple[str, int]]:
    with database.connect() as connection:
        rows = connection.execute(sa.select(documents.c.path, documents.c.sha256, documents.c.pages))
        return {Path(path).name: (sha, pages) for path, sha, pages in rows}


def test_ingest_reads_pdf_pages_markdown_and_html_sections(tmp_path, library, database):
    corpus = write_corpus(tmp_path / "corpus")

    report = ingest([corpus], collection="default", library=library, database=database)

    assert sorted(Path(p).name for p in report.added) == ["faq.html", "guide.md", "manual.pdf", "notes.txt"]
    pages = {name: count for name, (_, count) in recorded(database).items()}
    assert pages == {"manual.pdf": 2, "guide.md": 3, "faq.html": 2, "notes.txt": 1}
    found = library.index("default").retrieve("hold the red button to reset the router")
    assert (found[0].file, found[0].page) == ("manual.pdf", 2)
    found = library.index("default").retrieve("How many days to return an unused item?")
    assert (found[0].file, found[0].section) == ("faq.html", "Returns")


def test_reingest_skips_unchanged_files_and_reindexes_a_changed_one(tmp_path, library, database):
    corpus = write_corpus(tmp_path / "corpus")
    ingest([corpus], collection="default", library=library, database=database)
    nodes_before = library.index("default").node_count

    again = ingest([corpus], collection="default", library=library, database=database)
    assert (again.added, again.updated, again.removed, len(again.unchanged)) == ([], [], [], 4)
    assert library.index("default").node_count == nodes_before

    (corpus / "notes.txt").write_text("The office dog is called Biscuit.", encoding="utf-8")
    changed = ingest([corpus], collection="default", library=library, database=database)

    assert [Path(p).name for p in changed.updated] == ["notes.txt"]
    texts = [p.text for p in library.index("default").retrieve("What is the office pet called?")]
    assert any("Biscuit" in text for text in texts)
    assert not any("Marmalade" in text for text in texts)
    assert library.index("default").node_count == nodes_before


def test_deleting_a_file_removes_its_nodes_and_its_record(tmp_path, library, database):
    corpus = write_corpus(tmp_path / "corpus")
    ingest([corpus], collection="default", library=library, database=database)
    with database.connect() as connection:
        notes_ids = connection.execute(
            sa.select(documents.c.node_ids).where(documents.c.path.like("%notes.txt"))
        ).scalar_one()["basic"]
    assert notes_ids

    (corpus / "notes.txt").unlink()
    report = ingest([corpus], collection="default", library=library, database=database)

    assert [Path(p).name for p in report.removed] == ["notes.txt"]
    assert "notes.txt" not in recorded(database)
    index = library.index("default")
    assert not set(notes_ids) & set(index.storage.docstore.docs)
    assert all(p.file != "notes.txt" for p in index.retrieve("What is the name of the office cat?"))


def test_an_index_written_by_one_library_is_read_by_another(tmp_path, library, database):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "notes.txt").write_text(NOTES_TXT, encoding="utf-8")
    ingest([corpus], collection="pets", library=library, database=database)

    reader = DocsLibrary(library.config)
    assert reader.index("pets").retrieve("the office cat")[0].file == "notes.txt"

    write_pdf(corpus / "more.pdf", ("The office parrot is called Captain.",))
    ingest([corpus], collection="pets", library=library, database=database)
    assert reader.index("pets").retrieve("the office parrot")[0].file == "more.pdf"


def test_bad_paths_are_refused_with_a_clear_error_and_nothing_recorded(tmp_path, library, database):
    image = tmp_path / "photo.png"
    image.write_bytes(b"\x89PNG")
    with pytest.raises(BadInput, match="unsupported file type"):
        ingest([image], collection="default", library=library, database=database)
    with pytest.raises(BadInput, match="no such file"):
        ingest([tmp_path / "missing"], collection="default", library=library, database=database)
    with pytest.raises(BadInput, match="collection"):
        ingest([tmp_path], collection="../escape", library=library, database=database)
    assert recorded(database) == {}


def test_an_unreadable_pdf_is_reported_and_the_other_files_are_still_ingested(tmp_path, library, database):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "broken.pdf").write_bytes(b"not a pdf at all")
    (corpus / "notes.txt").write_text(NOTES_TXT, encoding="utf-8")

    report = ingest([corpus], collection="default", library=library, database=database)

    assert [Path(p).name for p in report.failed] == ["broken.pdf"]
    assert "not a readable PDF" in next(iter(report.failed.values()))
    assert list(recorded(database)) == ["notes.txt"]
